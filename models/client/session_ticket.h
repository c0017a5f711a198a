// SessionTicket: what a session-mode user's think timer and call token carry (their 64-bit
// data), so that a request's start and end read nothing per user but the client's state byte.
// A day of sessions holds about 100,000 user slots: the session's id and end kept only in
// arrays indexed by slot were a cache miss at every send and every reply (7 % of the
// profile's samples on the March 2020 Monday; the run is 1.5 % faster without them, as other
// misses overlapped those).
//
// Packed: bit 62 set (bit 63 belongs to the continuation space, sim/continuation.h), the slot
// in the low 20 bits, the session's end in units of 2^32 ns (4.3 s), rounded down, in the next
// 18, the session's id in the 24 above. A value that does not fit (a slot past 2^20, an end
// past 2^50 ns = 13 days, an id past 2^24) gives the plain slot number (bit 62 clear), and
// the client reads its arrays instead: the same answers, slower.
#pragma once
#include <cstdint>

#include "sim/time.h"

namespace archsim {

struct SessionTicket {
  static constexpr int kUserBits = 20, kEndBits = 18, kIdBits = 24, kEndShift = 32;
  static constexpr std::uint64_t kPacked = std::uint64_t{1} << 62;

  static constexpr std::uint64_t make(std::uint64_t user, Time end, std::uint64_t id) {
    const std::uint64_t coarse = static_cast<std::uint64_t>(end) >> kEndShift;
    if (end < 0 || user >> kUserBits || coarse >> kEndBits || id >> kIdBits) return user;
    return kPacked | user | coarse << kUserBits | id << (kUserBits + kEndBits);
  }
  static constexpr bool packed(std::uint64_t t) { return t & kPacked; }
  static constexpr std::uint64_t user(std::uint64_t t) { return packed(t) ? t & mask(kUserBits) : t; }
  // The session's id; packed tickets only.
  static constexpr std::uint64_t id(std::uint64_t t) { return (t >> (kUserBits + kEndBits)) & mask(kIdBits); }
  // Whether the session ends at or before `t` (t >= end): 1 or 0 when the ticket tells, -1
  // when it cannot (unpacked, or `t` in the end's 4.3 s unit): then compare with the exact end.
  static constexpr int ends_by(std::uint64_t ticket, Time t) {
    if (!packed(ticket) || t < 0) return -1;
    const std::uint64_t coarse = (ticket >> kUserBits) & mask(kEndBits);
    const std::uint64_t at = static_cast<std::uint64_t>(t) >> kEndShift;
    return at == coarse ? -1 : at > coarse;
  }

 private:
  static constexpr std::uint64_t mask(int bits) { return (std::uint64_t{1} << bits) - 1; }
};
static_assert(SessionTicket::kUserBits + SessionTicket::kEndBits + SessionTicket::kIdBits == 62);

}  // namespace archsim
