// Redis Cluster's key -> hash slot (cluster.c keyHashSlot): CRC16 (XMODEM: polynomial 0x1021,
// initial value 0, no reflection) of the key modulo 16384. Keys here are integers; the key
// string hashed is their decimal form (hash tags do not arise). Cost: one table-free CRC of
// at most 20 bytes; no allocation.
#pragma once
#include <cstddef>
#include <cstdint>

namespace archsim::cache {

inline std::uint16_t crc16(const char* s, std::size_t n) {
  std::uint16_t crc = 0;
  for (std::size_t i = 0; i < n; ++i) {
    crc = static_cast<std::uint16_t>(crc ^ (static_cast<std::uint8_t>(s[i]) << 8));
    for (int b = 0; b < 8; ++b)
      crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc;
}

inline constexpr std::uint32_t kHashSlots = 16384;

inline std::uint32_t hash_slot(std::uint64_t key) {
  char buf[20];
  std::size_t n = 0;
  do {
    buf[19 - n++] = static_cast<char>('0' + key % 10);
    key /= 10;
  } while (key > 0);
  return crc16(buf + 20 - n, n) & (kHashSlots - 1);
}

}  // namespace archsim::cache
