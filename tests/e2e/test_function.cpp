// Serverless functions end to end (models/function), against AWS Lambda's published rules
// and counts made by hand: cold starts when scaling from zero under a step load (one
// environment per request in flight until the first ones are free again), throttling at
// the concurrency limit (the excess arrivals get 429s), the cold-start share of Poisson
// arrivals with idle reclaim (the chance that the last request finished longer than the idle
// timeout ago), and the bill (invocations x price + sum of durations rounded up to 1 ms x GB x
// price).
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "tests/e2e/run_archsim.h"
#include "tests/e2e/theory.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

// One client at `rate` (constant spacing: the first arrival at 1/rate) calling one function.
json scenario(const std::string& process, double rate, const std::string& duration) {
  json d = json::parse(R"({"seed": 7, "window": "1s",
    "components": [
      {"id": "app", "type": "client", "target": "fn", "timeout": "30s"},
      {"id": "fn", "type": "function", "memory_mb": 1769, "duration": "95ms", "init_duration": "200ms",
       "idle_timeout": "10m"}]})");
  d["duration"] = duration;
  d["components"][0]["arrivals"] = {{"process", process}, {"rate", rate}};
  return d;
}

}  // namespace

TEST_CASE("function: scaling from zero creates one environment per request until the first is free") {
  // Arrivals every 10 ms from t = 10 ms; a new environment is busy 200 ms (INIT) + 95 ms. The
  // first is free at 305 ms, so the arrivals at 10, 20, ..., 300 ms each find none idle: 30
  // cold starts, and never more (reuse needs only 10 at 95 ms each).
  json s = run_summary(write_scenario("fn-step", scenario("constant", 100, "10s")), {});
  CHECK(num(s, "components.fn.cold_starts") == 30);
  CHECK(num(s, "components.fn.environments_created") == 30);
  CHECK(num(s, "components.fn.peak_environments") == 30);
  CHECK(num(s, "components.fn.throttled") == 0);
  CHECK(num(s, "components.fn.invocations") == 999);
  // Provisioned concurrency: 30 environments initialised before the run; none is cold.
  json p = run_summary(write_scenario("fn-step-prov", scenario("constant", 100, "10s")), {"--set", "fn.provisioned=30"});
  CHECK(num(p, "components.fn.cold_starts") == 0);
  CHECK(num(p, "components.fn.peak_environments") == 30);
}

TEST_CASE("function: at the concurrency limit the arrivals beyond it are throttled") {
  // 5 environments, warm after their INIT (0 s here), 95 ms a request, an arrival every 10 ms:
  // each environment takes one arrival in ten, so of each ten arrivals five are served and five
  // get a 429. 999 arrivals: 99 blocks of ten and nine more (five served): 500 served.
  json d = scenario("constant", 100, "10s");
  d["components"][1]["init_duration"] = "0s";
  d["components"][1]["concurrency"] = 5;
  json s = run_summary(write_scenario("fn-limit", d), {});
  CHECK(num(s, "components.fn.invocations") == 500);
  CHECK(num(s, "components.fn.throttled") == 499);
  CHECK(num(s, "components.fn.peak_environments") == 5);
}

TEST_CASE("function: with Poisson arrivals the cold-start share is the chance no environment is idle") {
  // Requests take 1 ms (and INIT 1 ms): almost never is one in flight, so an environment is
  // alive at an arrival iff the previous request finished less than idle_timeout T ago. The gap
  // between Poisson arrivals is exponential: P(cold) = P(gap > T + 1 ms) = exp(-rate (T + 0.001))
  // (a cold predecessor adds its 1 ms INIT: less than 0.001 on the share). ~60,000 arrivals:
  // the share's standard error is about 0.002.
  // Named members, not a structured binding: Clang 14 (the sanitizer build) cannot capture
  // one in INFO.
  for (const auto& c : {std::pair{2.0, 0.5}, std::pair{1.0, 2.0}}) {
    const double rate = c.first, timeout = c.second;
    json d = scenario("poisson", rate, std::to_string(static_cast<int>(60000 / rate)) + "s");
    d["components"][1]["duration"] = "1ms";
    d["components"][1]["init_duration"] = "1ms";
    d["components"][1]["idle_timeout"] = std::to_string(timeout) + "s";
    json s = run_summary(write_scenario("fn-poisson", d), {});
    const double expect = std::exp(-rate * (timeout + 0.001));
    const double share = num(s, "components.fn.cold_start_share");
    INFO("rate ", rate, " idle_timeout ", timeout, ": cold share ", share, " expected ", expect);
    CHECK(std::fabs(share - expect) < 0.01);
    // Every environment but the ones alive at the end was reclaimed.
    CHECK(num(s, "components.fn.environments_reclaimed") >= num(s, "components.fn.environments_created") - 3);
  }
}

