// Regions and DNS global balancing end to end: a region outage behind a Route 53-style
// failover record. The bounds come from the scenario's own parameters: detection is the
// failure_threshold-th failed probe after the outage begins (probes every `interval` from
// t = interval), and a resolver that asked just before detection keeps the dead answer for
// the TTL, so traffic leaves the dead region no earlier than detection + TTL (less the gap
// between two requests of one resolver) and no later.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::num;
using archsim::e2e::run_archsim;
using archsim::e2e::run_summary;
using archsim::e2e::source_path;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

std::string scenario() { return source_path("scenarios/edge/region-failover.json"); }

double seconds(const json& d) {  // "605s", "60s", "10s" or a number (the scenario's forms)
  if (d.is_number()) return d.get<double>();
  std::string s = d.get<std::string>();
  if (s.size() > 2 && s.substr(s.size() - 2) == "ms") return std::stod(s.substr(0, s.size() - 2)) / 1000;
  if (s.back() == 's') return std::stod(s.substr(0, s.size() - 1));
  if (s.back() == 'm') return 60 * std::stod(s.substr(0, s.size() - 1));
  throw std::runtime_error("unexpected duration " + s);
}

}  // namespace

TEST_CASE("regions: DNS failover completes no earlier than detection + TTL, and not much later") {
  json doc = json::parse(archsim::e2e::read_text(scenario()));
  const json& dns = doc["components"][1];
  REQUIRE(dns["id"] == "dns");
  const json& fault = doc["faults"][0];
  const double t0 = seconds(fault["at"]), interval = seconds(dns["health_check"]["interval"]);
  const double ttl = seconds(dns["ttl"]), threshold = dns["health_check"]["failure_threshold"].get<double>();
  const double rate = doc["components"][0]["arrivals"]["rate"].get<double>();
  // Round trip of a probe to the dead region: two links of network.latency + region latency.
  const double rtt = 2 * (0.001 + 0.035);
  const double first_failed_probe = std::ceil(t0 / interval) * interval;
  const double detect = first_failed_probe + (threshold - 1) * interval + rtt;
  for (double ttl_s : {ttl, 5.0}) {
    json s = run_summary(scenario(), {"--set", "dns.ttl=" + std::to_string(ttl_s)});
    INFO("TTL ", ttl_s, " s, detection expected at ", detect, " s");
    CHECK(num(s, "components.dns.targets.web-east.detected_down_s") == doctest::Approx(detect).epsilon(1e-6));
    const double complete = num(s, "components.dns.failover_complete_s");
    INFO("failover complete at ", complete, " s; detection + TTL = ", detect + ttl_s);
    // No later than detection + TTL: every answer given before detection has expired.
    CHECK(complete < detect + ttl_s);
    // Not earlier: a resolver refreshed just before detection still sends there until then
    // (1000 resolvers, 200 requests/s: the last of them is within a couple of seconds).
    CHECK(complete > detect + ttl_s - 2.0);
    // What the viewers saw: every request in [t0, detection) failed; after it, a resolver
    // holds the dead answer for at most the rest of its TTL, so the share still sent there
    // falls at least as fast as 1 - x / TTL: at most rate x TTL / 2 more failures. (Fewer in
    // fact: a resolver only asks again at its viewers' next request after expiry.)
    const double failed = num(s, "requests.failed");
    const double before = rate * (detect - t0), after_max = rate * ttl_s / 2;
    INFO("failed ", failed, ": at least ", before, ", at most ", before + after_max);
    CHECK(failed > 0.97 * before);
    CHECK(failed < 1.03 * (before + after_max));
    // A balancer that ignored the TTL (switching every viewer at detection) would send none
    // after it; here a good part of the bound is reached.
    CHECK(num(s, "components.dns.to_unhealthy") > 0.3 * after_max);
    CHECK(num(s, "components.dns.to_unhealthy") < 1.03 * after_max);
  }
}

TEST_CASE("regions: an outage of the users' region does not cut the users off; an internal client's does") {
  // The viewers placed in us-east-1 itself: a cloud region's outage takes down what runs in
  // its data centres, not the users near it, who resolve the name again and reach us-west-2
  // as the west coast's viewers do. The failures are bounded as in the test above: every
  // request until detection, then at most rate x TTL / 2. An internal client (one that runs in
  // the region) is cut off with it: every request of the 10 minutes fails.
  json doc = json::parse(archsim::e2e::read_text(scenario()));
  const double rate = doc["components"][0]["arrivals"]["rate"].get<double>();
  const double t0 = seconds(doc["faults"][0]["at"]), outage = seconds(doc["faults"][0]["duration"]);
  const double ttl = seconds(doc["components"][1]["ttl"]);
  json users = run_summary(scenario(), {"--set", "viewers.region=us-east-1"});
  const double detect = num(users, "components.dns.targets.web-east.detected_down_s");
  INFO("failed ", num(users, "requests.failed"), "; detection at ", detect, " s");
  CHECK(detect < t0 + 60);
  CHECK(num(users, "requests.failed") < 1.03 * rate * (detect - t0 + ttl / 2));
  CHECK(num(users, "components.dns.targets.web-west.requests") > 0.9 * rate * (outage - (detect - t0) - ttl));
  json internal = run_summary(scenario(), {"--set", "viewers.region=us-east-1", "--set", "viewers.internal=true"});
  INFO("internal: failed ", num(internal, "requests.failed"));
  CHECK(num(internal, "requests.failed") == doctest::Approx(rate * outage).epsilon(0.03));
}

