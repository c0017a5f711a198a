// Fields of several shapes (a number or a duration, an id or an object, arrays of arrays)
// read through Params::shape() and Params::Value in the models: every wrong shape fails
// before t = 0 with its exact JSON pointer and the model's own words, and the right shapes
// build.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/unit/harness.h"

using namespace archsim;
using namespace archsim::test;

namespace {

struct Case {
  std::string doc, pointer, message;
};

void check_cases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    CAPTURE(c.doc);
    ScenarioError e = build_error(c.doc);
    CHECK(e.pointer() == c.pointer);
    CHECK(std::string(e.what()) == c.message);
  }
}

// users -> lb -> {a, b}
std::string balancer(const std::string& lb) {
  return R"({"duration": "10s", "components": [
    {"id": "users", "type": "client", "target": "lb", "arrivals": {"rate": 10}},
    {"id": "lb", "type": "balancer", )" + lb + R"(},
    {"id": "a", "type": "service", "service_time": "1ms"},
    {"id": "b", "type": "service", "service_time": "1ms"}]})";
}

std::string with_fault(const std::string& fault) {
  return R"({"duration": "10s", "components": [
    {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 10}},
    {"id": "api", "type": "service", "service_time": "1ms"}],
    "faults": [)" + fault + "]}";
}

std::string component(const std::string& type, const std::string& fields) {
  return R"({"duration": "10s", "components": [
    {"id": "users", "type": "client", "target": "x", "arrivals": {"rate": 10}},
    {"id": "x", "type": ")" + type + R"(", )" + fields + "}]}";
}

}  // namespace

TEST_CASE("shaped fields: a balancer's targets are ids or {id, weight}; its routes arrays of target ids") {
  const std::string either = "a target is a component id or {\"id\": ..., \"weight\": ...}";
  check_cases({
      {balancer(R"("targets": "a")"), "/components/1/targets",
       "expected an array of component ids or {\"id\": ..., \"weight\": ...}"},
      {balancer(R"("targets": ["a", 7])"), "/components/1/targets/1", either},
      {balancer(R"("targets": [["a"], "b"])"), "/components/1/targets/0", either},
      {balancer(R"("targets": [{"id": "a", "wieght": 2}, "b"])"), "/components/1/targets/0/wieght",
       "unknown field \"wieght\" (did you mean \"weight\"?)"},
      {balancer(R"("targets": ["a", "b"], "routes": {"x": ["a", 3]})"), "/components/1/routes/x/1", "expected a target id"},
      {balancer(R"("targets": ["a", "b"], "routes": {"x": []})"), "/components/1/routes/x",
       "expected a non-empty array of target ids, e.g. [\"a\"]"},
      {balancer(R"("targets": ["a", "b"], "routes": {"x": "a"})"), "/components/1/routes/x",
       "expected a non-empty array of target ids, e.g. [\"a\"]"},
      {balancer(R"("targets": ["a", "b"], "routes": {"x": ["b", "b"]})"), "/components/1/routes/x/1", "\"b\" is listed twice"},
  });
  // The right shapes build (and run).
  RunResult r = run(balancer(R"("targets": ["a", {"id": "b", "weight": 3}], "routes": {"x": ["a"]})"));
  CHECK(fig(r, "lb", "backends.b.weight") == 3);
}

TEST_CASE("shaped fields: a crash's instances is a positive whole number or \"all\"; a partition's groups arrays of ids") {
  const std::string instances = "expected a positive whole number or \"all\"";
  const std::string crash = R"({"at": "1s", "kind": "crash", "target": "api", "instances": )";
  check_cases({
      {with_fault(crash + "0}"), "/faults/0/instances", instances},
      {with_fault(crash + "2.5}"), "/faults/0/instances", instances},
      {with_fault(crash + "\"some\"}"), "/faults/0/instances", instances},
      {with_fault(crash + "[1]}"), "/faults/0/instances", instances},
  });
  const std::string part = R"({"at": "1s", "duration": "1s", "kind": "partition", "groups": )";
  check_cases({
      {with_fault(part + R"([["users", "api"]]})"), "/faults/0/groups", "expected at least two groups: [[\"a\", \"b\"], [\"c\"]]"},
      {with_fault(part + R"({"a": ["users"]}})"), "/faults/0/groups", "expected at least two groups: [[\"a\", \"b\"], [\"c\"]]"},
      {with_fault(part + R"([["users"], "api"]})"), "/faults/0/groups/1", "expected a non-empty array of component ids"},
      {with_fault(part + R"([["users"], []]})"), "/faults/0/groups/1", "expected a non-empty array of component ids"},
      {with_fault(part + R"([["users"], ["api", 3]]})"), "/faults/0/groups/1/1", "expected a component id"},
      {with_fault(part + R"([["users"], ["apj"]]})"), "/faults/0/groups/1/0", "unknown component \"apj\" (did you mean \"api\"?)"},
      {with_fault(part + R"([["users"], ["users"]]})"), "/faults/0/groups/1/0", "\"users\" is in more than one group"},
  });
  run(with_fault(crash + "\"all\"}"));
  run(with_fault(part + R"([["users"], ["api"]]})"));
}

