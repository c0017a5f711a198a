// The scenario's instance-type catalogue ("instance_types"), checked against arithmetic that
// is not ours: a machine twice as fast does a fixed amount of CPU work in half the time
// (10 ms of work at speed 2 is 5 ms), and on-demand billing is instances x hours x the
// hourly price (EC2 per-second billing over whole hours). Also: an explicit speed wins over
// the catalogue, the catalogue's price wins over cost.prices_per_hour, vertical sizes may
// name only types, and bad catalogues are ScenarioErrors at the exact JSON pointer.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "sim/simulation.h"
#include "tests/unit/harness.h"

using namespace archsim;
using namespace archsim::test;

namespace {

const char* kCatalogue = R"(
  "instance_types": {
    "c5.large": {"speed": 1.0, "price_per_hour": 0.085, "memory_mb": 4096},
    "c5.xlarge": {"speed": 2.0, "price_per_hour": 0.17},
    "m5.large": {"speed": 1.0}
  })";

// A light constant load (no queueing: 20/s against 8 workers busy 10 ms or less) on `svc`.
std::string scenario(const std::string& svc, const std::string& extra = "", const std::string& duration = "1h") {
  return std::string(R"({"name": "t", "seed": 3, "duration": ")") + duration + R"(",)" + kCatalogue + extra + R"(,
    "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"process": "constant", "rate": 20}},
      )" + svc + R"(
    ]})";
}


double usd_of(const test::Run& r, const std::string& id) {
  for (const auto& [k, v] : r.cost.by_component)
    if (k == id) return v;
  return 0;
}


}  // namespace

TEST_CASE("instance types: a c5.xlarge (speed 2) does 10 ms of work in 5 ms") {
  const test::Run r = run(scenario(
      R"({"id": "api", "type": "service", "replicas": 2, "concurrency": 4, "instance_type": "c5.xlarge", "service_time": "10ms"})",
      "", "60s"));
  REQUIRE(r.latency.count > 1000);
  // The histogram's relative error is at most 1%: 5 ms, not 10 ms (speed ignored) nor 2.5 ms.
  CHECK(r.latency.p50 == doctest::Approx(5.0).epsilon(0.01));
  CHECK(r.latency.max == doctest::Approx(5.0).epsilon(0.01));
}

TEST_CASE("instance types: an explicit speed wins over the catalogue's") {
  const test::Run r = run(scenario(
      R"({"id": "api", "type": "service", "replicas": 2, "concurrency": 4, "instance_type": "c5.xlarge", "speed": 4, "service_time": "10ms"})",
      "", "60s"));
  CHECK(r.latency.p50 == doctest::Approx(2.5).epsilon(0.01));
}

TEST_CASE("instance types: cost = instances x hours x the catalogue's price, which wins over prices_per_hour") {
  // 3 instances for the whole hour at $0.17/h = $0.51. prices_per_hour says $1.00 for the
  // same type: the catalogue wins. m5.large has no catalogue price: prices_per_hour applies.
  const std::string cost = R"(, "cost": {"prices_per_hour": {"c5.xlarge": 1.0, "m5.large": 0.096, "default": 5}})";
  const test::Run r = run(scenario(
      R"({"id": "api", "type": "service", "replicas": 3, "concurrency": 4, "instance_type": "c5.xlarge", "service_time": "10ms"},
      {"id": "side", "type": "service", "replicas": 2, "instance_type": "m5.large", "service_time": "1ms"})",
      cost));
  CHECK(usd_of(r, "api") == doctest::Approx(3 * 1.0 * 0.17).epsilon(1e-9));
  CHECK(usd_of(r, "side") == doctest::Approx(2 * 1.0 * 0.096).epsilon(1e-9));
  CHECK(r.cost.total_usd == doctest::Approx(0.51 + 0.192).epsilon(1e-9));
}

TEST_CASE("instance types: vertical sizes that name only types take the catalogue's speeds") {
  const test::Run r = run(scenario(
      R"({"id": "api", "type": "service", "replicas": 2, "concurrency": 4, "instance_type": "c5.xlarge", "service_time": "10ms"},
      {"id": "vpa", "type": "autoscaler", "target": "api", "mode": "vertical",
       "sizes": [{"instance_type": "c5.large"}, {"instance_type": "c5.xlarge"}]})",
      "", "30s"));
  CHECK(fig(r, "vpa", "speed") == 2.0);
  CHECK(r.latency.p50 == doctest::Approx(5.0).epsilon(0.01));
}

TEST_CASE("instance types: bad input names the JSON location") {
  const std::string svc = R"({"id": "api", "type": "service", "instance_type": "c5.xlarge", "service_time": "10ms"})";
  SUBCASE("a service naming a type the catalogue lacks, with a suggestion") {
    const ScenarioError e = build_error(scenario(
        R"({"id": "api", "type": "service", "instance_type": "c5.xlarg", "service_time": "10ms"})"));
    CHECK(e.pointer() == "/components/1/instance_type");
    CHECK(std::string(e.what()).find("did you mean \"c5.xlarge\"") != std::string::npos);
  }
  SUBCASE("a negative speed") {
    std::string text = scenario(svc);
    text.replace(text.find("\"speed\": 2.0"), 12, "\"speed\": -2");
    const ScenarioError e = build_error(text);
    CHECK(e.pointer() == "/instance_types/c5.xlarge/speed");
  }
  SUBCASE("an unknown field, with a suggestion") {
    std::string text = scenario(svc);
    text.replace(text.find("\"price_per_hour\": 0.17"), 16, "\"price_per_hr\"");
    const ScenarioError e = build_error(text);
    CHECK(e.pointer() == "/instance_types/c5.xlarge/price_per_hr");
    CHECK(std::string(e.what()).find("did you mean \"price_per_hour\"") != std::string::npos);
  }
  SUBCASE("a vertical size naming a type the catalogue lacks") {
    const ScenarioError e = build_error(scenario(svc + R"(,
      {"id": "vpa", "type": "autoscaler", "target": "api", "mode": "vertical",
       "sizes": [{"instance_type": "c5.xlarge"}, {"instance_type": "c5.2xlarge"}]})"));
    CHECK(e.pointer() == "/components/2/sizes/1/instance_type");
  }
}
