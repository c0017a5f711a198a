// The March 2020 study (scenarios/covid-2020, docs/studies/covid-2020.md): what the story's
// numbers must come out of, checked through the binary as a user runs it.
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e;

namespace {
const std::string kMonolith = "scenarios/covid-2020/monolith.json";
}

TEST_CASE("covid: daily active users follow from session arrivals and lengths, within the story's order of magnitude") {
  // The whole Monday's session arrivals with users who send almost nothing (one request an
  // hour), so the day costs little: the DAU is the number of sessions the profile starts,
  // an output of the arrival process, not a number typed in. The story says 1,200,000 on a
  // March weekday (24x February's 50,000); the profile integrates to about 1.3 million.
  auto s = run_summary(source_path(kMonolith), {"--set", "users.think_time=1h", "--set", "users.timeout=5s", "--set", "alerts=[]"}, 240);
  const double dau = num(s, "components.users.daily_active_users");
  CHECK(dau > 600000);
  CHECK(dau < 2400000);
  // Little on the day: the peak of concurrent users is about the story's 80,000.
  const double peak = num(s, "components.users.active_users_peak");
  CHECK(peak > 60000);
  CHECK(peak < 100000);
}

TEST_CASE("covid: a bad session field is refused with its JSON location, exit 2") {
  auto r = run_archsim({"run", source_path(kMonolith), "--set", "users.sessions.lenght=10m", "--quiet"}, 60);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("sessions/lenght") != std::string::npos);
  r = run_archsim({"run", source_path(kMonolith), "--set", "users.sessions.length=0s", "--quiet"}, 60);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("positive mean") != std::string::npos);
}
