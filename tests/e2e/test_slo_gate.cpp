// --fail-on-slo: `archsim run` and `archsim compare` exit 3 when the scenario's SLO is
// missed and 0 when it is met, after writing every output; without the flag a missed SLO
// still exits 0; the flag without an SLO to gate on is bad input (exit 2). The M/M/1 queue at
// rho = 0.8 has an exponential time in system with mean 50 ms, so p99 = 50 ln 100 = 230 ms:
// a 100 ms objective is missed by any correct engine and a 1 s one met.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"

namespace fs = std::filesystem;
using archsim::e2e::describe;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::write_scenario;

namespace {

std::string mm1_with_slo(const std::string& name, const nlohmann::json& slo) {
  std::ifstream in(archsim::e2e::basic_scenario("mm1.json"));
  nlohmann::json doc = nlohmann::json::parse(in);
  doc["duration"] = "3m";
  if (!slo.is_null()) doc["slo"] = slo;
  return write_scenario(name, doc);
}

}  // namespace

TEST_CASE("slo gate: run exits 3 when the SLO is missed, 0 when met, and writes its outputs either way") {
  const std::string missed = mm1_with_slo("gate-missed", {{"latency_p99", "100ms"}});
  const std::string out = scratch_dir("gate-missed-out");
  auto r = run_archsim({"run", missed, "--quiet", "--no-report", "--out", out, "--fail-on-slo"}, 120);
  INFO(describe(r));
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("SLO missed") != std::string::npos);
  CHECK(r.err.find("p99 latency") != std::string::npos);
  CHECK(fs::exists(fs::path(out) / "summary.json"));

  // Without the flag the same run is a success: the gate is opt-in.
  auto plain = run_archsim({"run", missed, "--quiet", "--no-report", "--out", scratch_dir("gate-plain")}, 120);
  CHECK(plain.exit_code == 0);

  const std::string met = mm1_with_slo("gate-met", {{"latency_p99", "1s"}, {"availability", 0.99}});
  auto ok = run_archsim({"run", met, "--quiet", "--no-report", "--out", scratch_dir("gate-met-out"), "--fail-on-slo"}, 120);
  INFO(describe(ok));
  CHECK(ok.exit_code == 0);
  CHECK(ok.err.find("SLO missed") == std::string::npos);

  // With replications the means are judged; --json keeps stdout pure JSON.
  auto reps = run_archsim({"run", missed, "--quiet", "--no-report", "--json", "--replications", "2", "--out",
                           scratch_dir("gate-reps"), "--fail-on-slo"}, 240);
  CHECK(reps.exit_code == 3);
  CHECK(reps.err.find("mean of the replications") != std::string::npos);
  CHECK(nlohmann::json::accept(reps.out));
}

TEST_CASE("slo gate: --fail-on-slo on a scenario without an SLO is bad input") {
  const std::string none = mm1_with_slo("gate-none", nullptr);
  auto r = run_archsim({"run", none, "--quiet", "--no-report", "--out", scratch_dir("gate-none-out"), "--fail-on-slo"}, 60);
  INFO(describe(r));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/slo") != std::string::npos);
  auto c = run_archsim({"compare", none, "--vary", "web.concurrency=1,2", "--quiet", "--no-report", "--out",
                        scratch_dir("gate-none-cmp"), "--fail-on-slo"}, 60);
  CHECK(c.exit_code == 2);
}

TEST_CASE("slo gate: compare exits 3 when any variant misses and names it, 0 when all meet") {
  // rho 0.8 misses 100 ms; with two workers (M/M/2 at rho 0.4) p99 is about 50 ms and meets it.
  const std::string file = mm1_with_slo("gate-cmp", {{"latency_p99", "100ms"}});
  auto r = run_archsim({"compare", file, "--vary", "web.concurrency=1,2", "--quiet", "--no-report", "--out",
                        scratch_dir("gate-cmp-out"), "--fail-on-slo"}, 240);
  INFO(describe(r));
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("variant web.concurrency=1") != std::string::npos);
  CHECK(r.err.find("variant web.concurrency=2") == std::string::npos);
  auto ok = run_archsim({"compare", file, "--vary", "web.concurrency=2,3", "--quiet", "--no-report", "--out",
                         scratch_dir("gate-cmp-ok"), "--fail-on-slo"}, 240);
  INFO(describe(ok));
  CHECK(ok.exit_code == 0);
}

