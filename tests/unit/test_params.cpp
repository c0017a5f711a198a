#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "scenario/errors.h"
#include "scenario/params.h"
#include "scenario/scenario_file.h"

using namespace archsim;
using nlohmann::json;

static std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ScenarioError& e) {
    return e.pointer() + ": " + e.what();
  }
  return "";
}

TEST_CASE("params: units, ranges and JSON locations") {
  json j = json::parse(R"({"a": "250ms", "b": 2, "c": -1, "d": "5 parsecs", "e": {"dist": "exponential", "mean": "10ms"}})");
  Params p(j, "/components/3");
  CHECK(p.duration("a", 0) == 250 * kMillisecond);
  CHECK(p.duration("b", 0) == 2 * kSecond);
  CHECK(error_of([&] { p.number("c", 0.0, 0.0, 10.0); }) == "/components/3/c: must be between 0 and 10, got -1");
  CHECK(error_of([&] { p.duration("d", 0); }).find("/components/3/d: unknown time unit") == 0);
  Distribution d = p.distribution("e");
  CHECK(d.kind == Distribution::Kind::Exponential);
  CHECK(d.mean() == doctest::Approx(1e7));
}

TEST_CASE("params: unknown keys are errors with a suggestion, also in children") {
  json j = json::parse(R"({"replicas": 2, "concurency": 4, "memory": {"limit_mb": 1, "bse_mb": 2}})");
  Params p(j, "/components/1");
  p.integer("replicas", 1, 1, 10);
  p.integer("concurrency", 1, 1, 10);
  auto mem = p.object("memory");
  mem.number("limit_mb", 0.0);
  mem.number("base_mb", 0.0);
  std::string e = error_of([&] { p.finish(); });
  CHECK(e == "/components/1/concurency: unknown field \"concurency\" (did you mean \"concurrency\"?)");
  json j2 = json::parse(R"({"memory": {"limit_mb": 1, "bse_mb": 2}})");
  Params p2(j2, "");
  auto mem2 = p2.object("memory");
  mem2.number("limit_mb", 0.0);
  mem2.number("base_mb", 0.0);
  CHECK(error_of([&] { p2.finish(); }) == "/memory/bse_mb: unknown field \"bse_mb\" (did you mean \"base_mb\"?)");
}

TEST_CASE("params: a misspelt required field is named, not reported missing") {
  json j = json::parse(R"({"servce_time": "10ms"})");
  Params p(j, "/components/0");
  CHECK(error_of([&] { p.distribution("service_time"); }) ==
        "/components/0/servce_time: unknown field \"servce_time\" (did you mean \"service_time\"?)");
}

TEST_CASE("params: distributions validate their parameters") {
  auto err = [](const char* text) {
    json j = json::parse(text);
    return error_of([&] { Params::parse_distribution(j, "/x"); });
  };
  CHECK(err(R"({"dist": "lognormal", "median": "10ms", "p99": "5ms"})") == "/x/p99: must be greater than the median");
  CHECK(err(R"({"dist": "exponental", "mean": "1s"})").find("did you mean \"exponential\"") != std::string::npos);
  CHECK(err(R"({"dist": "uniform", "min": "2s", "max": "1s"})") == "/x/max: must not be less than min");
  CHECK(err(R"({"dist": "constant", "value": "1s", "extra": 1})") == "/x/extra: unknown field \"extra\"");
}

TEST_CASE("--set: component ids first, then top-level keys, numeric segments index arrays") {
  json doc = json::parse(R"({"duration": "1h", "components": [
      {"id": "users", "type": "client"},
      {"id": "api", "type": "service", "routes": {"pay": [{"work": "1ms"}, {"call": "db", "timeout": "1s"}]}}]})");
  apply_set(doc, "api.replicas=4");
  apply_set(doc, "duration=30m");
  apply_set(doc, "api.routes.pay.1.timeout=300ms");
  apply_set(doc, "api.balancer=least_connections");
  apply_set(doc, "seed=7");
  CHECK(doc["components"][1]["replicas"] == 4);
  CHECK(doc["duration"] == "30m");
  CHECK(doc["components"][1]["routes"]["pay"][1]["timeout"] == "300ms");
  CHECK(doc["components"][1]["balancer"] == "least_connections");
  CHECK(doc["seed"] == 7);
  CHECK(error_of([&] { apply_set(doc, "api.routes.pay.5.timeout=1s"); }).find("past the end") != std::string::npos);
  // One past the last item, as the last segment, appends; inside the path it is past the end.
  apply_set(doc, "api.routes.pay.2={\"work\": \"2ms\"}");
  CHECK(doc["components"][1]["routes"]["pay"].size() == 3);
  CHECK(doc["components"][1]["routes"]["pay"][2]["work"] == "2ms");
  CHECK(error_of([&] { apply_set(doc, "api.routes.pay.3.work=1ms"); }).find("past the end") != std::string::npos);
  CHECK(error_of([&] { apply_set(doc, "api.routes.pay.4={}"); }).find("past the end") != std::string::npos);
  CHECK(error_of([&] { apply_set(doc, "noequals"); }).find("expected PATH=VALUE") != std::string::npos);
  // A typo of a component's id is named as such, not left to become an unknown top-level field.
  CHECK(error_of([&] { apply_set(doc, "apl.replicas=2"); }) ==
        "--set apl.replicas: no component or fault named \"apl\" (did you mean \"api\"?)");
  // Far from every id, or a top-level key the scenario has: set as written.
  apply_set(doc, "slo.p99=200ms");
  CHECK(doc["slo"]["p99"] == "200ms");
}