TEST_CASE("shaped fields: split points are ascending whole keys; acks a string or a whole number; ttl_jitter a fraction or a duration") {
  check_cases({
      {component("database", R"("sharding": "range", "split_points": 5)"), "/components/1/split_points",
       "must be an array of ascending keys"},
      {component("database", R"("sharding": "range", "split_points": [-5])"), "/components/1/split_points/0",
       "must be a whole number >= 0 (a key)"},
      {component("database", R"("sharding": "range", "split_points": [10, 2.5])"), "/components/1/split_points/1",
       "must be a whole number >= 0 (a key)"},
      {component("database", R"("sharding": "range", "split_points": [10, "20"])"), "/components/1/split_points/1",
       "must be a whole number >= 0 (a key)"},
      {component("queue", R"("acks": 2)"), "/components/1/acks", "expected \"0\", \"1\" or \"all\" (Kafka's producer acks)"},
      {component("queue", R"("acks": 1.5)"), "/components/1/acks", "expected \"0\", \"1\" or \"all\" (Kafka's producer acks)"},
      {component("queue", R"("acks": true)"), "/components/1/acks", "expected \"0\", \"1\" or \"all\" (Kafka's producer acks)"},
      {component("cache", R"("capacity": 100, "ttl": "10m", "ttl_jitter": 1.5)"), "/components/1/ttl_jitter",
       "a fraction of the TTL must be in [0, 1] (a jitter above the TTL would give negative TTLs)"},
      {component("cache", R"("capacity": 100, "ttl": "10m", "ttl_jitter": "1h")"), "/components/1/ttl_jitter",
       "is above the ttl: expiries would fall in the past"},
      {component("cache", R"("capacity": 100, "ttl": "10m", "ttl_jitter": true)"), "/components/1/ttl_jitter",
       "expected a duration such as \"250ms\" or a number of seconds, found a boolean"},
      {component("cache", R"("capacity": 100, "ttl_jitter": 0.1)"), "/components/1/ttl_jitter", "needs a \"ttl\" to spread"},
  });
}

TEST_CASE("shaped fields: a retry budget is a fraction or an object; sessions a number or an object") {
  const std::string head = R"({"duration": "10s", "components": [
    {"id": "users", "type": "client", "target": "api", )";
  const std::string api = R"(}, {"id": "api", "type": "service", "service_time": "1ms"}]})";
  check_cases({
      {head + R"("arrivals": {"rate": 10}, "retry": {"budget": "20%"})" + api, "/components/0/retry/budget",
       "expected an object, found a string"},
      {head + R"("arrivals": {"rate": 10}, "retry": {"budget": -1})" + api, "/components/0/retry/budget",
       "must be between 0 and 1000, got -1"},
      {head + R"("arrivals": {"rate": 10}, "retry": {"budget": {"type": "finagle", "percnt": 0.1}})" + api,
       "/components/0/retry/budget/percnt", "unknown field \"percnt\" (did you mean \"percent\"?)"},
      {head + R"("arrivals": {"rate": 10}, "sessions": "many")" + api, "/components/0/sessions",
       "expected a whole number, found a string"},
  });
  run(head + R"("arrivals": {"rate": 10}, "retry": {"budget": 0.2})" + api);
  run(head + R"("arrivals": {"rate": 10}, "retry": {"budget": {"type": "envoy", "percent": 0.2}})" + api);
}
