// The client's arrivals at a plain Poisson rate take a fast path (schedule_next_arrival);
// a profile of two points holding that rate, its second past the end of the run, takes the
// general path (pieces, bound, flat test) and must draw the same gaps: the same event stream
// (fingerprint) and the same requests, open loop and session mode alike.
#include <string>

#include "tests/unit/harness.h"

using archsim::test::fig;
using archsim::test::run;

namespace {

std::string scenario(const std::string& client) {
  return R"({"name": "a", "duration": "10m", "warmup": "1m", "seed": 7, "components": [
    {"id": "users", "type": "client", "target": "web", )" + client + R"(, "timeout": "10s"},
    {"id": "web", "type": "service", "replicas": 2, "concurrency": 1, "service_time": {"dist": "exponential", "mean": "10ms"}}]})";
}

}  // namespace

TEST_CASE("client arrivals: a plain Poisson rate draws what the same rate as a profile draws") {
  for (const auto& [plain, profile] :
       {std::pair<std::string, std::string>{R"("arrivals": {"rate": 50})", R"("arrivals": {"rate": [["0s", 50], ["1h", 50]]})"},
        std::pair<std::string, std::string>{R"("sessions": {"rate": 2, "length": "20s"}, "think_time": "1s")",
                                            R"("sessions": {"rate": [["0s", 2], ["1h", 2]], "length": "20s"}, "think_time": "1s")"}}) {
    const std::string& p = plain;
    INFO(p);
    const auto a = run(scenario(plain)), b = run(scenario(profile));
    CHECK(fig(a, "users", "sent") > 0);
    CHECK(fig(a, "users", "sent") == fig(b, "users", "sent"));
    CHECK(a.fingerprint == b.fingerprint);
  }
}
