// A client route's string keys (`keys.format`, e.g. "{user%d}.followers"): the key string is
// the format with %d replaced by the drawn key number, and the request carries it as a string
// key (lib/hash/key_slot.h): its format's index and its Redis Cluster hash slot
// (keyHashSlot, hash tags included), so no cache or shard ever formats or hashes a string.
//
// Cost: the slot of a number is computed once, at its first draw, into a table of two bytes
// per key number (allocated at load for key spaces up to kTableKeys); a larger key space
// formats and hashes each draw in a stack buffer (at most kMaxFormat + 13 bytes, no
// allocation).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "lib/hash/key_slot.h"

namespace archsim {

class KeyFormat {
 public:
  static constexpr std::size_t kMaxFormat = 200;
  static constexpr std::uint64_t kTableKeys = std::uint64_t{1} << 22;

  // Why `format` is not a key format ("" when it is): exactly one %d, no other '%'.
  static std::string problem(std::string_view format) {
    if (format.size() > kMaxFormat) return "is longer than " + std::to_string(kMaxFormat) + " characters";
    const std::size_t d = format.find("%d");
    if (d == std::string_view::npos) return "has no %d (where the key number goes), e.g. \"{user%d}.followers\"";
    for (std::size_t i = 0; i < format.size(); ++i)
      if (format[i] == '%' && i != d) return "has a '%' other than its one %d";
    return "";
  }

  KeyFormat(std::string_view format, std::uint32_t index, std::uint64_t key_count) : index_(index) {
    const std::size_t d = format.find("%d");
    prefix_ = std::string(format.substr(0, d));
    suffix_ = std::string(format.substr(d + 2));
    if (key_count <= kTableKeys) table_.assign(key_count, kUnknown);
  }

  // The key string of `number` (tests and messages).
  std::string text(std::uint64_t number) const { return prefix_ + std::to_string(number) + suffix_; }

  std::uint32_t slot(std::uint64_t number) const {
    if (number < table_.size()) {
      if (table_[number] == kUnknown) table_[number] = static_cast<std::uint16_t>(compute(number));
      return table_[number];
    }
    return compute(number);
  }

  // The request's key for `number`.
  std::uint64_t key(std::uint64_t number) const { return string_key(index_, slot(number), number); }

 private:
  static constexpr std::uint16_t kUnknown = 0xffff;  // slots are < 16384
  std::uint32_t compute(std::uint64_t number) const {
    char buf[kMaxFormat + 24];
    std::size_t n = prefix_.size();
    std::memcpy(buf, prefix_.data(), n);
    char digits[20];
    std::size_t k = 0;
    do {
      digits[k++] = static_cast<char>('0' + number % 10);
      number /= 10;
    } while (number > 0);
    while (k > 0) buf[n++] = digits[--k];
    std::memcpy(buf + n, suffix_.data(), suffix_.size());
    n += suffix_.size();
    return key_hash_slot(std::string_view(buf, n));
  }

  std::uint32_t index_;
  std::string prefix_, suffix_;
  mutable std::vector<std::uint16_t> table_;
};

}  // namespace archsim
