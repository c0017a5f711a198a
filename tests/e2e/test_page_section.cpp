// What a family declares the page should show of its components (sim/page_section.h, each
// family's page.cpp), checked on real runs of the shipped data-tier scenarios: every store
// declares a section; each panel has a title and series, and the panels draw something of
// what the run recorded (a declaration naming no series the family writes would leave its
// section empty); the headlines compare plots are figures the summary holds, and most of
// the others are. A family that is not a store (functions, autoscalers, balancers, services'
// connections and wasted work, clients' counters) names the page's section its components go
// in. The page's drawing of them is checked in a browser by tools/test.sh.
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::read_text;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;
using nlohmann::json;

namespace {

// The series timeseries.csv holds, by component.
std::map<std::string, std::set<std::string>> series_of(const std::string& csv) {
  std::map<std::string, std::set<std::string>> out;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto a = line.find(','), b = line.find(',', a + 1), c = line.find(',', b + 1);
    if (c == std::string::npos) continue;
    out[line.substr(a + 1, b - a - 1)].insert(line.substr(b + 1, c - b - 1));
  }
  return out;
}

bool matches(const std::string& spec, const std::string& name) {
  if (spec.size() > 2 && spec.front() == '/' && spec.back() == '/')
    return std::regex_search(name, std::regex(spec.substr(1, spec.size() - 2)));
  return spec == name;
}

// How many of a declared page's panels name a series component `id` recorded.
int panels_drawn(const json& page, const std::map<std::string, std::set<std::string>>& recorded, const std::string& id) {
  int drawn = 0;
  for (const json& p : page["panels"]) {
    bool any = false;
    for (const json& spec : p["series"])
      for (const std::string& m : recorded.count(id) ? recorded.at(id) : std::set<std::string>{})
        any = any || matches(spec.get<std::string>(), m);
    drawn += any;
  }
  return drawn;
}

// A dotted path of the component's summary ("replication_lag_ms.p99").
const json* at_path(const json& c, const std::string& path) {
  const json* j = &c;
  std::size_t i = 0;
  while (i <= path.size()) {
    const std::size_t dot = std::min(path.find('.', i), path.size());
    const std::string key = path.substr(i, dot - i);
    if (!j->is_object() || !j->contains(key)) return nullptr;
    j = &(*j)[key];
    i = dot + 1;
  }
  return j;
}

}  // namespace

TEST_CASE("page sections: each data store declares its section, with panels that draw what the run recorded") {
  const std::map<std::string, std::string> runs = {{"caching/stampede.json", "cache"},
                                                    {"databases/failover.json", "database"},
                                                    {"queues/consumer-lag.json", "queue"},
                                                    {"edge/video-cdn.json", "cdn"}};
  for (const auto& [file, type] : runs) {
    const std::string& scenario = file;  // clang 14 captures no structured binding
    CAPTURE(scenario);
    const std::string out = scratch_dir("page-section") + "/out";
    auto r = run_archsim({"run", source_path("scenarios/" + file), "--set", "duration=150s", "--set", "warmup=30s", "--quiet",
                          "--no-report", "--out", out});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    const json s = json::parse(read_text(out + "/summary.json"));
    const auto recorded = series_of(read_text(out + "/timeseries.csv"));
    int stores = 0;
    for (const auto& [id, c] : s["components"].items()) {
      const std::string& name = id;  // clang 14 captures no structured binding
      CAPTURE(name);
      if (c["type"] != type) {
        // Only the data stores are in the data tier here: another family's page names its section.
        if (c.contains("page")) CHECK(c["page"].contains("section"));
        continue;
      }
      ++stores;
      REQUIRE(c.contains("page"));
      const json& page = c["page"];
      REQUIRE(page["panels"].is_array());
      CHECK(!page["panels"].empty());
      for (const json& p : page["panels"]) {
        CHECK(!p["title"].get<std::string>().empty());
        REQUIRE(!p["series"].empty());
      }
      CHECK(panels_drawn(page, recorded, id) >= 2);
      // A headline may be a figure written only when it has something to say (Figures::Show::
      // IfAny): the page leaves it out then. Those plotted against a varied number are always there.
      int compared = 0, present = 0;
      for (const json& h : page["headlines"]) {
        CAPTURE(h.dump());
        const bool here = at_path(c, h["figure"]) != nullptr;
        present += here;
        if (h.value("compare", false)) {
          ++compared;
          CHECK(here);
        }
      }
      CHECK(compared >= 1);
      CHECK(present * 2 >= static_cast<int>(page["headlines"].size()));
    }
    CHECK(stores >= 1);
  }
}

TEST_CASE("page sections: a family that is not a data store names the section its components go in") {
  // scenario, duration, and the components expected with the section each goes in; their
  // panels must draw something the run recorded.
  struct Run {
    std::string file, duration;
    std::map<std::string, std::string> sections;
  };
  const std::vector<Run> runs = {
      {"serverless/cold-starts.json", "35m", {{"fn", "functions"}}},
      {"autoscaling/vpa-rightsizing.json", "10m", {{"api-vpa", "autoscaling"}, {"api-hpa", "autoscaling"}}},
      {"balancing/backend-failure.json", "6m", {{"lb", "balancing"}}},
      {"realtime/websocket-reconnect-storm.json", "41m", {{"chat", "connections"}, {"browsers", "connections"}}},
      {"operations/access-log-counters.json", "4m", {{"users", "business"}}},
      {"metastability/retry-storm.json", "40s", {{"primary", "resilience"}}},
  };
  for (const Run& run : runs) {
    CAPTURE(run.file);
    const std::string out = scratch_dir("page-section-named") + "/out";
    std::vector<std::string> args{"run", source_path("scenarios/" + run.file), "--set", "duration=" + run.duration, "--quiet",
                                  "--no-report", "--out", out};
    auto r = run_archsim(args);
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    const json s = json::parse(read_text(out + "/summary.json"));
    const auto recorded = series_of(read_text(out + "/timeseries.csv"));
    for (const auto& [id, section] : run.sections) {
      const std::string& name = id;  // clang 14 captures no structured binding
      CAPTURE(name);
      REQUIRE(s["components"].contains(id));
      const json& c = s["components"][id];
      REQUIRE(c.contains("page"));
      const json& page = c["page"];
      REQUIRE(page.contains("section"));
      CHECK(page["section"]["id"] == section);
      CHECK(!page["section"]["title"].get<std::string>().empty());
      CHECK(panels_drawn(page, recorded, id) >= 1);
    }
    // The stores name none: they stay in the data tier.
    for (const auto& [id, c] : s["components"].items())
      if (c.contains("page") && !run.sections.count(id)) CHECK_FALSE(c["page"].contains("section"));
  }
}
