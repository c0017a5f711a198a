// archsim import's trace readers and calibration on small documents in the shape of real
// exports: a wrongly typed field is one located error (file, JSON pointer, what was expected);
// names with control characters are made printable; orphan subtrees are dropped and counted;
// clock skew is corrected as Jaeger's adjuster does; the sampler's tags are read on the root
// span before the process; the call graph follows services, not span kinds (Jaeger's
// dependency rule); calls overlapping in most requests are one parallel block; the fit keeps
// heavy tails out below 100 samples and prefers the simpler family by BIC; an empirical law
// keeps the samples' mean; a link's latency is half the call's time outside the callee's span.
#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <string>

#include "tools/import/calibrate.h"
#include "tools/import/fit.h"
#include "tools/import/import_error.h"
#include "tools/import/scenario_writer.h"
#include "tools/import/traces.h"

using namespace archsim::import;
using nlohmann::json;

namespace {

std::string error_of(const json& doc) {
  try {
    read_trace_json(doc, "t.json");
  } catch (const ImportError& e) {
    return e.format();
  }
  return "";
}

// A Jaeger span: no kind (OpenTracing-era), CHILD_OF its parent, times in microseconds.
json jspan(const std::string& id, const std::string& parent, const std::string& proc, const std::string& op,
           std::int64_t start, std::int64_t dur, json tags = json::array()) {
  json refs = json::array();
  if (!parent.empty()) refs.push_back({{"refType", "CHILD_OF"}, {"traceID", "t1"}, {"spanID", parent}});
  return {{"traceID", "t1"}, {"spanID", id},   {"operationName", op}, {"references", refs},
          {"startTime", start}, {"duration", dur}, {"tags", tags},    {"processID", proc}};
}

// jspan in trace `trace` (its parent reference in the same trace).
json tspan(const std::string& trace, const std::string& id, const std::string& parent, const std::string& proc, const std::string& op,
           std::int64_t start, std::int64_t dur) {
  json x = jspan(trace + id, parent.empty() ? "" : trace + parent, proc, op, start, dur);
  x["traceID"] = trace;
  if (!parent.empty()) x["references"][0]["traceID"] = trace;
  return x;
}

json jaeger(json spans, json processes) {
  return {{"data", json::array({{{"traceID", "t1"}, {"spans", spans}, {"processes", processes}}})}};
}

json proc(const std::string& service, const std::string& host) {
  return {{"serviceName", service}, {"tags", json::array({{{"key", "hostname"}, {"type", "string"}, {"value", host}}})}};
}

}  // namespace

TEST_CASE("import traces: a wrongly typed field is one error naming the file, the JSON pointer and what was expected") {
  json j = jaeger(json::array({jspan("a", "", "p1", "GET", 0, 10)}), {{"p1", proc("web", "h1")}});
  j["data"][0]["spans"][0]["spanID"] = 7;
  CHECK(error_of(j) == "t.json: /data/0/spans/0/spanID: expected the span's spanID (a string), found a number");
  j = jaeger(json::array({jspan("a", "", "p1", "GET", 0, 10)}), {{"p1", proc("web", "h1")}});
  j["data"][0]["spans"][0]["duration"] = "long";
  CHECK(error_of(j).find("/data/0/spans/0/duration: expected duration in microseconds (a whole number >= 0), found a string") !=
        std::string::npos);
  const json zipkin = json::parse(R"([{"traceId":"t","id":"a","name":5,"timestamp":1,"duration":2,
                                       "localEndpoint":{"serviceName":"web"}}])");
  CHECK(error_of(zipkin) == "t.json: /0/name: expected the span's name (a string), found a number");
  CHECK(error_of(json::parse(R"({"resourceSpans":[[]]})")).find("/resourceSpans/0: expected a resource's spans") !=
        std::string::npos);
  CHECK(error_of(json::parse(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"a",
        "startTimeUnixNano":"1","endTimeUnixNano":"2","kind":"sideways"}]}]}]})"))
            .find("/resourceSpans/0/scopeSpans/0/spans/0/kind: expected the span's kind") != std::string::npos);
}

