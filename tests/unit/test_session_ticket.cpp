// The session-mode client's ticket (models/client/session_ticket.h): what it packs comes
// back, what does not fit falls back to the plain slot, and its coarse end never answers
// "has the session ended by t" differently from the exact comparison t >= end.
#include <doctest/doctest.h>

#include <cstdint>

#include "models/client/session_ticket.h"
#include "sim/random.h"

using namespace archsim;

TEST_CASE("session ticket: slot and id come back; what does not fit stays the plain slot") {
  const Time end = 9 * 3600 * kSecond + 123;
  const std::uint64_t t = SessionTicket::make(80'000, end, 1'300'000);
  CHECK(SessionTicket::packed(t));
  CHECK(SessionTicket::user(t) == 80'000);
  CHECK(SessionTicket::id(t) == 1'300'000);
  CHECK((t >> 63) == 0);  // bit 63 is the continuation space's (a policy's token)
  const std::uint64_t max_user = (1u << 20) - 1, max_id = (1u << 24) - 1;
  const Time max_end = (Time{1} << 50) - 1;
  const std::uint64_t edge = SessionTicket::make(max_user, max_end, max_id);
  CHECK(SessionTicket::packed(edge));
  CHECK(SessionTicket::user(edge) == max_user);
  CHECK(SessionTicket::id(edge) == max_id);
  // One past each field's room: the slot itself, unpacked.
  CHECK(SessionTicket::make(max_user + 1, end, 7) == max_user + 1);
  CHECK(SessionTicket::make(5, max_end + 1, 7) == 5);
  CHECK(SessionTicket::make(5, kTimeMax, 7) == 5);  // a session that never ends
  CHECK(SessionTicket::make(5, end, max_id + 1) == 5);
  CHECK(SessionTicket::user(5) == 5);
  CHECK(SessionTicket::ends_by(5, end) == -1);  // unpacked: the caller compares exactly
}

TEST_CASE("session ticket: ends_by agrees with t >= end, or defers to it") {
  Rng rng(42);
  int told = 0, deferred = 0;
  for (int i = 0; i < 200'000; ++i) {
    const Time end = static_cast<Time>(rng.below(std::uint64_t{1} << 50));
    // t near the end (within two 4.3 s units either side) half the time, anywhere otherwise.
    const Time span = Time{1} << 33;
    const Time t = i % 2 ? static_cast<Time>(rng.below(std::uint64_t{1} << 51))
                         : std::max<Time>(0, end - span + static_cast<Time>(rng.below(2 * static_cast<std::uint64_t>(span))));
    const std::uint64_t ticket = SessionTicket::make(rng.below(1u << 20), end, rng.below(1u << 24));
    REQUIRE(SessionTicket::packed(ticket));
    const int k = SessionTicket::ends_by(ticket, t);
    if (k < 0) {
      ++deferred;
      CHECK((t >> 32) == (end >> 32));  // it defers only inside the end's own unit
    } else {
      ++told;
      CHECK((k == 1) == (t >= end));
    }
  }
  // Exact boundaries: one unit below, the end itself, past it, and kTimeMax (a saturated time).
  const Time end = (Time{1000} << 32) + 17;
  const std::uint64_t ticket = SessionTicket::make(3, end, 4);
  CHECK(SessionTicket::ends_by(ticket, (Time{1000} << 32) - 1) == 0);
  CHECK(SessionTicket::ends_by(ticket, end) == -1);
  CHECK(SessionTicket::ends_by(ticket, Time{1001} << 32) == 1);
  CHECK(SessionTicket::ends_by(ticket, kTimeMax) == 1);
  CHECK(told > 150'000);
  CHECK(deferred > 10'000);
}
