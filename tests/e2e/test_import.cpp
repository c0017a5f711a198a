// archsim import (docs/import.md) and run --trace-format otlp (docs/traces.md):
// - the fixtures of the three trace formats (tests/data/import/make_traces.py: one system, six
//   requests) give the same scenario, with the call graph they hold: a retried call, two calls
//   in parallel, an uninstrumented database, a service's own errors, 10 requests/s;
// - the round trip: web-tier run with --trace-format otlp and imported back (with a Compose
//   file for the capacity traces cannot carry) has exactly the original's call graph and links,
//   each work distribution of the original family with its mean within 10% (about 4 standard
//   errors of the smallest sample: 1,600 traced checkouts), and p50 / p99 within 5% / 10% of the
//   original's over the same seed;
// - the shop examples (scenarios/import/shop) import, validate and run, and the shipped
//   scenarios and guesses lists are what import writes today;
// - bad manifests and traces: exit 2, one line naming the file and the place.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/e2e/run_archsim.h"
#include "tests/e2e/scenario_doc.h"

namespace fs = std::filesystem;
using archsim::e2e::describe;
using archsim::e2e::lines;
using archsim::e2e::read_text;
using archsim::e2e::run_archsim;
using archsim::e2e::run_archsim_in;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;
using archsim::e2e::component;
using nlohmann::json;

namespace {

json import_to(const std::vector<std::string>& args, const std::string& out) {
  std::vector<std::string> a = {"import", "--quiet", "-o", out};
  a.insert(a.end(), args.begin(), args.end());
  auto r = run_archsim(a, 120);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("it validates") != std::string::npos);
  return json::parse(read_text(out));
}

double ms(const std::string& d) {
  const double v = std::stod(d);
  if (d.size() > 2 && d.substr(d.size() - 2) == "ms") return v;
  if (d.size() > 2 && d.substr(d.size() - 2) == "us") return v / 1000;
  return v * 1000;
}

}  // namespace

TEST_CASE("import: Jaeger, Zipkin and OTLP fixtures of one system give one scenario with its call graph") {
  const std::string dir = scratch_dir("import-formats");
  json first;
  for (const char* f : {"otlp.json", "otlp-lines.json", "jaeger.json", "zipkin.json"}) {
    CAPTURE(f);
    json d = import_to({"--traces", source_path(std::string("tests/data/import/") + f)}, dir + "/" + f);
    d.erase("name");
    d.erase("description");
    if (first.is_null()) first = d;
    else CHECK(d == first);
  }
  const json& users = component(first, "users");
  CHECK(users["target"] == "frontend");
  CHECK(users["arrivals"]["rate"].get<double>() == doctest::Approx(10).epsilon(1e-6));  // 6 requests, 100 ms apart
  const json& steps = component(first, "frontend")["routes"]["GET /checkout"];
  // 2 ms of work, the retried charge, 1 ms of work, stock and price at once, the rest.
  REQUIRE(steps.size() == 5);
  CHECK(steps[0]["work"]["dist"] == "constant");
  CHECK(ms(steps[0]["work"]["value"]) == doctest::Approx(2));
  CHECK(steps[1]["call"] == "payment");
  CHECK(steps[1]["retry"]["max_attempts"] == 2);
  CHECK(ms(steps[1]["retry"]["backoff"]["base"]) == doctest::Approx(1));
  CHECK(ms(steps[2]["work"]["value"]) == doctest::Approx(1));
  std::set<std::string> parallel;
  for (const auto& p : steps[3]["parallel"]) parallel.insert(p["call"].get<std::string>());
  CHECK(parallel == std::set<std::string>{"inventory", "pricing"});
  // 20 ms + 0, 0.1, ..., 0.5 ms: six samples spread evenly, which the BIC reads as uniform.
  CHECK(steps[4]["work"]["dist"] == "uniform");
  CHECK(ms(steps[4]["work"]["min"]) + ms(steps[4]["work"]["max"]) == doctest::Approx(2 * 20.25));
  const json& stock = component(first, "inventory")["routes"]["stock"];
  REQUIRE(stock.size() == 3);
  CHECK(stock[1] == json({{"call", "postgresql"}, {"route", "read"}}));
  const json& db = component(first, "postgresql");
  CHECK(db["type"] == "database");
  CHECK(ms(db["queries"]["read"]["value"]) == doctest::Approx(4));
  REQUIRE(first["faults"].size() == 1);
  CHECK(first["faults"][0]["target"] == "payment");
  CHECK(first["faults"][0]["rate"] == 0.5);  // the first attempt of each charge failed on its own
  const std::string guesses = read_text(dir + "/otlp.guesses.txt");
  CHECK(guesses.find("placeholder") != std::string::npos);
  CHECK(guesses.find("payment.replicas") != std::string::npos);
  CHECK(guesses.find("KS D=") != std::string::npos);
}

