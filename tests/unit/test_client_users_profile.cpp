// A closed loop whose user count follows a profile: users above a falling target leave at
// the end of their cycle, and a rising target wakes idle users again, whichever users they
// are (the tick scans from the first user that may be idle, not from user 0). Checked
// against the interactive response-time law, X = N / (Z + R): after the population fell
// to a tenth and rose back, all N users send again.
#include <string>

#include "tests/unit/harness.h"

using archsim::test::fig;
using archsim::test::run;

TEST_CASE("client users profile: users who left come back when the target rises again") {
  // 1,000 users, 100 from 1m10s, 1,000 again from 3m10s; measured from 4m to 6m.
  const std::string s = R"({"name": "a", "duration": "6m", "warmup": "4m", "seed": 3, "components": [
    {"id": "users", "type": "client", "target": "web",
     "users": [["0s", 1000], ["1m", 1000], ["1m10s", 100], ["3m", 100], ["3m10s", 1000], ["6m", 1000]],
     "think_time": {"dist": "exponential", "mean": "1s"}, "timeout": "10s"},
    {"id": "web", "type": "service", "replicas": 4, "concurrency": 1000,
     "service_time": {"dist": "constant", "value": "1ms"}}]})";
  const auto r = run(s);
  // N = 1,000 users, Z = 1 s of think time, R = 1 ms of work (no queueing: 4,000 workers),
  // over 120 s: 119,880 requests. Each user's count is a renewal count with exponential
  // gaps, so the total's standard deviation is about sqrt(119,880) = 346; 2% is 7 of them.
  // Users not woken after the drop would leave 100 senders: 12,000.
  const double expected = 1000.0 * 120.0 / 1.001;
  CHECK(fig(r, "users", "sent") == doctest::Approx(expected).epsilon(0.02));
  CHECK(fig(r, "users", "ok") == doctest::Approx(expected).epsilon(0.02));
}
