// A run that makes no simulated-time progress stops with a message naming the components
// involved, instead of hanging (a closed loop whose requests are answered in zero time).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::write_scenario;

TEST_CASE("watchdog: a zero-time closed loop stops with exit 1 and names its components") {
  const auto doc = nlohmann::json::parse(R"({"name": "zero-loop", "duration": "1m", "components": [
    {"id": "users", "type": "client", "target": "web", "users": 2, "think_time": "0s"},
    {"id": "web", "type": "service", "service_time": "0s"}]})");
  const auto r = run_archsim({"run", write_scenario("zero-loop", doc), "--quiet", "--out", scratch_dir("zero-loop-out")}, 120);
  INFO(describe(r));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("no simulated time passed") != std::string::npos);
  CHECK(r.err.find("users") != std::string::npos);
  CHECK(r.err.find("web") != std::string::npos);
}
