#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "sim/errors.h"
#include "sim/params.h"
#include "sim/scenario_file.h"

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
  CHECK(error_of([&] { apply_set(doc, "noequals"); }).find("expected PATH=VALUE") != std::string::npos);
}

TEST_CASE("did you mean: close words only") {
  CHECK(did_you_mean("servise", {"service", "client"}) == " (did you mean \"service\"?)");
  CHECK(did_you_mean("database", {"service", "client"}).empty());
}
