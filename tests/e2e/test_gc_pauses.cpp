// Stop-the-world garbage-collection pauses (a service's "gc" block), against figures worked
// out without the simulator:
//   - collections: one per young generation allocated, so their count is the requests
//     answered x alloc_per_request_mb / young_mb;
//   - the paused share of time is pauses x pause length / measured time;
//   - renewal theory (with Poisson arrivals, which see time averages, PASTA): a request finds
//     its instance paused with probability equal to the paused share, and then waits for the
//     rest of the pause, uniform on (0, pause): mean pause / 2. With constant work s, one also
//     starts within s before a pause (rate x s x pauses per second) and waits a whole pause:
//     E[latency] = s + f (pause / 2 + s) with f = pauses per second x pause, and
//     P(latency > s + x) = f (1 - x / pause);
//   - a liveness probe fails only when it finds a pause with more than its timeout left.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;
using nlohmann::json;

namespace {

// 1000 requests/s (Poisson) on one instance with more workers than ever busy (no queueing),
// 1 ms of constant work, 1 MiB allocated each; G1 with a fixed 1024 MiB young generation of
// which a tenth survives, copied at 1024 MiB/s: a 100 ms pause per 1024 requests.
json pause_scenario(double young_mb, const json& probes) {
  json svc = {{"id", "s"},
              {"type", "service"},
              {"concurrency", 5000},
              {"service_time", {{"dist", "constant"}, {"value", "1ms"}}},
              {"gc",
               {{"collector", "g1"},
                {"heap_mb", 8192},
                {"young_mb", young_mb},
                {"survival", 0.1},
                {"alloc_per_request_mb", 1}}}};
  if (!probes.is_null()) svc["probes"] = probes;
  return {{"name", "gc-renewal"},
          {"seed", 3},
          {"duration", "210s"},
          {"warmup", "10s"},
          {"network", {{"latency", "0ms"}}},
          {"components",
           {{{"id", "c"}, {"type", "client"}, {"target", "s"}, {"arrivals", {{"process", "poisson"}, {"rate", 1000}}}}, svc}}};
}

json run(const json& doc, const std::string& name) {
  const std::string path = archsim::e2e::write_scenario(name, doc);
  const auto r = run_archsim({"run", path, "--json", "--quiet", "--no-report", "--out", scratch_dir(name)}, 300);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  return json::parse(r.out);
}

}  // namespace

TEST_CASE("gc pauses: count from allocation / young size, paused share, and the renewal-theory wait") {
  const json s = run(pause_scenario(1024, nullptr), "gc-renewal");
  const json& c = s["components"]["s"];
  const double measured = 200;  // seconds after warm-up
  const double answered = c["latency_ms"]["count"].get<double>();
  const double pauses = c["gc"]["pause_ms"]["count"].get<double>();
  const double pause_s = 0.1;
  INFO("answered " << answered << ", pauses " << pauses);
  // One collection per 1024 requests answered: about 195 in 200 s; the run's first and last
  // partial cycles move it by one at most.
  CHECK(pauses == doctest::Approx(answered / 1024).epsilon(0.01));
  CHECK(c["gc"]["pause_ms"]["max"].get<double>() == doctest::Approx(100));
  // The instance-time paused: pauses x 100 ms over 200 s (a pause cut by the end of the run
  // counts only its part: at most 1 of about 195).
  const double share = c["gc"]["paused_share"].get<double>();
  CHECK(share == doctest::Approx(pauses * pause_s / measured).epsilon(0.01));
  CHECK(c["gc"]["pause_s"].get<double>() == doctest::Approx(pauses * pause_s));
  // Renewal theory: mean latency s + f (pause / 2 + s), f = the paused share (about 0.098).
  const double work_ms = 1;
  const double expect_mean = work_ms + share * (pause_s * 1000 / 2 + work_ms);
  CHECK(c["latency_ms"]["mean"].get<double>() == doctest::Approx(expect_mean).epsilon(0.03));
  // P(latency > s + x) = f (1 - x / pause): the 95th percentile is s + pause (1 - 0.05 / f),
  // about 49.8 ms; the 90th is past the share paused (f < 0.1): the bare 1 ms.
  REQUIRE(share > 0.05);
  REQUIRE(share < 0.099);
  const double expect_p95 = work_ms + pause_s * 1000 * (1 - 0.05 / share);
  CHECK(c["latency_ms"]["p95"].get<double>() == doctest::Approx(expect_p95).epsilon(0.05));
  CHECK(c["latency_ms"]["p90"].get<double>() < 1.1);
}

TEST_CASE("gc pauses: a liveness probe fails when it finds a pause longer than its timeout left") {
  // Probes every second with a 100 ms timeout (a threshold of 100: no restart). With
  // 100 ms pauses none can fail (a probe waits less than the whole pause); with 300 ms pauses
  // (a young generation three times as large, one third as often) a probe fails when it
  // arrives in the first 200 ms of one: a share pauses/s x 0.2 s of the probes, about 6.5%.
  const json probes = {{"liveness", {{"period", "1s"}, {"timeout", "100ms"}, {"failure_threshold", 100}}}};
  const json short_run = run(pause_scenario(1024, probes), "gc-probe-short");
  CHECK(short_run["components"]["s"]["liveness"]["failed_probes"].get<double>() == 0);
  const json long_run = run(pause_scenario(3072, probes), "gc-probe-long");
  const json& c = long_run["components"]["s"];
  CHECK(c["gc"]["pause_ms"]["max"].get<double>() == doctest::Approx(300));
  const double pauses_per_s = c["gc"]["pause_ms"]["count"].get<double>() / 200;
  const double expect_failed = 210 * pauses_per_s * 0.2;  // probes in the whole run
  CHECK(c["liveness"]["failed_probes"].get<double>() == doctest::Approx(expect_failed).epsilon(0.5));
  CHECK(c["liveness"]["failed_probes"].get<double>() > 3);
}

TEST_CASE("gc pauses: the shipped scenario's collections per instance, and each collector's pause") {
  // 3 instances at 100 requests/s each, 2 MiB a request; G1's young generation 2457.6 MiB
  // (60% of 4096): 280 s x 300 x 2 / 2457.6 = 68.4 pauses of 120 ms. ZGC and Go pause for
  // 0.5 ms, once per (4096 - 1024) / 2 = 1536 and 1024 / 2 = 512 requests: 54.7 and 164.
  const std::string path = source_path("scenarios/metastability/gc-pauses.json");
  struct Expect {
    const char* collector;
    double pauses, pause_ms;
  };
  for (const Expect& e : {Expect{"g1", 68.4, 120}, Expect{"zgc", 54.7, 0.5}, Expect{"go", 164.1, 0.5}}) {
    CAPTURE(e.collector);
    const auto r = run_archsim({"run", path, "--set", std::string("api.gc.collector=") + e.collector, "--json", "--quiet",
                                "--no-report", "--out", scratch_dir(std::string("gc-shipped-") + e.collector)},
                               300);
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    const json c = json::parse(r.out)["components"]["api"];
    CHECK(c["gc"]["pause_ms"]["count"].get<double>() == doctest::Approx(e.pauses).epsilon(0.05));
    CHECK(c["gc"]["pause_ms"]["max"].get<double>() == doctest::Approx(e.pause_ms));
  }
}