TEST_CASE("did you mean: close words only") {
  CHECK(did_you_mean("servise", {"service", "client"}) == " (did you mean \"service\"?)");
  CHECK(did_you_mean("database", {"service", "client"}).empty());
  // Two neighbours swapped are one typo.
  CHECK(did_you_mean("wbe", {"web", "users"}) == " (did you mean \"web\"?)");
  CHECK(did_you_mean("reqeusts", {"requests"}) == " (did you mean \"requests\"?)");
  CHECK(did_you_mean("bwe", {"web"}).empty());  // two swaps: not close for three letters
}

TEST_CASE("params: shape() tells the JSON type without marking the key as known") {
  json j = json::parse(R"({"n": 1.5, "s": "x", "o": {}, "a": [], "b": false, "z": null})");
  Params p(j, "/c/0");
  CHECK(p.shape("n") == Params::Shape::number);
  CHECK(p.shape("s") == Params::Shape::string);
  CHECK(p.shape("o") == Params::Shape::object);
  CHECK(p.shape("a") == Params::Shape::array);
  CHECK(p.shape("b") == Params::Shape::boolean);
  CHECK(p.shape("z") == Params::Shape::absent);  // null is absent, as for has()
  CHECK(p.shape("missing") == Params::Shape::absent);
  // Nothing was read: every present key is still unknown.
  CHECK(error_of([&] { p.finish(); }) == "/c/0/a: unknown field \"a\"");  // keys in name order
}

TEST_CASE("params: value() reads a field of several shapes, with typed accessors") {
  json j = json::parse(R"({"acks": "all", "count": 3, "big": 18446744073709551615, "neg": -2, "frac": 0.25,
                            "jitter": "250ms", "whole": 2.0, "none": null})");
  Params p(j, "/components/2");
  const Params::Value acks = p.value("acks");
  CHECK(acks.shape() == Params::Shape::string);
  CHECK(acks.pointer() == "/components/2/acks");
  CHECK(acks.as_string() == std::optional<std::string>("all"));
  CHECK_FALSE(acks.as_number());
  CHECK_FALSE(acks.as_integer());
  const Params::Value count = p.value("count");
  CHECK(count.as_integer() == std::optional<std::int64_t>(3));
  CHECK(count.as_unsigned() == std::optional<std::uint64_t>(3));
  CHECK(count.as_number() == std::optional<double>(3.0));
  CHECK_FALSE(count.as_string());
  // An unsigned beyond int64 is no int64, but is a key; a negative integer is no key.
  CHECK_FALSE(p.value("big").as_integer());
  CHECK(p.value("big").as_unsigned() == std::optional<std::uint64_t>(18446744073709551615ULL));
  CHECK(p.value("neg").as_integer() == std::optional<std::int64_t>(-2));
  CHECK_FALSE(p.value("neg").as_unsigned());
  // 2.0 is a number, not an integer literal; 0.25 neither.
  CHECK_FALSE(p.value("whole").as_integer());
  CHECK(p.value("whole").as_number() == std::optional<double>(2.0));
  CHECK_FALSE(p.value("frac").as_integer());
  CHECK(p.value("jitter").duration() == 250 * kMillisecond);
  CHECK(p.value("none").shape() == Params::Shape::absent);
  CHECK(p.value("absent").shape() == Params::Shape::absent);
  CHECK(error_of([&] { p.value("absent").duration(); }) == "/components/2/absent: is required");
  // value() marked every key it was asked for as known.
  CHECK(error_of([&] { p.finish(); }).empty());
}

TEST_CASE("params: Value items and objects carry their JSON pointers into errors") {
  json j = json::parse(R"({"targets": ["web-1", {"id": "web-2", "wieght": 2}, 7],
                            "groups": [["a"], "b"], "budget": "x", "after": "soon"})");
  Params p(j, "/components/4");
  const std::vector<Params::Value> targets = p.value("targets").items();
  REQUIRE(targets.size() == 3);
  CHECK(targets[0].as_string() == std::optional<std::string>("web-1"));
  CHECK(targets[0].pointer() == "/components/4/targets/0");
  CHECK(error_of([&] { targets[0].object(); }) == "/components/4/targets/0: expected an object, found a string");
  Params t1 = targets[1].object();
  CHECK(t1.string("id") == "web-2");
  CHECK(t1.pointer() == "/components/4/targets/1");
  CHECK(error_of([&] { targets[2].fail("a target is a component id"); }) ==
        "/components/4/targets/2: a target is a component id");
  CHECK(error_of([&] { targets[2].items(); }) == "/components/4/targets/2: expected an array, found a number");
  const std::vector<Params::Value> groups = p.value("groups").items();
  CHECK(groups[0].items().at(0).pointer() == "/components/4/groups/0/0");
  CHECK(error_of([&] { groups[1].items(); }) == "/components/4/groups/1: expected an array, found a string");
  CHECK(error_of([&] { groups[0].duration(); }) ==
        "/components/4/groups/0: expected a duration such as \"250ms\" or a number of seconds, found an array");
  CHECK(error_of([&] { p.value("after").duration(); }).find("/components/4/after: ") == 0);
  p.known("budget");
  // An object read through a Value is a child: finish() checks its keys too.
  CHECK(error_of([&] { p.finish(); }) == "/components/4/targets/1/wieght: unknown field \"wieght\"");
}
