// The health tracker (lib/health/health_tracker.h) against the rules it follows:
// HAProxy's fall/rise counting for active checks, Envoy's consecutive_5xx ejection with
// base_ejection_time x times ejected, capped by max_ejection_time, and the
// max_ejection_percent cap that still lets one member go.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "lib/health/health_tracker.h"

using namespace archsim;
using namespace archsim::health;

namespace {

HealthTracker checks_only(std::size_t n, std::uint32_t fall, std::uint32_t rise) {
  return HealthTracker(n, ActiveCheckParams{fall, rise}, OutlierParams{});
}

OutlierParams outlier(std::uint32_t consecutive, double max_percent) {
  OutlierParams o;
  o.on = true;
  o.consecutive_failures = consecutive;
  o.base_ejection = 30 * kSecond;
  o.max_ejection = 100 * kSecond;
  o.max_ejection_percent = max_percent;
  return o;
}

}  // namespace

TEST_CASE("health: members start healthy; fall consecutive failed probes mark one down, rise good ones bring it back") {
  HealthTracker h = checks_only(2, 3, 2);
  CHECK(h.eligible(0));
  CHECK(h.eligible(1));
  CHECK_FALSE(h.probe_result(0, false));
  CHECK_FALSE(h.probe_result(0, false));
  CHECK(h.eligible(0));
  CHECK(h.probe_result(0, false));  // the third in a row
  CHECK_FALSE(h.eligible(0));
  CHECK(h.eligible(1));  // members are independent
  CHECK_FALSE(h.probe_result(0, false));  // already down: no change
  CHECK_FALSE(h.probe_result(0, true));
  CHECK_FALSE(h.eligible(0));
  CHECK(h.probe_result(0, true));  // the second good one in a row
  CHECK(h.eligible(0));
}

TEST_CASE("health: a good probe breaks a run of failures (the count is consecutive)") {
  HealthTracker h = checks_only(1, 2, 1);
  for (int i = 0; i < 10; ++i) {
    CHECK_FALSE(h.probe_result(0, false));
    CHECK_FALSE(h.probe_result(0, true));
  }
  CHECK(h.eligible(0));
  CHECK_FALSE(h.probe_result(0, false));
  CHECK(h.probe_result(0, false));
  CHECK_FALSE(h.eligible(0));
}

TEST_CASE("health: outlier detection off ignores every request result") {
  HealthTracker h = checks_only(1, 3, 2);
  for (int i = 0; i < 100; ++i) CHECK_FALSE(h.request_result(0, Outcome::failure, i * kSecond));
  CHECK(h.eligible(0));
}

TEST_CASE("health: consecutive failures eject; success resets the count, neutral answers do not") {
  HealthTracker h(2, ActiveCheckParams{}, outlier(3, 100));
  CHECK_FALSE(h.request_result(0, Outcome::failure, 0));
  CHECK_FALSE(h.request_result(0, Outcome::failure, 0));
  CHECK_FALSE(h.request_result(0, Outcome::success, 0));  // reset
  CHECK_FALSE(h.request_result(0, Outcome::failure, 0));
  CHECK_FALSE(h.request_result(0, Outcome::failure, 0));
  CHECK_FALSE(h.request_result(0, Outcome::neutral, 0));  // a 429 says nothing either way
  CHECK(h.request_result(0, Outcome::failure, 5 * kSecond));  // third failure in a row
  CHECK(h.ejected(0));
  CHECK_FALSE(h.eligible(0));
  CHECK(h.checks_ok(0));  // ejection is not a failed health check
  CHECK(h.ejection_span(0) == 30 * kSecond);
}

TEST_CASE("health: ejections last base x times ejected, capped, and end only at a sweep") {
  HealthTracker h(1, ActiveCheckParams{}, outlier(1, 100));
  std::vector<std::uint32_t> back;
  auto sweep = [&](Time t) {
    back.clear();
    h.sweep(t, [&](std::uint32_t m) { back.push_back(m); });
  };
  // First ejection at t=10s lasts 30 s.
  CHECK(h.request_result(0, Outcome::failure, 10 * kSecond));
  sweep(39 * kSecond);
  CHECK(back.empty());
  CHECK_FALSE(h.eligible(0));
  sweep(40 * kSecond);
  CHECK(back == std::vector<std::uint32_t>{0});
  CHECK(h.eligible(0));
  // Second: 60 s; third: 90 s; fourth: 120 s capped at 100 s.
  const Time expect[] = {60 * kSecond, 90 * kSecond, 100 * kSecond, 100 * kSecond};
  Time t = 100 * kSecond;
  for (Time span : expect) {
    CHECK(h.request_result(0, Outcome::failure, t));
    CHECK(h.ejection_span(0) == span);
    sweep(t + span - 1);
    CHECK_FALSE(h.eligible(0));
    sweep(t + span);
    CHECK(h.eligible(0));
    t += 1000 * kSecond;
  }
}

TEST_CASE("health: at most max_ejection_percent are ejected, but one always may be") {
  // 4 members, 30 %: the first ejection (25 %) is allowed, a second (50 %) is not.
  HealthTracker h(4, ActiveCheckParams{}, outlier(2, 30));
  CHECK_FALSE(h.request_result(0, Outcome::failure, 0));
  CHECK(h.request_result(0, Outcome::failure, 0));
  CHECK_FALSE(h.request_result(1, Outcome::failure, 0));
  CHECK_FALSE(h.request_result(1, Outcome::failure, 0));  // refused by the cap
  CHECK(h.eligible(1));
  // The refused member's count stays: its next failure asks again, and succeeds once the
  // first member is back.
  h.sweep(30 * kSecond, [](std::uint32_t) {});
  CHECK(h.eligible(0));
  CHECK(h.request_result(1, Outcome::failure, 31 * kSecond));
  CHECK_FALSE(h.eligible(1));

  // Even a 0 % cap lets one member be ejected (Envoy's rule).
  HealthTracker z(3, ActiveCheckParams{}, outlier(1, 0));
  CHECK(z.request_result(2, Outcome::failure, 0));
  CHECK_FALSE(z.request_result(1, Outcome::failure, 0));
}

TEST_CASE("health: eligibility needs both: healthy by the checks and not ejected") {
  HealthTracker h(2, ActiveCheckParams{1, 1}, outlier(1, 100));
  CHECK(h.request_result(0, Outcome::failure, 0));  // ejected
  CHECK_FALSE(h.probe_result(0, false));  // down by checks too: still ineligible, no change
  CHECK(h.ejected(0));
  CHECK_FALSE(h.checks_ok(0));
  bool called = false;
  h.sweep(30 * kSecond, [&](std::uint32_t) { called = true; });
  CHECK(called);  // the ejection ended...
  CHECK_FALSE(h.eligible(0));  // ...but the checks still say down
  CHECK(h.probe_result(0, true));
  CHECK(h.eligible(0));
}
