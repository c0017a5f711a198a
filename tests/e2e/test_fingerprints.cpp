// Golden fingerprints (OMNeT++'s fingerprint tests): every shipped scenario, run for the
// duration tests/golden/fingerprints.json gives it, must hash the same stream of component
// events as when the golden value was recorded. A speed change keeps every value; a change
// of behaviour moves some, and the commit that means it updates them
// (tests/golden/update_fingerprints.py) and says why.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::parse_summary;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;
using nlohmann::json;

namespace {
json golden() {
  std::ifstream in(source_path("tests/golden/fingerprints.json"));
  return json::parse(in);
}
}  // namespace

TEST_CASE("every shipped scenario has a golden fingerprint") {
  const json g = golden();
  std::set<std::string> listed;
  for (const auto& [k, v] : g.items()) listed.insert(k);
  for (const auto& dir : std::filesystem::directory_iterator(source_path("scenarios"))) {
    if (!dir.is_directory()) continue;
    for (const auto& f : std::filesystem::directory_iterator(dir.path())) {
      if (f.path().extension() != ".json") continue;
      const std::string rel = "scenarios/" + dir.path().filename().string() + "/" + f.path().filename().string();
      INFO(rel, " has no entry in tests/golden/fingerprints.json");
      CHECK(listed.count(rel) == 1);
    }
  }
}

TEST_CASE("golden fingerprints of the shipped scenarios") {
  const json g = golden();
  for (const auto& [scenario, entry] : g.items()) {
    SUBCASE(scenario.c_str()) {
      std::vector<std::string> args{"run", source_path(scenario), "--set", "duration=" + entry["duration"].get<std::string>(),
                                    "--json", "--quiet", "--no-report", "--out", scratch_dir("fingerprint")};
      if (entry.contains("set"))
        for (const auto& s : entry["set"]) args.insert(args.end(), {"--set", s.get<std::string>()});
      const auto r = run_archsim(args);
      const json s = parse_summary(r);
      INFO(describe(r));
      INFO("a moved fingerprint means the run behaves differently; if that is meant, update the golden value in the "
           "same commit (tests/golden/update_fingerprints.py) and say why");
      CHECK(s["run"]["fingerprint"].get<std::string>() == entry["fingerprint"].get<std::string>());
    }
  }
}

TEST_CASE("the fingerprint moves when behaviour does, and only then") {
  // Same scenario and seed: same fingerprint. Another seed, or one more replica: another.
  auto fp = [](std::vector<std::string> extra) {
    std::vector<std::string> args{"run", source_path("scenarios/basics/web-tier.json"), "--set", "duration=1m", "--json",
                                  "--quiet", "--no-report", "--out", scratch_dir("fingerprint")};
    args.insert(args.end(), extra.begin(), extra.end());
    return parse_summary(run_archsim(args))["run"]["fingerprint"].get<std::string>();
  };
  const std::string base = fp({});
  CHECK(base.size() == 16);
  CHECK(fp({}) == base);
  CHECK(fp({"--threads", "2"}) == base);
  CHECK(fp({"--seed", "2"}) != base);
  CHECK(fp({"--set", "web.replicas=7"}) != base);
}