// A run with no request at all (users: 0) has no availability: summary.json says null, not a
// perfect 1.0 over nothing; the table says so; the availability objective is not met (as the
// latency one is not without a sample), so the gate fails; compare shows "-" for it.
TEST_CASE("no requests: availability is null, the table says n/a, the availability SLO is missed") {
  const nlohmann::json doc = {
      {"name", "zero-users"},
      {"duration", "1m"},
      {"components",
       {{{"id", "users"}, {"type", "client"}, {"target", "web"}, {"users", 0}, {"think_time", "1s"}},
        {{"id", "web"}, {"type", "service"}, {"service_time", "10ms"}}}},
      {"slo", {{"availability", 0.99}}}};
  const std::string path = write_scenario("zero-users", doc);
  auto j = run_archsim({"run", path, "--json", "--quiet", "--no-report", "--out", scratch_dir("zero-json")}, 60);
  INFO(describe(j));
  REQUIRE(j.exit_code == 0);
  const nlohmann::json s = nlohmann::json::parse(j.out);
  CHECK(s["requests"]["total"] == 0);
  CHECK(s["availability"].is_null());
  CHECK(s["availability_report"]["requests"].is_null());
  CHECK(s["availability_report"]["nines"]["requests"].is_null());
  CHECK(s["slo"]["availability_met"] == false);

  auto table = run_archsim({"run", path, "--no-report", "--out", scratch_dir("zero-table")}, 60);
  INFO(describe(table));
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("availability  n/a (no requests)") != std::string::npos);
  CHECK(table.out.find("nan") == std::string::npos);

  auto gate = run_archsim({"run", path, "--quiet", "--no-report", "--out", scratch_dir("zero-gate"), "--fail-on-slo"}, 60);
  INFO(describe(gate));
  CHECK(gate.exit_code == 3);
  CHECK(gate.err.find("no requests") != std::string::npos);

  auto cmp = run_archsim({"compare", path, "--vary", "users.users=0,5", "--out", scratch_dir("zero-compare"), "--json"}, 120);
  INFO(describe(cmp));
  REQUIRE(cmp.exit_code == 0);
  const nlohmann::json c = nlohmann::json::parse(cmp.out);
  CHECK(c["variants"][0]["summary"]["availability"].is_null());
  CHECK(c["variants"][1]["summary"]["availability"] == 1.0);
}

namespace {

// Two routes through one service with constant work and ample workers (no queueing): route
// "fast" takes 1 ms, route "slow" 50 ms, nine requests in ten are fast. So the run's p50 is
// 1 ms and its p95 and p99 are 50 ms; route "slow" has p99 50 ms and route "fast" 1 ms.
nlohmann::json two_routes(const nlohmann::json& slo) {
  return {{"name", "two-routes"},
          {"duration", "1m"},
          {"components",
           {{{"id", "users"},
             {"type", "client"},
             {"target", "web"},
             {"arrivals", {{"process", "poisson"}, {"rate", 50}}},
             {"routes", {{{"name", "fast"}, {"weight", 9}}, {{"name", "slow"}, {"weight", 1}}}}},
            {{"id", "web"},
             {"type", "service"},
             {"concurrency", 100},
             {"routes", {{"fast", {{{"work", "1ms"}}}}, {"slow", {{{"work", "50ms"}}}}}}}}},
          {"slo", slo}};
}

const nlohmann::json* objective(const nlohmann::json& s, const std::string& key, const std::string& route = "") {
  for (const auto& o : s["slo"]["objectives"])
    if (o["objective"] == key && o.value("route", "") == route) return &o;
  return nullptr;
}

}  // namespace