TEST_CASE("import traces: control characters in names are never kept raw") {
  json j = jaeger(json::array({jspan("a", "", "p1", std::string("GET\x1b[31m") + '\0' + "x", 0, 10)}),
                  {{"p1", proc("web\xc2\x9b", "h1")}});
  const TraceFile t = read_trace_json(j, "t.json");
  REQUIRE(t.spans.size() == 1);
  CHECK(t.spans[0].name == "GET\\x1b[31m\\x00x");
  CHECK(t.spans[0].service == "web\\u009b");
  CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");  // UTF-8 letters stay
}

TEST_CASE("import traces: orphan subtrees are dropped and counted, the rest of the trace kept") {
  const json j = jaeger(json::array({jspan("a", "", "p1", "GET", 0, 100), jspan("b", "a", "p1", "db_client", 10, 20),
                                     jspan("c", "lost", "p2", "work", 40, 10), jspan("d", "c", "p2", "more", 42, 5)}),
                        {{"p1", proc("web", "h1")}, {"p2", proc("api", "h2")}});
  const TraceFile t = read_trace_json(j, "t.json");
  CHECK(t.spans.size() == 2);
  CHECK(t.orphans == 1);
  CHECK(t.below_orphans == 1);
}

TEST_CASE("import traces: clock skew is corrected as Jaeger's adjuster does") {
  // The callee's host runs 5 ms ahead: its span (4 ms) starts after its caller's client span
  // (6 ms) ended. Centred in it: 1 ms each way. Its own child on the same host moves with it.
  const json j = jaeger(json::array({jspan("a", "", "p1", "GET", 0, 10000), jspan("b", "a", "p1", "call", 2000, 6000),
                                     jspan("c", "b", "p2", "serve", 8000, 4000), jspan("d", "c", "p2", "inner", 8500, 1000)}),
                        {{"p1", proc("web", "h1")}, {"p2", proc("api", "h2")}});
  const TraceFile t = read_trace_json(j, "t.json");
  REQUIRE(t.spans.size() == 4);
  std::map<std::string, const Span*> by;
  for (const Span& s : t.spans) by[s.id] = &s;
  CHECK(by["c"]->start_ns == 3000000);
  CHECK(by["d"]->start_ns == 3500000);
  CHECK(by["b"]->start_ns == 2000000);
  CHECK(t.skewed == 2);
}

TEST_CASE("import traces: the sampler's tags are read on the root span, before the process's") {
  json root_tags = json::array({{{"key", "sampler.type"}, {"type", "string"}, {"value", "probabilistic"}},
                                {{"key", "sampler.param"}, {"type", "float64"}, {"value", 0.2}}});
  json p = proc("web", "h1");
  p["tags"].push_back({{"key", "sampler.type"}, {"type", "string"}, {"value", "probabilistic"}});
  p["tags"].push_back({{"key", "sampler.param"}, {"type", "float64"}, {"value", 0.5}});
  TraceFile t = read_trace_json(jaeger(json::array({jspan("a", "", "p1", "GET", 0, 10, root_tags)}), {{"p1", p}}), "t.json");
  CHECK(t.spans[0].sampling == doctest::Approx(0.2));
  t = read_trace_json(jaeger(json::array({jspan("a", "", "p1", "GET", 0, 10)}), {{"p1", p}}), "t.json");
  CHECK(t.spans[0].sampling == doctest::Approx(0.5));
  CHECK(sampler_probability("const", "1") == 1);
  CHECK(sampler_probability("ratelimiting", "2") == 0);  // traces per second: the probability is unknown
  CHECK(sampler_probability("lowerbound", "0.001") == doctest::Approx(0.001));
}