TEST_CASE("regions: links between regions carry the region latency") {
  // No outage: every request goes to the primary in us-east-1, 35 ms each way from the
  // viewers' region, plus 1 ms links; with --set dns.policy=latency, to us-west-2 next door.
  json east = run_summary(scenario(), {"--set", "faults=[]", "--set", "duration=3m"});
  json west = run_summary(scenario(), {"--set", "faults=[]", "--set", "duration=3m", "--set", "dns.policy=latency"});
  CHECK(num(east, "components.dns.targets.web-west.requests") == 0);
  CHECK(num(west, "components.dns.targets.web-east.requests") == 0);
  const double diff_ms = num(east, "latency_ms.p50") - num(west, "latency_ms.p50");
  INFO("p50 east - west = ", diff_ms, " ms (expected 2 x 35 = 70)");
  CHECK(std::fabs(diff_ms - 70) < 3);
}

TEST_CASE("regions: bad input is exit 2 with the file and JSON location") {
  struct Case {
    const char* what;
    std::function<void(json&)> edit;
    const char* pointer;
    const char* word;
  };
  std::vector<Case> cases = {
      {"region without components", [](json& d) { d["network"]["regions"]["eu-west-1"] = json::parse(R"({"latency": {"us-east-1": "40ms", "us-west-2": "70ms"}})"); },
       "/network/regions/eu-west-1", "no components"},
      {"unknown region on a component", [](json& d) { d["components"][2]["region"] = "us-east1"; }, "/components/2/region", "us-east-1"},
      {"unknown region in the latency", [](json& d) { d["network"]["regions"]["us-west-2"] = json::parse(R"({"latency": {"eu-west": "1ms"}})"); },
       "/network/regions/us-west-2/latency/eu-west", "unknown region"},
      {"latency missing", [](json& d) { d["network"]["regions"]["us-east-1"] = json::object(); }, "/network/regions/us-east-1", "no latency"},
      {"negative TTL", [](json& d) { d["components"][1]["ttl"] = -1; }, "/components/1/ttl", "negative"},
      {"negative TTL string", [](json& d) { d["components"][1]["ttl"] = "-30s"; }, "/components/1/ttl", "negative"},
      {"unknown region in a fault", [](json& d) { d["faults"][0]["region"] = "us-east"; }, "/faults/0/region", "us-east-1"},
      {"misspelled dns field", [](json& d) { d["components"][1]["polcy"] = "failover"; }, "/components/1", "policy"},
      {"misspelled health check field", [](json& d) { d["components"][1]["health_check"]["failure_treshold"] = 3; }, "/components/1/health_check", "failure_threshold"},
      {"unknown policy", [](json& d) { d["components"][1]["policy"] = "geolocation"; }, "/components/1/policy", "geo"},
      {"geo region unknown", [](json& d) {
         d["components"][1]["policy"] = "geo";
         d["components"][1]["geo"] = json::parse(R"({"us-west": "web-west", "*": "web-east"})");
       }, "/components/1/geo/us-west", "us-west-2"},
      {"unknown target", [](json& d) { d["components"][1]["targets"][1] = "web-wset"; }, "/components/1/targets/1", "web-west"},
  };
  for (const Case& c : cases) {
    json d = json::parse(archsim::e2e::read_text(scenario()));
    c.edit(d);
    std::string path = write_scenario("bad", d);
    auto r = run_archsim({"validate", path}, 30);
    INFO(c.what << ": " << describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(path) != std::string::npos);
    CHECK(r.err.find(c.pointer) != std::string::npos);
    CHECK(r.err.find(c.word) != std::string::npos);
  }
}

TEST_CASE("analyze sees through the DNS balancer: failover sends all to the primary, no regional service is a SPOF") {
  auto r = archsim::e2e::run_archsim(
      {"analyze", archsim::e2e::source_path("scenarios/edge/region-failover.json"), "--json"});
  INFO(archsim::e2e::describe(r));
  REQUIRE(r.exit_code == 0);
  const auto a = nlohmann::json::parse(r.out);
  CHECK(a["spofs"] == nlohmann::json::array({"dns"}));
  CHECK(archsim::e2e::num(a, "components.web-east.arrival_rps") == doctest::Approx(200));
  CHECK(archsim::e2e::num(a, "components.web-west.arrival_rps") == 0);
}
