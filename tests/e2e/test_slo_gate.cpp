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