TEST_CASE("import traces: calls are found where the service changes, whatever the kinds; overlap in most requests is parallel") {
  // web (untyped root) -> web's untyped a_client/b_client -> api / auth. In 3 requests of 4
  // the two calls overlap; in the 4th they happen one after the other: still one parallel block.
  json spans = json::array();
  for (int k = 0; k < 4; ++k) {
    const std::string t = "t" + std::to_string(k);
    auto sp = [&](const std::string& id, const std::string& parent, const std::string& pr, const std::string& op, std::int64_t s,
                  std::int64_t d) { spans.push_back(tspan(t, id, parent, pr, op, k * 100000 + s, d)); };
    sp("r", "", "p1", "GET /", 0, 50000);
    sp("a", "r", "p1", "a_client", 1000, 10000);
    sp("as", "a", "p2", "a_server", 2000, 8000);
    const std::int64_t b = k == 3 ? 12000 : 2000;
    sp("b", "r", "p1", "b_client", b, 10000);
    sp("bs", "b", "p3", "b_server", b + 1000, 8000);
  }
  json doc = {{"data", json::array({{{"traceID", "t"}, {"spans", spans},
                                      {"processes", {{"p1", proc("web", "h1")}, {"p2", proc("api", "h2")}, {"p3", proc("auth", "h3")}}}}})}};
  const TraceFile t = read_trace_json(doc, "t.json");
  const Calibration cal = calibrate({t}, 0);
  REQUIRE(cal.clients.count("users"));
  CHECK(cal.clients.at("users").target == "web");
  const OperationModel& op = cal.services.at("web").ops.at("GET /");
  CHECK(op.shapes.size() == 1);
  const ShapeModel& shape = op.shapes.begin()->second;
  CHECK(shape.signature == "W P(C(api/a_server),C(auth/b_server)) W");
  CHECK(cal.links.count({"web", "api"}));
  CHECK(cal.services.at("api").ops.count("a_server"));
}

TEST_CASE("import traces: below 100 samples the fit has no Pareto and a lognormal only by moments, its p99 capped; the simpler family preferred") {
  // 40 lognormal samples: without heavy tails, a lighter family or the percentiles.
  std::vector<double> x;
  for (int i = 0; i < 40; ++i) {
    const double u = (i + 0.5) / 40;
    double lo = -10, hi = 10;
    for (int k = 0; k < 100; ++k) {
      const double mid = (lo + hi) / 2;
      (0.5 * std::erfc(-mid / std::sqrt(2.0)) < u ? lo : hi) = mid;
    }
    x.push_back(0.004 * std::exp(1.2 * lo));
  }
  const Fit f = fit_distribution(x);
  CHECK(f.family != "pareto");
  CHECK(f.tails_held_back);
  if (f.family == "lognormal") {  // by moments: the samples' mean, the p99 at most twice the largest
    CHECK(f.fit_mean == doctest::Approx(f.mean).epsilon(1e-9));
    CHECK(f.fit_p99 <= 2 * x.back() * (1 + 1e-9));
    CHECK(f.summary().find("by moments from under 100 samples") != std::string::npos);
  } else {
    CHECK(f.summary().find("under 100 samples no Pareto") != std::string::npos);
  }
  // Twenty own times of a service that mostly answers at once and sometimes waits (a few
  // near-zero samples, one slow): whatever family wins, the p99 at most twice the slowest.
  std::vector<double> spiky;
  for (int i = 0; i < 19; ++i) spiky.push_back(i % 4 == 0 ? 2e-6 : 40e-6 + 5e-6 * i);
  spiky.push_back(3e-3);
  const Fit s = fit_distribution(spiky);
  CHECK(s.fit_mean == doctest::Approx(s.mean).epsilon(0.12));
  CHECK(s.fit_p99 <= 2 * 3e-3);
  const Fit asked = fit_distribution(x, true);
  CHECK(asked.family == "lognormal");
  CHECK(asked.summary().find("p99 ") != std::string::npos);
  // Exponential samples: the one-parameter family, its mean and p99 within a few % of theirs.
  std::vector<double> e;
  for (int i = 0; i < 500; ++i) e.push_back(-0.002 * std::log(1 - (i + 0.5) / 500));
  const Fit fe = fit_distribution(e);
  CHECK(fe.family == "exponential");
  CHECK(fe.fit_mean == doctest::Approx(fe.mean).epsilon(0.01));
  CHECK(fe.fit_p99 == doctest::Approx(fe.p99).epsilon(0.05));
}

