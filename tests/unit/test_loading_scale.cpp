// Loading that scales with the number of components, and error lines of a bounded length
// whatever they echo (the third hardening round). The scale is checked by counting work,
// never by timing it: tests/bench/scale_scenario.py and docs/development.md give the figures.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "scenario/errors.h"
#include "scenario/params.h"
#include "tests/unit/harness.h"

using namespace archsim;
using nlohmann::json;

namespace {

// A client, one balancer, `n` services behind it (the reproducer of the cubic load).
json balancer_doc(int n) {
  json doc = json::parse(R"({"duration": "10s", "components": [
    {"id": "users", "type": "client", "target": "lb", "arrivals": {"rate": 10}},
    {"id": "lb", "type": "balancer", "targets": []}]})");
  for (int i = 0; i < n; ++i) {
    const std::string id = "s" + std::to_string(i);
    doc["components"][1]["targets"].push_back(id);
    doc["components"].push_back({{"id", id}, {"type", "service"}, {"service_time", "1ms"}});
  }
  return doc;
}

}  // namespace

TEST_CASE("loading: a field read costs the log O(1) comparisons, whatever it holds (20,000 services)") {
  // Each read was compared with every read logged before it: a balancer in front of 5,000
  // services took 80 s to validate, 40,000 hours.
  const json doc = balancer_doc(20000);
  FieldLog log;
  Simulation sim(doc, test::registry());
  CHECK(sim.components().size() == 20002);
  CHECK(log.notes() > 20000 * 5);               // every service's fields were read and logged
  CHECK(log.reads().size() > 20000 * 5);        // as reads of distinct objects
  CHECK(log.compared() <= 2 * log.notes());     // a hash bucket each, not the whole log
}

TEST_CASE("loading: --fields keeps the first read of a key and adds `required` from a later one") {
  const json j = json::parse(R"({"a": 1})");
  FieldLog log;
  Params p(j, "/x");
  p.number("a", 0.0);
  p.require_number("a");
  p.number("b", 2.0);
  REQUIRE(log.reads().size() == 2);
  CHECK(log.reads()[0].key == "a");
  CHECK(log.reads()[0].required);
  CHECK(std::string(log.reads()[0].kind) == "number");
  CHECK(log.reads()[1].key == "b");
  CHECK(!log.reads()[1].required);
}

TEST_CASE("errors: echoed values are cut with an ellipsis and their length, the line is bounded") {
  // A value of 5,000 characters, quoted in the message and as a segment of the pointer.
  const std::string id(5000, 'x');
  const ScenarioError dup("/components/" + id + "/id", "duplicate component id \"" + id + "\"");
  const std::string line = dup.format("s.json");
  CHECK(line.size() < 300);
  CHECK(line.find("(5000 characters)") != std::string::npos);
  CHECK(line.find("duplicate component id \"" + std::string(60, 'x') + "\u2026\" (5000 characters)") != std::string::npos);
  CHECK(line.rfind("s.json: /components/" + std::string(60, 'x') + "\u2026(5000 characters)/id: ", 0) == 0);
  // Short values are echoed whole.
  CHECK(ScenarioError("/a", "unknown component \"web\"").format("s.json") == "s.json: /a: unknown component \"web\"");
  // A listing (a cycle of 10,000 components) keeps its start and its end.
  std::string cycle;
  for (int i = 0; i < 10000; ++i) cycle += "service" + std::to_string(i) + " -> ";
  cycle += "service0";
  const std::string cut = ScenarioError("/components/1", "synchronous calls form a cycle: " + cycle + " (a request would wait on itself)")
                              .format("s.json");
  CHECK(cut.size() < 1200);
  CHECK(cut.rfind("s.json: /components/1: synchronous calls form a cycle: service0 -> service1 -> ", 0) == 0);
  CHECK(cut.find("characters left out") != std::string::npos);
  CHECK(cut.find("-> service0 (a request would wait on itself)") != std::string::npos);
  // A cut never splits a UTF-8 character.
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "\u00e9";
  const std::string cut_value_line = ScenarioError("/a", "unknown type \"" + accents + "\"").format("s.json");
  CHECK(cut_value_line.find("\"" + accents.substr(0, 120) + "\u2026\" (200 characters)") != std::string::npos);
}

TEST_CASE("loading: a cycle of 5,000 synchronous calls is named in one bounded line") {
  json doc = json::parse(R"({"duration": "10s", "components": [
    {"id": "users", "type": "client", "target": "c0", "arrivals": {"rate": 10}}]})");
  const int n = 5000;
  for (int i = 0; i < n; ++i)
    doc["components"].push_back(
        json::parse(R"({"type": "service", "routes": {"*": [{"call": ")" + ("c" + std::to_string((i + 1) % n)) + R"("}]}})"));
  for (int i = 0; i < n; ++i) doc["components"][i + 1]["id"] = "c" + std::to_string(i);
  try {
    Simulation sim(doc, test::registry());
    FAIL("a cycle was not found");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()).find("form a cycle of 5000 components") != std::string::npos);
    const std::string line = e.format("s.json");
    CHECK(line.size() < 1200);
  }
}
