// `archsim plan`: the cheapest configuration meeting an SLO with confidence. Checked against
// a known answer: an M/M/c queue (Poisson arrivals, one FIFO queue, c exponential workers),
// where the smallest c whose p99 time in system meets the target follows from Erlang C
// (tests/e2e/theory.h), computed here, not typed in. Bad input: an empty range, an unknown
// parameter path (one line, exit 2), an SLO no configuration meets (exit 3, best found named).
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"
#include "tests/e2e/theory.h"

namespace fs = std::filesystem;
using archsim::e2e::describe;
using archsim::e2e::lines;
using archsim::e2e::read_text;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;

namespace {

constexpr double kLambda = 200, kMu = 50;  // 200 requests/s, 20 ms mean service

// One service, c workers behind one FIFO queue (replicas 1, concurrency c): M/M/c.
std::string mmc_scenario() {
  static const std::string path = archsim::e2e::write_scenario(
      "plan-mmc",
      {{"name", "plan-mmc"},
       {"seed", 1},
       {"duration", "5m"},
       {"warmup", "30s"},
       {"network", {{"latency", "0ms"}}},
       {"components",
        {{{"id", "users"},
          {"type", "client"},
          {"target", "web"},
          {"arrivals", {{"process", "poisson"}, {"rate", kLambda}}},
          {"routes", {{{"name", "get"}, {"weight", 1}}}},
          {"timeout", "60s"}},
         {{"id", "web"},
          {"type", "service"},
          {"replicas", 1},
          {"concurrency", 1},
          {"queue_capacity", nullptr},
          {"service_time", {{"dist", "exponential"}, {"mean", "20ms"}}}}}}});
  return path;
}

double p99_ms(int c) { return archsim::theory::mmc_sojourn_quantile(c, kLambda, kMu, 0.99) * 1000; }

}  // namespace

TEST_CASE("plan: the smallest M/M/c worker count whose Erlang C p99 meets the target") {
  const double target_ms = 110;
  int expected = 0;
  for (int c = 1; c <= 16 && expected == 0; ++c)
    if (c * kMu > kLambda && p99_ms(c) <= target_ms) expected = c;
  REQUIRE(expected > 1);
  // The answer is clear-cut: the one below misses by more than noise, the answer passes with room.
  REQUIRE(p99_ms(expected - 1) > 1.08 * target_ms);
  REQUIRE(p99_ms(expected) < 0.92 * target_ms);
  const fs::path out = scratch_dir("plan-mmc-out");
  auto r = run_archsim({"plan", mmc_scenario(), "--slo", "p99=110ms", "--search", "web.concurrency=1..16", "--replications",
                        "3", "--threads", "2", "--quiet", "--out", out.string()},
                       240);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  INFO(r.out);
  CHECK(r.out.find("cheapest configuration meeting the SLO: web.concurrency=" + std::to_string(expected) + " ") !=
        std::string::npos);
  const auto plan = nlohmann::json::parse(read_text((out / "plan.json").string()));
  REQUIRE(plan["cheapest"].is_object());
  CHECK(plan["cheapest"]["set"]["web.concurrency"] == expected);
  CHECK(plan["cheapest"]["p99_ms_hi"].get<double>() <= target_ms);
  // Monotonicity prunes: a binary search, not all 16 configurations.
  CHECK(plan["configurations_run"].get<int>() <= 6);
  CHECK(plan["grid_size"] == 16);
  // Every configuration run below the answer missed, every one from it up met.
  for (const auto& e : plan["evaluated"]) {
    INFO(e.dump());
    CHECK(e["meets_slo"].get<bool>() == (e["set"]["web.concurrency"].get<int>() >= expected));
  }
  CHECK(!plan["pareto"].empty());
  // The configurations not run carry the verdict monotonicity gives them.
  CHECK(plan["pruned"].size() + plan["evaluated"].size() == 16);
  for (const auto& e : plan["pruned"]) {
    INFO(e.dump());
    const int c = e["set"]["web.concurrency"].get<int>();
    if (!e["meets_slo"].is_null()) CHECK(e["meets_slo"].get<bool>() == (c >= expected));
  }
  // The page: the answer named, the chart inline, every configuration run in the table.
  const std::string page = read_text((out / "report.html").string());
  REQUIRE(!page.empty());
  CHECK(page.find("The cheapest configuration meeting the SLO: <strong>web.concurrency=" + std::to_string(expected) +
                  "</strong>") != std::string::npos);
  CHECK(page.find("<svg") != std::string::npos);
  CHECK(page.find("cheapest: web.concurrency=" + std::to_string(expected) + "</text>") != std::string::npos);
  for (const auto& e : plan["evaluated"])
    CHECK(page.find("<td>web.concurrency=" + e["set"]["web.concurrency"].dump()) != std::string::npos);
  CHECK(page.find("SLO p99 110 ms") != std::string::npos);
}

TEST_CASE("plan: an SLO no configuration meets says so with the best found, exit 2") {
  const fs::path out = scratch_dir("plan-unmet-out");
  auto r = run_archsim({"plan", mmc_scenario(), "--slo", "p99=5ms", "--search", "web.concurrency=1..16", "--quiet", "--out",
                        out.string()},
                       120);
  INFO(describe(r));
  CHECK(r.exit_code == 2);
  const auto err = lines(r.err);
  REQUIRE(err.size() == 1);
  CHECK(err[0].find("no configuration of the search meets the SLO") != std::string::npos);
  CHECK(err[0].find("web.concurrency=16") != std::string::npos);
  const auto plan = nlohmann::json::parse(read_text((out / "plan.json").string()));
  CHECK(plan["cheapest"].is_null());
  CHECK(plan["best_found"]["set"]["web.concurrency"] == 16);
  CHECK(plan["configurations_run"] == 1);  // the largest failed: by monotonicity nothing smaller can pass
  // The page says so and names the best found.
  const std::string page = read_text((out / "report.html").string());
  CHECK(page.find("No configuration of the search meets the SLO. The best found: <strong>web.concurrency=16</strong>") !=
        std::string::npos);
}

TEST_CASE("plan: bad input is one line and exit 2") {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--slo", "p99=100ms", "--search", "web.concurrency=5..3"}, "empty range (5 > 3)"},
      {{"--slo", "p99=100ms", "--search", "web.concurrenzy=1..4"}, "concurrenzy"},
      {{"--slo", "p99=100ms", "--search", "web.concurrency=1..x"}, "expected LO..HI with whole numbers"},
      {{"--slo", "p98=100ms", "--search", "web.concurrency=1..4"}, "unknown objective \"p98\""},
      {{"--slo", "availability=1.5", "--search", "web.concurrency=1..4"}, "expected a fraction in (0, 1]"},
      // Lists are of whole numbers only (no order to search non-numbers by): refused, not guessed.
      {{"--slo", "p99=100ms", "--search", "web.concurrency=1.5,2"}, "web.concurrency=1.5: expected a whole number"},
      {{"--slo", "p99=100ms", "--search", "web.service_time.mean=20ms,10ms"}, "expected a whole number or a range"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"plan", mmc_scenario(), "--quiet", "--out", scratch_dir("plan-bad")};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_archsim(args, 60);
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    const auto err = lines(r.err);
    REQUIRE(err.size() == 1);
    CHECK(err[0].find(c.says) != std::string::npos);
  }
}