TEST_CASE("import traces: a link's one-way latency is half the call's time outside the callee's span") {
  // As a gRPC client in front of a busy Node.js server leaves it: the callee's span starts 3 ms
  // after the caller's and ends 1 ms before it. archsim draws a link's latency for the request
  // and for the reply, so the link is 2 ms each way (4 ms round trip, as traced), not 3.
  json spans = json::array();
  spans.push_back(jspan("r", "", "p1", "GET /", 0, 20000));
  spans.push_back(jspan("c", "r", "p1", "convert_client", 1000, 10000));
  spans.push_back(jspan("s", "c", "p2", "Convert", 4000, 6000));
  const TraceFile t = read_trace_json(jaeger(spans, {{"p1", proc("frontend", "h1")}, {"p2", proc("currency", "h2")}}), "t.json");
  const Calibration cal = calibrate({t}, 0);
  REQUIRE(cal.links.count({"frontend", "currency"}));
  const auto& lat = cal.links.at({"frontend", "currency"}).latency;
  REQUIRE(lat.size() == 1);
  CHECK(lat[0] == doctest::Approx(0.002));
}

TEST_CASE("import traces: an empirical law keeps the samples' mean, however long their tail") {
  // Own times of a real gRPC service: most under a millisecond, a few waits of tens of ms, one
  // of a second. No family fits; the 101 percentiles would draw the second once in 101 requests
  // (+56% on the mean of a real export); the means of 100 equal slices keep the mean exactly.
  std::vector<double> x;
  for (int i = 0; i < 1437; ++i) x.push_back(i % 50 == 0 ? 0.020 + 1e-5 * i : i % 2 ? 2.5e-4 + 1e-7 * i : 1.1e-3);
  x.push_back(1.0);
  const Fit f = fit_distribution(x);
  REQUIRE(f.family == "empirical");
  CHECK(f.dist["values"].size() == 100);
  CHECK(f.fit_mean == doctest::Approx(f.mean).epsilon(1e-9));
  CHECK(f.summary().find("equally likely slices") != std::string::npos);
  CHECK(f.ks < 0.05);
  // Up to 100 samples the law is the samples themselves.
  std::vector<double> few;
  for (int i = 0; i < 30; ++i) few.push_back(i % 2 ? 1e-4 : 0.05);
  const Fit g = fit_distribution(few);
  if (g.family == "empirical") {
    CHECK(g.dist["values"].size() == 30);
    CHECK(g.fit_mean == doctest::Approx(g.mean).epsilon(1e-9));
  }
}

TEST_CASE("import traces: beyond the 8 commonest paths, a path that alone reaches a service is kept") {
  // A Spring Cloud Gateway's one route "/*" forwards each request to one of its APIs: nine
  // paths, the ninth taken once (a real export: the one request to a rarely used service).
  json spans = json::array();
  json processes = {{"gw", proc("gateway", "h0")}};
  for (int k = 0; k < 9; ++k) processes["p" + std::to_string(k)] = proc("s" + std::to_string(k), "h" + std::to_string(k + 1));
  int n = 0;
  for (int k = 0; k < 9; ++k)
    for (int r = 0; r < (k == 8 ? 1 : 30); ++r, ++n) {
      const std::string t = "t" + std::to_string(n);
      spans.push_back(tspan(t, "r", "", "gw", "/*", n * 100000, 10000));
      spans.push_back(tspan(t, "c", "r", "gw", "HTTP GET", n * 100000 + 1000, 8000));
      spans.push_back(tspan(t, "s", "c", "p" + std::to_string(k), "/api/v1/s" + std::to_string(k), n * 100000 + 2000, 6000));
    }
  const Calibration cal = calibrate({read_trace_json(jaeger(spans, processes), "t.json")}, 0);
  Inventory inv;
  Guesses guesses;
  const auto scenario = write_scenario(inv, cal, WriterOptions{"gw", {"t.json"}, "gw.guesses.txt", false, {}}, guesses);
  std::set<std::string> called;
  for (const auto& c : scenario["components"])
    if (c["id"] == "gateway")
      for (const auto& arm : c["routes"]["/*"][0]["choice"])
        for (const auto& st : arm["steps"])
          if (st.contains("call")) called.insert(st["call"].get<std::string>());
  CHECK(called.size() == 9);
  CHECK(called.count("s8"));
}