TEST_CASE("run --trace-format otlp writes OpenTelemetry spans whose parents are all in their trace") {
  const std::string out = scratch_dir("otlp-export");
  auto r = run_archsim({"run", archsim::e2e::basic_scenario("web-tier.json"), "--quiet", "--no-report", "--out", out,
                        "--set", "duration=40s", "--trace", "50", "--trace-format", "otlp"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(!fs::exists(out + "/trace.json"));
  const json t = json::parse(read_text(out + "/trace.otlp.json"));
  std::set<std::string> services, ids;
  std::vector<std::pair<std::string, std::string>> parents;
  std::size_t roots = 0;
  for (const auto& rs : t["resourceSpans"]) {
    services.insert(rs["resource"]["attributes"][0]["value"]["stringValue"].get<std::string>());
    for (const auto& s : rs["scopeSpans"][0]["spans"]) {
      CHECK(s["traceId"].get<std::string>().size() == 32);
      CHECK(s["spanId"].get<std::string>().size() == 16);
      CHECK(std::stoll(s["endTimeUnixNano"].get<std::string>()) >= std::stoll(s["startTimeUnixNano"].get<std::string>()));
      CHECK(s["traceState"].get<std::string>().rfind("ot=th:", 0) == 0);
      ids.insert(s["traceId"].get<std::string>() + s["spanId"].get<std::string>());
      if (s.contains("parentSpanId")) parents.emplace_back(s["traceId"], s["parentSpanId"]);
      else ++roots;
    }
  }
  CHECK(services == std::set<std::string>{"users", "web", "db"});
  CHECK(roots == 50);
  for (const auto& [trace, parent] : parents) CHECK(ids.count(trace + parent) == 1);
  auto both = run_archsim({"run", archsim::e2e::basic_scenario("web-tier.json"), "--quiet", "--no-report", "--out", out,
                           "--set", "duration=40s", "--trace", "5", "--trace-format", "both"});
  REQUIRE(both.exit_code == 0);
  CHECK(fs::exists(out + "/trace.json"));
  CHECK(fs::exists(out + "/trace.otlp.json"));
}

TEST_CASE("import: the round trip of web-tier through its OTLP export recovers the call graph, the work and the latency") {
  const std::string dir = scratch_dir("import-roundtrip");
  const std::string original = archsim::e2e::basic_scenario("web-tier.json");
  auto r = run_archsim({"run", original, "--quiet", "--no-report", "--out", dir + "/run", "--set", "duration=4m",
                        "--trace", "8000", "--trace-format", "otlp"},
                       300);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const json got = import_to({source_path("tests/data/import/web-tier-capacity.yaml"), "--traces", dir + "/run/trace.otlp.json"},
                             dir + "/web-tier-imported.json");
  // The call graph, exactly.
  const json& users = component(got, "users");
  CHECK(users["target"] == "web");
  std::set<std::string> routes;
  for (const auto& rt : users["routes"]) routes.insert(rt["name"].get<std::string>());
  CHECK(routes == std::set<std::string>{"browse", "checkout"});
  const json& web = component(got, "web")["routes"];
  CHECK(web.size() == 2);
  // Original means, ms: web browse 2 + 1 around a read; checkout 4 + 2 around a write; db read 3, write 8.
  struct Expect {
    const json* steps;
    std::vector<double> work;  // per step, 0 for the call
    std::string call;
  };
  const json& db = component(got, "db")["routes"];
  CHECK(db.size() == 2);
  for (const Expect& e : {Expect{&web["browse"], {2, 0, 1}, "read"}, Expect{&web["checkout"], {4, 0, 2}, "write"},
                          Expect{&db["read"], {3}, ""}, Expect{&db["write"], {8}, ""}}) {
    REQUIRE(e.steps->size() == e.work.size());
    for (std::size_t i = 0; i < e.work.size(); ++i) {
      const json& s = (*e.steps)[i];
      if (e.work[i] == 0) {
        CHECK(s == json({{"call", "db"}, {"route", e.call}}));
        continue;
      }
      CAPTURE(s.dump());
      CHECK(s["work"]["dist"] == "exponential");
      CHECK(ms(s["work"]["mean"]) == doctest::Approx(e.work[i]).epsilon(0.10));
    }
  }
  REQUIRE(got["links"].size() == 2);
  for (const auto& l : got["links"]) {
    CHECK(l["latency"]["dist"] == "constant");
    CHECK(ms(l["latency"]["value"]) == doctest::Approx(l["from"] == "users" ? 5 : 0.5));
  }
  CHECK(users["arrivals"]["rate"].get<double>() == doctest::Approx(1000).epsilon(0.05));
  CHECK(!got.contains("faults"));

  // The recovered scenario's latency, over the same seed and duration.
  auto a = archsim::e2e::run_summary(original, {"--set", "duration=5m"}, 300);
  auto b = archsim::e2e::run_summary(dir + "/web-tier-imported.json", {"--set", "duration=5m", "--set", "warmup=30s"}, 300);
  CHECK(archsim::e2e::num(b, "latency_ms.p50") == doctest::Approx(archsim::e2e::num(a, "latency_ms.p50")).epsilon(0.05));
  CHECK(archsim::e2e::num(b, "latency_ms.p99") == doctest::Approx(archsim::e2e::num(a, "latency_ms.p99")).epsilon(0.10));
}

TEST_CASE("import: the shop's Compose file and Kubernetes manifests import, validate and run as shipped") {
  const std::string dir = scratch_dir("import-shop");
  for (const auto& in_name : std::vector<std::pair<std::string, std::string>>{
           {"scenarios/import/shop/docker-compose.yaml", "shop-compose"}, {"scenarios/import/shop/k8s", "shop-k8s"}}) {
    const std::string& input = in_name.first;  // not a structured binding: CAPTURE of one needs what Clang 14 lacks
    const std::string& name = in_name.second;
    CAPTURE(name);
    auto r = run_archsim_in(source_path(""), {"import", input, "-o", dir + "/" + name + ".json"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("placeholder (") != std::string::npos);
    // The shipped copies are what import writes: regenerate them when the importer changes.
    CHECK(json::parse(read_text(dir + "/" + name + ".json")) ==
          json::parse(read_text(source_path("scenarios/import/" + name + ".json"))));
    CHECK(read_text(dir + "/" + name + ".guesses.txt") == read_text(source_path("scenarios/import/" + name + ".guesses.txt")));
    const json s = archsim::e2e::run_summary(dir + "/" + name + ".json", {"--set", "duration=2m"});
    CHECK(archsim::e2e::num(s, "availability") > 0.99);
    CHECK(archsim::e2e::num(s, "components.kafka.consumed") > 0);
    CHECK(archsim::e2e::num(s, "components.redis.hit_ratio") > 0);
  }
}

TEST_CASE("bad input: import answers bad manifests and traces in one line naming the file and the place") {
  struct Case {
    const char* file;
    const char* place;  // after "<file>"
    const char* words;
  };
  const Case cases[] = {
      {"malformed.yaml", ":4:4: ", "YAML syntax error"},
      {"unknown-kind.yaml", ":10:7: kind: ", "unknown kind \"Deploymnet\" (did you mean \"Deployment\"?)"},
      {"compose-typo.yaml", ":3:12: services.web.imgae: ", "not a Compose service attribute"},
      {"compose-depends.yaml", ":4:17: services.web.depends_on: ", "\"db\", which is not a service"},
      {"bad-cpu.yaml", ":11:27: spec.template.spec.containers[0].resources.limits.cpu: ", "CPU quantity"},
      {"memory-milli.yaml", ":11:30: spec.template.spec.containers[0].resources.limits.memory: ", "\"512Mi\", not \"512m\""},
      {"hpa-target.yaml", ":13:44: spec.scaleTargetRef.name: ", "scales \"wbe\""},
      {"hpa-policy.yaml", ":18:18: spec.behavior.scaleUp.policies[0].type: ", "Pods or Percent"},
      {"neither.yaml", ":1:1: ", "neither a Compose file"},
      {"all-orphans.json", ": ", "no span of this OTLP JSON file is reachable from a root span (2 orphans"},
      {"span-id-number.json", ": /data/0/spans/0/spanID: ", "expected the span's spanID (a string), found a number"},
      {"resource-spans-nested.json", ": /resourceSpans/0: ", "expected a resource's spans"},
      {"zipkin-name-number.json", ": /0/name: ", "expected the span's name (a string), found a number"},
      {"not-utf8.json", ":2:", "not UTF-8"},
      {"syntax.json", ":2:48: ", "JSON syntax error"},
      {"number-overflow.json", ": ", "a number beyond a double's range"},  // fuzz_import_jaeger's first finding
      // fuzz_import_jaeger's second: nanoseconds past 64 bits (a clock in nanoseconds written as microseconds)
      {"micros-overflow.json", ": /data/0/spans/0/startTime: ", "past the year 2116"},
      {"not-traces.json", ": ", "not a trace file"},
      {"console-spans.json", ": ", "what OpenTelemetry's console exporter prints"},  // taken for an export by users
      {"zipkin-unfinished.json", ": /0: ", "needs timestamp and duration"},
      // Hostile or careless YAML: each a located line, never a crash (issue 84's reproducers).
      {"alias-merge-cycle.yaml", ":1:", "inside its own anchor"},
      {"alias-list-cycle.yaml", ":1:", "inside its own anchor"},
      {"alias-labels-cycle.yaml", ":1:", "inside its own anchor"},
      {"non-utf8-name.yaml", ":4:7: ", "byte \\xff is not UTF-8 text"},
      {"nul-name.yaml", ":2:3: services: ", "holds a NUL character"},
      {"escape-name.yaml", ":3:5: services.\\x1b[31mred: ", "is not a Compose service name"},
      {"hpa-empty-spec.yaml", ":20:", "required"},
      {"pdb-selector-string.yaml", ":22:13: spec.selector: ", "expected a map (LabelSelector), not a string"},
      {"k8s-typo.yaml", ":6:12: spec.replica: ", "not a field of DeploymentSpec (did you mean \"replicas\"?)"},
      {"helm.yaml", ":4:10: ", "render it with `helm template` first"},
      {"compose-cycle.yaml", ":10:17: services.c.depends_on: ", "a cycle of depends_on"},
      {"compose-required-var.yaml", ":3:12: services.web.image: ", "required variable TAG is not set"},
      // fuzz_import_compose's finding: where yaml-cpp 0.7 would make empty documents until the memory ran out
      {"indented-stray-comma.yaml", ":6:2: ", "YAML syntax error: the document cannot go on here"},
      {"interpolation-nested.yaml", ":4:12: services.web.image: ", "nested more than 32 deep"},
      {"extends-copies.yaml", ":17:7: services.s8: ", "more than a million values once extends copies"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.file);
    const std::string path = source_path(std::string("tests/data/import/bad/") + c.file);
    const bool traces = std::string(c.file).find(".json") != std::string::npos;
    std::vector<std::string> args = {"import"};
    if (traces) args.push_back("--traces");
    args.push_back(path);
    args.insert(args.end(), {"-o", scratch_dir("import-bad") + "/x.json"});
    auto r = run_archsim(args, 30);
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    const auto ls = lines(r.err);
    REQUIRE(ls.size() == 1);
    CHECK(ls[0].rfind(path + c.place, 0) == 0);
    CHECK(ls[0].find(c.words) != std::string::npos);
  }
}