TEST_CASE("function: the bill is invocations x price + billed GB-seconds x price, durations rounded up to 1 ms") {
  // 1,024 MB is 1769/1024 of a vCPU short: 95 ms of work take 164.116 ms, billed 165 ms; a cold
  // start adds its 200 ms INIT: 364.116 ms, billed 365 ms. 1 GB: GB-seconds = seconds.
  json d = scenario("constant", 100, "10s");
  d["components"][1]["memory_mb"] = 1024;
  d["components"][1]["concurrency"] = 40;
  d["cost"] = json::parse(R"({"prices_per_hour": {"default": 0}, "per_million_invocations": 0.2,
                              "per_gb_second": 0.0000166667})");
  json s = run_summary(write_scenario("fn-bill", d), {});
  const double n = num(s, "components.fn.invocations");
  const double cold = num(s, "components.fn.cold_starts");
  const double gb_s = (cold * 0.365 + (n - cold) * 0.165) * 1.0;
  CHECK(cold > 0);
  CHECK(num(s, "components.fn.billed_gb_seconds") == doctest::Approx(gb_s).epsilon(1e-6));
  CHECK(num(s, "cost.function_gb_seconds") == doctest::Approx(gb_s).epsilon(1e-6));
  CHECK(num(s, "cost.function_usd") == doctest::Approx(n * 0.2 / 1e6 + gb_s * 0.0000166667).epsilon(1e-5));
  CHECK(num(s, "cost.total_usd") == doctest::Approx(num(s, "cost.function_usd")).epsilon(1e-9));
  // Throttled requests are not billed: at a limit of 5 only the served ones are.
  d["components"][1]["concurrency"] = 5;
  json t = run_summary(write_scenario("fn-bill-limit", d), {});
  CHECK(num(t, "components.fn.throttled") > 0);
  CHECK(num(t, "cost.function_invocations") == num(t, "components.fn.invocations"));
  // Provisioned: 5 environments x 1 GB x 10 s kept initialised.
  json p = run_summary(write_scenario("fn-bill-prov", d), {"--set", "fn.provisioned=5", "--set", "cost.per_gb_second_provisioned=0.0000041667"});
  CHECK(num(p, "cost.function_provisioned_gb_seconds") == doctest::Approx(5 * 1.0 * 10).epsilon(1e-9));
}

TEST_CASE("function: environments and concurrent executions per window follow the step load, by hand and by Little's law") {
  // The step load of the first case in 1 s windows. Environments: 30 created at 10, 20, ...,
  // 300 ms and never reclaimed, so the first window's mean is sum over k of (1 - 0.01 k) =
  // 30 - 4.65 and every later one 30. Concurrent executions: in the first second 30 cold
  // requests of 295 ms, 60 warm ones of 95 ms, and 9 arriving from 910 ms whose remaining
  // 90, 80, ..., 10 ms fall in it: 15.0 CPU-s. Later windows hold 100 requests of 95 ms in
  // steady state (the load is periodic at 10 ms): 9.5, Little's law's lambda x W.
  json d = scenario("constant", 100, "10s");
  const std::string out = archsim::e2e::scratch_dir("fn-series");
  const auto r = archsim::e2e::run_archsim({"run", write_scenario("fn-series", d), "--json", "--quiet", "--no-report", "--out", out});
  REQUIRE(r.exit_code == 0);
  const json s = json::parse(r.out);
  const auto envs = archsim::e2e::series_rows(out + "/timeseries.csv", "fn", "environments");
  const auto busy = archsim::e2e::series_rows(out + "/timeseries.csv", "fn", "concurrent_executions");
  REQUIRE(envs.size() == 10);
  REQUIRE(busy.size() == 10);
  double area = 0;
  for (std::size_t i = 0; i < envs.size(); ++i) {
    CAPTURE(i);
    CHECK(std::stod(envs[i].second) == doctest::Approx(i == 0 ? 25.35 : 30.0).epsilon(1e-9));
    CHECK(std::stod(busy[i].second) == doctest::Approx(i == 0 ? 15.0 : 9.5).epsilon(1e-9));
    area += std::stod(busy[i].second);
  }
  // The summary's mean is the same area over the run, and its utilization that mean over the
  // concurrency limit (1,000 by default); the throughput counts the 999 invocations.
  CHECK(num(s, "components.fn.concurrent_executions") == doctest::Approx(area / 10).epsilon(1e-9));
  CHECK(num(s, "components.fn.utilization") == doctest::Approx(area / 10 / 1000).epsilon(1e-9));
  CHECK(num(s, "components.fn.throughput_rps") == doctest::Approx(99.9).epsilon(1e-9));
}