TEST_CASE("slo objectives: percentiles, error rate and per-route objectives, each met or missed, gated together") {
  const nlohmann::json slo = {{"latency_p50", "5ms"},
                              {"latency_p95", "20ms"},  // missed: one request in ten takes 50 ms
                              {"error_rate", 0.01},
                              {"routes", {{"fast", {{"latency_p99", "10ms"}, {"availability", 0.99}}},
                                          {"slow", {{"latency_p999", "40ms"}}}}}};  // missed
  const std::string file = write_scenario("objectives", two_routes(slo));
  const nlohmann::json s = archsim::e2e::run_summary(file, {"--no-report"});
  REQUIRE(s["slo"]["objectives"].size() == 6);
  const auto* p50 = objective(s, "latency_p50");
  const auto* p95 = objective(s, "latency_p95");
  const auto* err = objective(s, "error_rate");
  const auto* fast = objective(s, "latency_p99", "fast");
  const auto* fast_av = objective(s, "availability", "fast");
  const auto* slow = objective(s, "latency_p999", "slow");
  REQUIRE((p50 && p95 && err && fast && fast_av && slow));
  CHECK((*p50)["met"] == true);
  CHECK((*p50)["value_ms"].get<double>() == doctest::Approx(1).epsilon(0.01));
  CHECK((*p95)["met"] == false);
  CHECK((*p95)["value_ms"].get<double>() == doctest::Approx(50).epsilon(0.01));
  CHECK((*err)["met"] == true);
  CHECK((*err)["value"] == 0);
  CHECK((*fast)["met"] == true);
  CHECK((*fast_av)["met"] == true);
  CHECK((*slow)["met"] == false);
  CHECK((*slow)["value_ms"].get<double>() == doctest::Approx(50).epsilon(0.01));
  CHECK(s["slo"]["met"] == false);

  // The terminal lists every objective; the gate names each missed one and exits 3.
  auto r = run_archsim({"run", file, "--no-report", "--out", scratch_dir("objectives-table"), "--fail-on-slo"}, 120);
  INFO(describe(r));
  CHECK(r.exit_code == 3);
  CHECK(r.out.find("route slow: p99.9 latency") != std::string::npos);
  CHECK(r.out.find("p50 latency") != std::string::npos);
  CHECK(r.err.find("p95 latency 49.94 ms > 20 ms") != std::string::npos);
  CHECK(r.err.find("route slow: p99.9 latency") != std::string::npos);
  CHECK(r.err.find("p50 latency") == std::string::npos);  // met: not named

  // The page's SLO box shows each objective.
  const std::string out = scratch_dir("objectives-page");
  auto page = run_archsim({"run", file, "--quiet", "--out", out}, 180);
  REQUIRE(page.exit_code == 0);
  // The page's SLO banner, in the terminal's words (its data block).
  const std::string words = archsim::e2e::page_data(archsim::e2e::read_text(out + "/report.html"))["slo_words"].dump();
  CHECK(words.find("route fast: p99 latency") != std::string::npos);
  CHECK(words.find("error rate") != std::string::npos);

  // compare gates on every objective too: with all the work at 1 ms every objective is met.
  auto c = run_archsim({"compare", file, "--vary", "web.routes.slow.0.work=1ms,50ms", "--quiet", "--no-report", "--out",
                        scratch_dir("objectives-cmp"), "--fail-on-slo"}, 240);
  INFO(describe(c));
  CHECK(c.exit_code == 3);
  CHECK(c.err.find("variant web.routes.slow.0.work=50ms") != std::string::npos);
  CHECK(c.err.find("variant web.routes.slow.0.work=1ms") == std::string::npos);
}

TEST_CASE("slo objectives: a target inside the percentile's histogram bucket is flagged as uncertain") {
  // Exponential times spread the latencies; the p50 lies in a bucket about 0.8% wide.
  const std::string first = mm1_with_slo("bucket-first", {{"latency_p50", "1s"}});
  const nlohmann::json s = archsim::e2e::run_summary(first, {"--no-report"});
  const auto* p50 = objective(s, "latency_p50");
  REQUIRE(p50);
  const double lo = (*p50)["bucket_ms"][0].get<double>(), hi = (*p50)["bucket_ms"][1].get<double>();
  const double v = (*p50)["value_ms"].get<double>();
  CHECK(lo <= v);
  CHECK(v <= hi);
  CHECK(hi > lo);
  CHECK((hi - lo) / v < 0.01);  // the histogram's resolution
  CHECK((*p50)["certain"] == true);
  // A target strictly inside that bucket: the verdict cannot be certain and says so.
  const std::string inside = mm1_with_slo("bucket-inside", {{"latency_p50", std::to_string(lo + 0.25 * (hi - lo)) + "ms"}});
  const nlohmann::json t = archsim::e2e::run_summary(inside, {"--no-report"});
  const auto* q = objective(t, "latency_p50");
  REQUIRE(q);
  CHECK((*q)["certain"] == false);
  auto r = run_archsim({"run", inside, "--no-report", "--out", scratch_dir("bucket-table")}, 120);
  CHECK(r.out.find("within the histogram bucket") != std::string::npos);
}

TEST_CASE("slo objectives: bad objectives are one line with the file and pointer, exit 2") {
  struct Bad {
    nlohmann::json slo;
    std::string pointer, word;
  };
  const std::vector<Bad> cases = {
      {{{"latency_p98", "10ms"}}, "/slo/latency_p98", "latency_p99"},  // unknown key, with a suggestion
      {{{"latency_p95", "-5ms"}}, "/slo/latency_p95", ""},
      {{{"latency_p50", "fast"}}, "/slo/latency_p50", ""},
      {{{"error_rate", 1.5}}, "/slo/error_rate", ""},
      {{{"availability", -0.1}}, "/slo/availability", ""},
      {{{"routes", {{"slwo", {{"latency_p99", "1s"}}}}}}, "/slo/routes/slwo", "slow"},
      {{{"routes", {{"fast", {{"p99", "1s"}}}}}}, "/slo/routes/fast/p99", ""},
  };
  for (const Bad& b : cases) {
    const std::string file = write_scenario("bad-slo", two_routes(b.slo));
    auto r = run_archsim({"run", file, "--quiet", "--no-report", "--out", scratch_dir("bad-slo-out")}, 30);
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    const auto ls = archsim::e2e::lines(r.err);
    REQUIRE(ls.size() == 1);
    CHECK(ls[0].rfind(file + ": " + b.pointer + ":", 0) == 0);
    if (!b.word.empty()) CHECK(ls[0].find(b.word) != std::string::npos);
  }
}
