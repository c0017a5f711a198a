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
// - loop-per-item.json, async-send.json (make_loop_traces.py): a Java benchmark's service
//   calling another once per item found (2 or 6 times), and a RabbitMQ send whose consumer's
//   spans start after the send span ended, no kind or reference type saying so.
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
  CHECK(s.guesses.find("retries of redis GetDriver seen on 2 of its 24 calls in this route's requests: the policy given to all") !=
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

TEST_CASE("import: a call per item is a loop, its mean count the traces' and the run's") {
  const Imported s = import_shape("loop-per-item.json");
  const json travel = component(s.doc, "travel")["routes"]["/trips/left"];
  // One pass written out, then a repeat of probability 2/3: 1 + 3 calls on average, the
  // traces' (2 + 6) / 2; basic's two station calls in every request written out.
  int seat_calls = 0;
  double p = 0;
  for (const auto& step : travel) {
    if (step.value("call", "") == "seat") ++seat_calls;
    if (step.contains("repeat")) p = step["probability"];
  }
  CHECK(seat_calls == 1);
  CHECK(p == doctest::Approx(2.0 / 3).epsilon(1e-4));
  CHECK(component(s.doc, "basic")["routes"].dump().find("repeat") == std::string::npos);
  CHECK(s.guesses.find("a loop: its calls ran a number of times per request (2 in 10 requests, 6 in 10; mean 4, variance 4)") !=
        std::string::npos);
  const std::string dir = scratch_dir("import-loop-run");
  std::ofstream(dir + "/s.json") << s.doc.dump();
  const json sum = archsim::e2e::run_summary(dir + "/s.json", {"--set", "duration=10m", "--set", "warmup=10s"}, 300);
  const double ratio = archsim::e2e::num(sum, "components.seat.throughput_rps") / archsim::e2e::num(sum, "components.travel.throughput_rps");
  MESSAGE("seat calls per travel request: " << ratio);
  CHECK(ratio == doctest::Approx(4).epsilon(0.05));
}

TEST_CASE("import: a consumer starting after the send span ended is a publish the caller does not wait for") {
  const Imported s = import_shape("async-send.json");
  const std::string food = component(s.doc, "food")["routes"].dump();
  CHECK(food.find("\"publish\":\"delivery-queue\"") != std::string::npos);
  CHECK(food.find("\"call\"") == std::string::npos);
  CHECK(component(s.doc, "delivery-queue")["type"] == "queue");
  const std::string dir = scratch_dir("import-async-run");
  std::ofstream(dir + "/s.json") << s.doc.dump();
  const json sum = archsim::e2e::run_summary(dir + "/s.json", {"--set", "duration=10m", "--set", "warmup=10s"}, 300);
  // The traces' /orders spans last 4.6 ms, the send's 0.2 ms included; the delivery's 9 ms is
  // not in them, and not in the simulated caller's latency either.
  const double p50 = archsim::e2e::num(sum, "components.food.latency_ms.p50");
  MESSAGE("food's p50 " << p50 << " ms (traces 4.6 ms)");
  CHECK(p50 == doctest::Approx(4.6).epsilon(0.1));
  CHECK(archsim::e2e::num(sum, "components.delivery.throughput_rps") ==
        doctest::Approx(2 * archsim::e2e::num(sum, "components.food.throughput_rps")).epsilon(0.05));
}

TEST_CASE("import: four hundred calls in a row are a repeat capped at the format's probability, with a warning") {
  constexpr std::size_t kPasses = 16;  // the most passes the importer writes out
  json spans = json::array();
  json procs = {{"p1", {{"serviceName", "job"}, {"tags", json::array()}}}, {"p2", {{"serviceName", "store"}, {"tags", json::array()}}}};
  for (int n = 0; n < 400; ++n) {
    const std::string c = "c" + std::to_string(n), v = "v" + std::to_string(n);
    spans.push_back({{"traceID", "t"}, {"spanID", c}, {"operationName", "put"}, {"references", json::array({{{"refType", "CHILD_OF"}, {"traceID", "t"}, {"spanID", "r"}}})},
                     {"startTime", 1000 + 100 * n}, {"duration", 80}, {"tags", json::array()}, {"processID", "p1"}});
    spans.push_back({{"traceID", "t"}, {"spanID", v}, {"operationName", "put"}, {"references", json::array({{{"refType", "CHILD_OF"}, {"traceID", "t"}, {"spanID", c}}})},
                     {"startTime", 1010 + 100 * n}, {"duration", 60}, {"tags", json::array()}, {"processID", "p2"}});
  }
  spans.push_back({{"traceID", "t"}, {"spanID", "r"}, {"operationName", "batch"}, {"references", json::array()}, {"startTime", 0},
                   {"duration", 42000}, {"tags", json::array()}, {"processID", "p1"}});
  const std::string dir = scratch_dir("import-long-loop");
  std::ofstream(dir + "/t.json") << json{{"data", json::array({{{"traceID", "t"}, {"spans", spans}, {"processes", procs}}})}}.dump();
  auto r = run_archsim({"import", "--quiet", "-o", dir + "/s.json", "--traces", dir + "/t.json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(read_text(dir + "/s.json"));
  const std::string routes = component(doc, "job")["routes"].dump();
  CHECK(routes.find("\"probability\":0.99") != std::string::npos);
  std::size_t calls = 0;  // 16 passes written out and the repeat's, not 400
  for (std::size_t at = routes.find("\"call\":\"store\""); at != std::string::npos; at = routes.find("\"call\":\"store\"", at + 1))
    ++calls;
  CHECK(calls == kPasses + 1);
  CHECK(read_text(dir + "/s.guesses.txt").find("a repeat's probability is at most 0.99") != std::string::npos);
  auto v = run_archsim({"validate", dir + "/s.json"});
  CHECK(v.exit_code == 0);
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
