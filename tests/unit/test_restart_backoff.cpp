// The kubelet's restart back-off (models/server/pool/restart_backoff.h) on its own, against
// the sequence Kubernetes documents and its flowcontrol.Backoff computes: the first restart at
// once, then 10, 20, 40, 80, 160 s and 300 s from then on; a kill more than 10 min after the
// container's last start is a first kill again.
#include <doctest/doctest.h>

#include <vector>

#include <nlohmann/json.hpp>

#include "models/server/pool/restart_backoff.h"

using namespace archsim;

namespace {

// The waits of `kills` kills in a row, each `ran` after the container's last start (the
// restart that followed the previous kill's wait).
std::vector<double> waits(const RestartBackoff& b, int kills, Time ran) {
  std::vector<double> out;
  std::uint32_t loops = 0;
  Time started = 0;
  for (int k = 0; k < kills; ++k) {
    const Time kill = started + ran;
    const Time w = b.next(loops, started, kill);
    out.push_back(to_seconds(w));
    started = kill + w;
  }
  return out;
}

}  // namespace

TEST_CASE("restart back-off: Kubernetes' sequence, 10 s doubling to the 5 min cap after an immediate first restart") {
  const RestartBackoff b;  // the kubelet's defaults
  CHECK(waits(b, 9, 30 * kSecond) == std::vector<double>{0, 10, 20, 40, 80, 160, 300, 300, 300});
}

TEST_CASE("restart back-off: a container that ran more than reset_after starts the sequence again") {
  const RestartBackoff b;
  std::uint32_t loops = 0;
  CHECK(b.next(loops, 0, 30 * kSecond) == 0);
  CHECK(b.next(loops, 30 * kSecond, 60 * kSecond) == 10 * kSecond);
  CHECK(b.next(loops, 70 * kSecond, 100 * kSecond) == 20 * kSecond);
  // Exactly 10 min of running is not more than 10 min: the sequence goes on (hasExpired's >).
  CHECK(b.next(loops, 120 * kSecond, 120 * kSecond + 10 * kMinute) == 40 * kSecond);
  // 10 min and a second: reset, restarted at once, and the next kill waits 10 s again.
  const Time start = 200 * kSecond + 10 * kMinute;
  CHECK(b.next(loops, start, start + 10 * kMinute + kSecond) == 0);
  CHECK(b.next(loops, start + 11 * kMinute, start + 11 * kMinute + 5 * kSecond) == 10 * kSecond);
}

TEST_CASE("restart back-off: turned off, every restart is at once; KEP-4603's reduced curve with its settings") {
  RestartBackoff off;
  off.enabled = false;
  CHECK(waits(off, 4, kSecond) == std::vector<double>{0, 0, 0, 0});
  RestartBackoff fast;  // ReduceDefaultCrashLoopBackOffDecay: 1 s initial, 60 s cap
  fast.initial = kSecond;
  fast.max = kMinute;
  CHECK(waits(fast, 10, kSecond) == std::vector<double>{0, 1, 2, 4, 8, 16, 32, 60, 60, 60});
}

TEST_CASE("restart back-off: a long loop stays at the cap without overflowing") {
  const RestartBackoff b;
  std::uint32_t loops = 100;
  CHECK(b.next(loops, 0, kSecond) == 5 * kMinute);
  loops = UINT32_MAX;
  CHECK(b.next(loops, 0, kSecond) == 5 * kMinute);
  CHECK(loops == UINT32_MAX);
}

TEST_CASE("restart back-off: read from a component's restart_backoff") {
  auto read = [](const char* text) {
    const nlohmann::json j = nlohmann::json::parse(text);
    Params p(j, "");
    return RestartBackoff::read(p);
  };
  const RestartBackoff none = read("{}");
  CHECK(none.enabled);
  CHECK(none.initial == 10 * kSecond);
  CHECK(none.max == 5 * kMinute);
  CHECK(none.reset_after == 10 * kMinute);
  CHECK_FALSE(read(R"({"restart_backoff": false})").enabled);
  const RestartBackoff set = read(R"({"restart_backoff": {"initial": "1s", "max": "1m", "reset_after": "5m"}})");
  CHECK(set.initial == kSecond);
  CHECK(set.max == kMinute);
  CHECK(set.reset_after == 5 * kMinute);
  CHECK(read(R"({"restart_backoff": {"initial": "10m"}})").max == 10 * kMinute);  // the cap follows a larger start
}
