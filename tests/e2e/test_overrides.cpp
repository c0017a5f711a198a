// What a what-if changed, said where a reader looks: --set before or after the scenario file
// (and --set=PATH=VALUE) for every command that takes it, recorded in summary.json's
// run.overrides, in compare.json per variant and in the page's header.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e;
using nlohmann::json;

TEST_CASE("overrides: --set before or after the file, and --set=, recorded in run.overrides, compare.json and the page") {
  const std::string mm1 = source_path("scenarios/basics/mm1.json");
  const std::vector<std::string> want = {"duration=2m", "warmup=0", "users.arrivals.rate=40"};
  json first;
  const std::vector<std::vector<std::string>> forms = {
      {"run", "--set", "duration=2m", "--set", "warmup=0", "--set", "users.arrivals.rate=40", mm1},
      {"run", mm1, "--set", "duration=2m", "--set", "warmup=0", "--set", "users.arrivals.rate=40"},
      {"run", "--set=duration=2m", mm1, "--set=warmup=0", "--set", "users.arrivals.rate=40"},
  };
  for (const auto& form : forms) {
    std::vector<std::string> args = form;
    const std::string out = scratch_dir("overrides");
    args.insert(args.end(), {"--quiet", "--out", out});
    const auto r = run_archsim(args);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const json s = json::parse(read_text(out + "/summary.json"));
    CHECK(at(s, "run.overrides") == json(want));
    // The terminal says them under the run's first line, before any figure.
    CHECK(r.out.find("\nwith --set duration=2m  --set warmup=0  --set users.arrivals.rate=40\n") != std::string::npos);
    CHECK(num(s, "duration_s") == 120);
    if (first.is_null()) first = without_run(s);
    else CHECK(without_run(s) == first);  // the same run whichever side the flags are on
    // The page's header reads them from its data block (reports/page/run_head.js).
    CHECK(at(page_data(read_text(out + "/report.html")), "summary.run.overrides") == json(want));
  }
  // Without --set: an empty list.
  const json small = json::parse(R"({"name": "small", "duration": "10s", "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 5}},
      {"id": "web", "type": "service", "service_time": "10ms"}]})");
  CHECK(at(run_summary(write_scenario("no-overrides", small), {}), "run.overrides") == json::array());

  // compare: the common --set and each variant's --vary, in order, per variant and in each
  // variant's summary.json; the flags before the file work here too.
  const std::string out = scratch_dir("overrides-compare");
  const auto r = run_archsim({"compare", "--set", "duration=1m", "--vary", "users.arrivals.rate=40,60", mm1,
                              "--set=warmup=0", "--quiet", "--out", out});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const json c = json::parse(read_text(out + "/compare.json"));
  CHECK(c.at("overrides") == json({"duration=1m", "warmup=0"}));
  REQUIRE(c.at("variants").size() == 2);
  CHECK(c["variants"][1].at("overrides") == json({"duration=1m", "warmup=0", "users.arrivals.rate=60"}));
  CHECK(at(c["variants"][1]["summary"], "run.overrides") == c["variants"][1]["overrides"]);
  const json v2 = json::parse(read_text(out + "/variant-2/summary.json"));
  CHECK(at(v2, "run.overrides") == c["variants"][1]["overrides"]);
  CHECK(at(page_data(read_text(out + "/report.html")), "compare.overrides") == c["overrides"]);
  CHECK(at(page_data(read_text(out + "/report.html")), "compare.variants")[1].at("overrides") == c["variants"][1]["overrides"]);
  CHECK(at(page_data(read_text(out + "/variant-2/report.html")), "summary.run.overrides") == c["variants"][1]["overrides"]);

  // plan takes --set before the file too.
  const auto p = run_archsim({"plan", "--set", "duration=1m", "--set", "warmup=0", basic_scenario("mmc.json"), "--slo",
                              "p99=200ms", "--search", "web.concurrency=1..4", "--replications", "1", "--quiet", "--no-report",
                              "--out", scratch_dir("overrides-plan")},
                             300);
  INFO(describe(p));
  CHECK(p.exit_code == 0);
}

