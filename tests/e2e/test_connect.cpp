// Connection set-up cost end to end (models/server/call_policy/connections.h): a caller pays
// `setup` on each connection it opens; kept connections are reused; a timed-out attempt's
// connection is closed, so its retry pays again. No network latency and callees with
// workers to spare: a request's latency is its work plus the set-up when it opened a
// connection, so the mean latency grows by setup x (share of requests that opened one).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/e2e/checks.h"
#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e;

namespace {

// api calls db (100 workers each) with `call` as the call step's extra fields.
nlohmann::json scenario(const nlohmann::json& call, const nlohmann::json& arrivals, const nlohmann::json& work) {
  nlohmann::json step = {{"call", "db"}, {"timeout", "100ms"}};
  step.update(call);
  return {{"name", "connect"}, {"seed", 3}, {"duration", "100s"}, {"network", {{"latency", "0ms"}}},
          {"components",
           {{{"id", "users"}, {"type", "client"}, {"target", "api"}, {"arrivals", arrivals}, {"timeout", "10s"}},
            {{"id", "api"}, {"type", "service"}, {"concurrency", 100}, {"routes", {{"default", {step}}}}},
            {{"id", "db"}, {"type", "service"}, {"concurrency", 100}, {"service_time", work}}}}};
}

nlohmann::json run(const std::string& name, const nlohmann::json& doc) {
  return run_summary(write_scenario(name, doc), {"--quiet", "--no-report"});
}

const nlohmann::json kEvery100ms = {{"process", "constant"}, {"rate", 10}};

}  // namespace

TEST_CASE("connect: a kept connection is paid once, one per request without reuse") {
  // Constant 80 ms calls every 100 ms never overlap: one connection serves them all, so the
  // mean grows by 5 ms / N; without reuse every request pays the 5 ms.
  const auto none = run("conn-none", scenario(nlohmann::json::object(), kEvery100ms, "80ms"));
  const auto kept = run("conn-kept", scenario({{"connect", {{"setup", "5ms"}}}}, kEvery100ms, "80ms"));
  const auto each = run("conn-each", scenario({{"connect", {{"setup", "5ms"}, {"reuse", false}}}}, kEvery100ms, "80ms"));
  const double n = num(kept, "components.api.calls.db.calls");
  CHECK(n >= 995);
  CHECK(num(kept, "components.api.calls.db.connections_opened") == 1);
  CHECK(num(each, "components.api.calls.db.connections_opened") == n);
  CHECK(num(none, "components.api.latency_ms.mean") == doctest::Approx(80).epsilon(1e-6));
  CHECK(num(kept, "components.api.latency_ms.mean") == doctest::Approx(80 + 5 / n).epsilon(1e-6));
  CHECK(num(each, "components.api.latency_ms.mean") == doctest::Approx(85).epsilon(1e-6));
}

TEST_CASE("connect: with random arrivals and work, the mean grows by setup x the share that opened") {
  // Poisson arrivals and exponential work (the same draws in both runs): without reuse every
  // request opens a connection (share 1); each latency is its draw plus 5 ms.
  const nlohmann::json poisson = {{"process", "poisson"}, {"rate", 50}};
  const nlohmann::json expo = {{"dist", "exponential"}, {"mean", "20ms"}};
  const auto none = run("conn-rnd-none", scenario({{"timeout", "10s"}}, poisson, expo));
  const auto each = run("conn-rnd-each", scenario({{"timeout", "10s"}, {"connect", {{"setup", "5ms"}, {"reuse", false}}}}, poisson, expo));
  const auto kept = run("conn-rnd-kept", scenario({{"timeout", "10s"}, {"connect", {{"setup", "5ms"}}}}, poisson, expo));
  const double calls = num(each, "components.api.calls.db.calls");
  CHECK(num(each, "components.api.calls.db.connections_opened") == calls);
  // The means come from latency histograms (at most 1% off each): the difference is 5 ms to
  // within 1% of the two means.
  const double base = num(none, "components.api.latency_ms.mean");
  const double paid = num(each, "components.api.latency_ms.mean");
  check_close("each - none", paid - base, 5, 0, kHistogramError * (paid + base));
  // Kept: a connection is opened only when more calls are in flight than ever before.
  const double share = num(kept, "components.api.calls.db.connections_opened") / num(kept, "components.api.calls.db.calls");
  CHECK(share > 0);
  CHECK(share < 0.01);
  const double kept_mean = num(kept, "components.api.latency_ms.mean");
  check_close("kept - none", kept_mean - base, 5 * share, 0, kHistogramError * (kept_mean + base));
}

TEST_CASE("connect: a retry after a timeout reconnects and pays the set-up again") {
  // 80 ms of work against a 50 ms timeout, three attempts: each attempt times out, its
  // connection is closed, and the next one opens another: every attempt pays the set-up.
  // With a 100 ms timeout nothing times out and the first connection serves everything.
  const nlohmann::json retry = {{"max_attempts", 3}, {"backoff", {{"base", "1ms"}, {"max", "2ms"}}}};
  const auto storm = run("conn-retry", scenario({{"timeout", "50ms"}, {"retry", retry}, {"connect", {{"setup", "5ms"}}}}, kEvery100ms, "80ms"));
  const auto calm = run("conn-calm", scenario({{"retry", retry}, {"connect", {{"setup", "5ms"}}}}, kEvery100ms, "80ms"));
  const double attempts = num(storm, "components.api.calls.db.attempts");
  CHECK(attempts >= 3 * 995);
  CHECK(num(storm, "components.api.calls.db.connections_opened") == attempts);
  CHECK(num(calm, "components.api.calls.db.connections_opened") == 1);
}
