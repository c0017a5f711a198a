// archsim import --traces on Jaeger exports in the shapes real ones take beyond the query
// API's {"data": [...]} (docs/import.md, "Traces"), each written here in the shape found in
// public repositories' files (tests/data/import/jaeger-shapes):
// - one-trace.json: one trace object without the wrapper, as Jaeger's own converter fixtures
//   and its UI's test traces are; a span whose process is embedded instead of named by
//   processID; a reference to a span of another trace before its parent's; a span reported
//   twice; a binary tag; warnings arrays on spans and on the trace;
// - traces-array.json: a bare array of traces, as tools that strip the wrapper save them;
// - remote-parent.json: every trace's top span has a parent in no trace of the file (the load
//   generator passed its trace context on and exported nothing: telemetrygen's exports look so);
// - client-root.json: a CLIENT root whose CLIENT child of the same service has no callee span
//   and no peer tag (a key-value store's compare-and-swap loop, as Loki's traces show it).
// - internal-root.json: an OpenTelemetry SDK's job, INTERNAL spans only, nothing called;
// - retried-in-a-row.json: a dozen calls to a store in a row, as HotROD's driver calls Redis,
//   the one that failed retried at once (a different one in each trace);
// - seven-traces.json: a handful of traces, as a search of Jaeger's UI returns, in three of
//   which the gateway calls a service no other path reaches.
// - millisecond-starts.json: Jaeger's Java client before 1.0 (Train-Ticket's export): start
//   times on whole milliseconds, durations in microseconds, two calls made one after the other
//   in the same millisecond seeming to overlap.
// - worker-pool.json: HotROD's frontend asking route for ten routes through three workers.
// Each imports (exit 0), validates, and has the calls its traces show; each gave a one-line
// refusal, an invalid scenario, a policy on two calls of twelve, an idle service or a parallel
// block (of all ten calls) before.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/e2e/run_archsim.h"
#include "tests/e2e/scenario_doc.h"

using archsim::e2e::component;
using archsim::e2e::describe;
using archsim::e2e::read_text;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;
using nlohmann::json;

namespace {

struct Imported {
  json doc;
  std::string guesses;
};

Imported import_shape(const std::string& file) {
  const std::string dir = scratch_dir("import-shape");
  auto r = run_archsim({"import", "--quiet", "-o", dir + "/s.json", "--traces",
                        source_path("tests/data/import/jaeger-shapes/" + file)});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return {json::parse(read_text(dir + "/s.json")), read_text(dir + "/s.guesses.txt")};
}

bool calls(const json& c, const std::string& callee) { return c.dump().find("\"call\":\"" + callee + "\"") != std::string::npos; }

}  // namespace

TEST_CASE("import: one Jaeger trace without the data wrapper, an embedded process, a reference into another trace") {
  const Imported s = import_shape("one-trace.json");
  CHECK(calls(component(s.doc, "storefront"), "basket"));
  CHECK(component(s.doc, "users")["target"] == "storefront");
  CHECK(s.guesses.find("1 spans repeating an id already seen in their trace left out") != std::string::npos);
  CHECK(s.guesses.find("(Jaeger JSON, 1 traces, 2 spans") != std::string::npos);
}

TEST_CASE("import: a bare array of Jaeger traces is Jaeger JSON, not Zipkin") {
  const Imported s = import_shape("traces-array.json");
  CHECK(calls(component(s.doc, "web"), "search"));
  CHECK(s.guesses.find("(Jaeger JSON, 3 traces, 9 spans") != std::string::npos);
}

TEST_CASE("import: traces whose top span's parent is in no trace (a caller that exported nothing) are requests") {
  const Imported s = import_shape("remote-parent.json");
  CHECK(component(s.doc, "users")["target"] == "gateway");
  CHECK(calls(component(s.doc, "gateway"), "orders"));
  CHECK(s.guesses.find("4 traces with no root span whose top span's parent is not in the file") != std::string::npos);
  CHECK(s.guesses.find("orphan") == std::string::npos);
}