TEST_CASE("function: throttling is Erlang B's blocking, in the simulation and in analyze") {
  // Environments with no INIT and no queue are a loss system of `concurrency` servers: the
  // share of Poisson arrivals throttled is Erlang B(c, a), whatever the handler's time's law
  // (lognormal here). 80/s x 95 ms = 7.6 Erlangs offered to 8 environments: B = 0.169.
  json d = scenario("poisson", 80, "30m");
  d["components"][1]["init_duration"] = "0s";
  d["components"][1]["concurrency"] = 8;
  d["components"][1]["duration"] = json::parse(R"({"dist": "lognormal", "mean": "95ms", "stddev": "60ms"})");
  const std::string file = write_scenario("fn-erlang", d);
  const double b = archsim::theory::erlang_b(8, 80 * 0.095);
  json s = run_summary(file, {});
  const double arrivals = num(s, "components.fn.invocations") + num(s, "components.fn.throttled");
  CHECK(num(s, "components.fn.throttled") / arrivals == doctest::Approx(b).epsilon(0.03));
  const json a = archsim::e2e::run_analyze(file, {});
  const json& fn = a["components"]["fn"];
  CHECK(fn["formula"] == "Erlang B");
  CHECK(num(fn, "blocking") == doctest::Approx(b).epsilon(1e-6));
}

TEST_CASE("function: the scaling rate adds at most 1,000 environments per 10 s, refilled continuously") {
  // 3,000/s of 1 s handlers from t = 0 need 3,000 environments. The bucket starts full and
  // gains 100 tokens a second; every token is spent within a second of its arrival (some
  // arrival each second finds no environment idle), so by T s 1,000 + 100 T environments
  // exist, less the token still maturing: 1,999 at 10 s. Each serves one arrival a second, so
  // by 20 s at least the integral of 1,000 + 100 t (40,000) of the 60,000 arrivals are served
  // and at most one more per environment: between 17,000 and 20,000 are throttled, all by the
  // scaling rate; from 20 s on the 3,000 environments serve everything.
  json d = scenario("constant", 3000, "10s");
  d["components"][1]["init_duration"] = "0s";
  d["components"][1]["duration"] = "1s";
  d["components"][1]["concurrency"] = 5000;
  json ten = run_summary(write_scenario("fn-scaling-10", d), {});
  CHECK(num(ten, "components.fn.environments_created") == doctest::Approx(1999).epsilon(0.001));
  d["duration"] = "30s";
  json s = run_summary(write_scenario("fn-scaling", d), {});
  CHECK(num(s, "components.fn.throttled") >= 17000);
  CHECK(num(s, "components.fn.throttled") <= 20000);
  CHECK(num(s, "components.fn.throttled_scaling") == num(s, "components.fn.throttled"));
  CHECK(num(s, "components.fn.environments_created") == doctest::Approx(3000).epsilon(0.001));
  // At 10,000 a bucket this large never binds: nothing is throttled.
  json u = run_summary(write_scenario("fn-scaling-wide", d), {"--set", "fn.scaling_rate=10000"});
  CHECK(num(u, "components.fn.throttled") == 0);
}