TEST_CASE("import traces: own times measured on shared cores lose the sharing the run adds back (processor sharing, M/M/1)") {
  // 1001 requests of 100 per second to a service on one core with eight workers, each traced
  // own time 6.667 ms: a work of 4 ms on a processor shared at load 0.4 takes 4 / (1 - 0.4) ms
  // on average (M/G/1-PS), so the work written is 4 ms, and the run gives back 6.667.
  json spans = json::array();
  for (int n = 0; n <= 1000; ++n) spans.push_back(tspan("t" + std::to_string(n), "r", "", "p1", "GET /", n * 10000, 6667));
  const Calibration cal = calibrate({read_trace_json(jaeger(spans, {{"p1", proc("api", "h1")}}), "t.json")}, 0);
  Inventory inv;
  Workload w;
  w.name = "api";
  w.kind = "compose service";
  w.cpu_limit = 1;
  w.env = {{"WEB_CONCURRENCY", "8"}};
  inv.workloads.push_back(w);
  Guesses guesses;
  const auto scenario = write_scenario(inv, cal, WriterOptions{"api", {"t.json"}, "api.guesses.txt", false, {}}, guesses);
  for (const auto& c : scenario["components"])
    if (c["id"] == "api") {
      CHECK(c["cores"] == 1);
      CHECK(c["concurrency"] == 8);
      const auto& work = c["routes"]["GET /"][0]["work"];
      REQUIRE(work["dist"] == "constant");
      const std::string v = work["value"];
      REQUIRE(v.size() > 2);
      CHECK(v.substr(v.size() - 2) == "ms");
      CHECK(std::stod(v.substr(0, v.size() - 2)) == doctest::Approx(4.0).epsilon(0.002));  // load 100.1/s x 6.667 ms
    }
}

TEST_CASE("import traces: a folded path's own time stays in the operation's mean") {
  // 30 requests call api's get (own time 1 ms), 5 call its get, put and get again (own time
  // 3 ms): the 5 are folded into the first path, whose work is scaled so that the mean own time
  // per request is the traces' (30 x 1 + 5 x 3) / 35 ms.
  json spans = json::array();
  for (int n = 0; n < 35; ++n) {
    const std::string t = "t" + std::to_string(n);
    const int calls = n < 30 ? 1 : 3;
    const std::int64_t at = n * 100000;
    spans.push_back(tspan(t, "r", "", "p1", "GET /", at, 1000 * calls + (n < 30 ? 1000 : 3000)));
    for (int k = 0; k < calls; ++k) {
      const std::string id = "c" + std::to_string(k);
      spans.push_back(tspan(t, id, "r", "p1", "get_client", at + 500 + 1000 * k, 1000));
      spans.push_back(tspan(t, "s" + std::to_string(k), id, "p2", k == 1 ? "put" : "get", at + 600 + 1000 * k, 800));
    }
  }
  const Calibration cal = calibrate({read_trace_json(jaeger(spans, {{"p1", proc("web", "h1")}, {"p2", proc("api", "h2")}}), "t.json")}, 0);
  Inventory inv;
  Guesses guesses;
  const auto scenario = write_scenario(inv, cal, WriterOptions{"web", {"t.json"}, "web.guesses.txt", false, {}}, guesses);
  double own_us = 0;
  int calls = 0;
  for (const auto& c : scenario["components"])
    if (c["id"] == "web")
      for (const auto& st : c["routes"]["GET /"]) {
        if (st.contains("call")) ++calls;
        if (!st.contains("work")) continue;
        REQUIRE(st["work"]["dist"] == "constant");
        const std::string v = st["work"]["value"];
        own_us += std::stod(v.substr(0, v.size() - 2));
      }
  CHECK(calls == 1);
  CHECK(own_us == doctest::Approx((30 * 1000.0 + 5 * 3000.0) / 35).epsilon(0.001));
}