TEST_CASE("import: a CLIENT root calling through a CLIENT span of its own service gives a client whose route its target serves") {
  const Imported s = import_shape("client-root.json");
  const json& client = component(s.doc, "ingester");
  CHECK(client["type"] == "client");
  const std::string target = client["target"];
  const json& callee = component(s.doc, target);
  for (const auto& route : client["routes"]) CHECK(callee["routes"].contains(route["name"].get<std::string>()));
}

TEST_CASE("import: a trace of INTERNAL spans only is its service's own work, a request to it") {
  const Imported s = import_shape("internal-root.json");
  CHECK(component(s.doc, "users")["target"] == "widget-sync");
  CHECK(component(s.doc, "widget-sync")["routes"].contains("widgets.sync"));
}

TEST_CASE("import: a retry seen on some of a route's calls to a store is the policy of every such call") {
  const Imported s = import_shape("retried-in-a-row.json");
  int calls = 0, retried = 0;
  for (const auto& step : component(s.doc, "driver")["routes"]["/dispatch"]) {
    if (!step.contains("call")) continue;
    ++calls;
    if (step.contains("retry") && step["retry"]["max_attempts"] == 2) ++retried;
  }
  CHECK(calls == 12);
  CHECK(retried == 12);
  CHECK(s.guesses.find("retries of redis GetDriver seen on 2 of its 12 calls in this route: the policy given to all") !=
        std::string::npos);
}

TEST_CASE("import: a path seen in three of seven traces is kept when no other reaches its callee") {
  const Imported s = import_shape("seven-traces.json");
  CHECK(calls(component(s.doc, "gateway"), "catalog"));
  CHECK(calls(component(s.doc, "gateway"), "checkout"));
  CHECK(s.guesses.find("receives no request") == std::string::npos);
}

TEST_CASE("import: calls overlapping by less than a millisecond clock's resolution are not parallel") {
  const Imported s = import_shape("millisecond-starts.json");
  const std::string routes = component(s.doc, "ts-travel-service")["routes"].dump();
  CHECK(routes.find("parallel") == std::string::npos);
  CHECK(routes.find("\"call\":\"ts-route-service\"") != routes.rfind("\"call\":\"ts-route-service\""));  // two calls
  CHECK(s.guesses.find("every span starts on a whole millisecond") != std::string::npos);
}

TEST_CASE("import: calls through a pool of workers are waves of parallel blocks, not one block of all") {
  const Imported s = import_shape("worker-pool.json");
  std::size_t blocks = 0, calls = 0, widest = 0;
  for (const auto& step : component(s.doc, "frontend")["routes"]["HTTP GET /dispatch"]) {
    if (step.contains("call")) ++calls;
    if (!step.contains("parallel")) continue;
    ++blocks;
    calls += step["parallel"].size();
    widest = std::max<std::size_t>(widest, step["parallel"].size());
  }
  CHECK(calls == 10);
  CHECK(blocks >= 3);
  CHECK(widest <= 4);  // three workers; a pair's overlap is decided by most requests, not each
}

// The trace's service is no workload's name, so its host is tried as a pod's name.
TEST_CASE("import: a hostname of 800,000 characters is matched against the manifests without a crash") {
  const std::string dir = scratch_dir("import-long-host");
  json doc = {{"data", json::array({{{"traceID", "t1"},
                                     {"spans", json::array({{{"traceID", "t1"}, {"spanID", "s1"}, {"operationName", "GET /"},
                                                             {"references", json::array()}, {"startTime", 1700000000000000},
                                                             {"duration", 1000}, {"processID", "p1"}}})},
                                     {"processes", {{"p1", {{"serviceName", "web"},
                                                            {"tags", json::array({{{"key", "hostname"}, {"type", "string"},
                                                                                   {"value", std::string(800000, 'a') + "-1"}}})}}}}}}})}};
  std::ofstream(dir + "/t.json") << doc.dump();
  std::ofstream(dir + "/c.yaml") << "services:\n  api:\n    image: example/api\n    ports: ['80:80']\n";
  auto r = run_archsim({"import", "--quiet", dir + "/c.yaml", "--traces", dir + "/t.json", "-o", dir + "/s.json"});
  INFO(describe(r));
  CHECK(r.exit_code == 0);  // libstdc++'s recursive regex overflowed the stack on it (SIGSEGV)
}
