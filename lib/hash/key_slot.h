// Data keys and their Redis Cluster hash slots (redis/src/cluster.c keyHashSlot and crc16.c;
// the Redis Cluster specification, "Keys distribution model" and "Hash tags").
//
// A key's slot is CRC16 (XMODEM: polynomial 0x1021, initial value 0, no reflection) of the
// key string, modulo 16384. Hash tags: when the key has a '{', and a '}' after it, with at
// least one character between them, only the characters between the first '{' and the first
// '}' after it are hashed; otherwise the whole key is (so "foo{}{bar}" hashes whole,
// "foo{{bar}}" hashes "{bar" and "foo{bar}{zap}" hashes "bar").
//
// Keys travel in a request as 64 bits (sim/request.h). Two kinds:
//   integer keys   0 .. 2^41 - 1, a client route's `keys` without a format. Their string is
//                  the decimal form, hashed per lookup by integer_key_slot() (at most 13 digits).
//   string keys    a client route's `keys.format` ("{user%d}.followers"): the key string is
//                  the format with %d replaced by the key number. The 64 bits carry the slot,
//                  computed once per key number at load (the client's table), so caches and
//                  shards read it with a shift, never a string:
//                    bit 63        1 (a string key)
//                    bits 49..62   the hash slot
//                    bits 41..48   the format (the scenario's n-th distinct format)
//                    bits 0..40    the key number
//                  Two formats with the same number are two keys; one format used by two
//                  clients is one key space.
// Cost: key_slot() is one shift for a string key and a CRC of at most 13 bytes for an
// integer key; no allocation.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace archsim {

inline constexpr std::uint32_t kHashSlots = 16384;
inline constexpr int kKeyNumberBits = 41;
inline constexpr std::uint64_t kMaxKeyNumber = (std::uint64_t{1} << kKeyNumberBits) - 1;
inline constexpr std::uint32_t kMaxKeyFormats = 256;

inline std::uint16_t crc16_xmodem(const char* s, std::size_t n) {
  std::uint16_t crc = 0;
  for (std::size_t i = 0; i < n; ++i) {
    crc = static_cast<std::uint16_t>(crc ^ (static_cast<std::uint8_t>(s[i]) << 8));
    for (int b = 0; b < 8; ++b)
      crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc;
}

// keyHashSlot: the slot of a key string, with the hash-tag rule.
inline std::uint32_t key_hash_slot(std::string_view key) {
  const std::size_t open = key.find('{');
  if (open != std::string_view::npos) {
    const std::size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1)
      return crc16_xmodem(key.data() + open + 1, close - open - 1) & (kHashSlots - 1);
  }
  return crc16_xmodem(key.data(), key.size()) & (kHashSlots - 1);
}

inline bool is_string_key(std::uint64_t key) { return (key >> 63) != 0; }

inline std::uint64_t string_key(std::uint32_t format, std::uint32_t slot, std::uint64_t number) {
  return (std::uint64_t{1} << 63) | (std::uint64_t{slot} << 49) | (std::uint64_t{format} << kKeyNumberBits) | number;
}

// The number a key was drawn as (the integer key itself, or a string key's %d).
inline std::uint64_t key_number(std::uint64_t key) { return is_string_key(key) ? key & kMaxKeyNumber : key; }

// The slot of an integer key: its decimal form hashed (it has no braces, so no tag).
inline std::uint32_t integer_key_slot(std::uint64_t key) {
  char buf[20];
  std::size_t n = 0;
  do {
    buf[19 - n++] = static_cast<char>('0' + key % 10);
    key /= 10;
  } while (key > 0);
  return crc16_xmodem(buf + 20 - n, n) & (kHashSlots - 1);
}

// The slot of any key.
inline std::uint32_t key_slot(std::uint64_t key) {
  return is_string_key(key) ? static_cast<std::uint32_t>((key >> 49) & (kHashSlots - 1)) : integer_key_slot(key);
}

}  // namespace archsim
