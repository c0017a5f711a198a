// The architecture as a diagram: `archsim graph` labels each call with its route, timeout,
// resilience policy and link latency, a balancer with its algorithm; `archsim run` writes the
// same graph as topology.dot and its report.html shows it inline as an SVG drawn by graphviz,
// with every name escaped (ids may hold any character but "->").
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/e2e/run_archsim.h"

namespace fs = std::filesystem;
using archsim::e2e::describe;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;

namespace {

bool dot_installed() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("graph labels each call with its route, timeout, policy and link, and a balancer with its algorithm") {
  auto r = run_archsim({"graph", source_path("scenarios/failures/cascade-protected.json")});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  // users -> api: the request mix and the client's timeout; api -> payment on route pay: the
  // step's own route, timeout, breaker and bulkhead of 4.
  CHECK(r.out.find("browse 85%, pay 15%\\ntimeout 3 s") != std::string::npos);
  CHECK(r.out.find("route charge, timeout 500 ms, breaker, bulkhead 4") != std::string::npos);

  auto lb = run_archsim({"graph", source_path("scenarios/balancing/slow-server.json"), "--set", "lb.algorithm=least_connections"});
  INFO(describe(lb));
  REQUIRE(lb.exit_code == 0);
  CHECK(lb.out.find("balancer\\nleast_connections") != std::string::npos);

  // A link with its own latency is labelled with it.
  nlohmann::json doc = nlohmann::json::parse(archsim::e2e::read_text(archsim::e2e::basic_scenario("mm1.json")));
  doc["links"] = nlohmann::json::array({{{"from", "users"}, {"to", "web"}, {"latency", "25ms"}}});
  auto linked = run_archsim({"graph", archsim::e2e::write_scenario("linked", doc)});
  INFO(describe(linked));
  REQUIRE(linked.exit_code == 0);
  CHECK(linked.out.find("link 25 ms") != std::string::npos);
  CHECK(linked.out.find("breaker") == std::string::npos);  // no policy, none drawn
}

TEST_CASE("the run report shows the architecture inline, with every name escaped") {
  nlohmann::json doc = nlohmann::json::parse(archsim::e2e::read_text(archsim::e2e::basic_scenario("mm1.json")));
  const std::string odd = "web <b>&\"x\" 'y'";
  doc["components"][0]["target"] = odd;
  doc["components"][1]["id"] = odd;
  doc["duration"] = "2m";
  const std::string scenario = archsim::e2e::write_scenario("odd-names", doc);
  const std::string out = scratch_dir("topology-report");
  auto r = run_archsim({"run", scenario, "--out", out, "--quiet"}, 60);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(fs::exists(fs::path(out) / "topology.dot"));
  const std::string page = archsim::e2e::read_text((fs::path(out) / "report.html").string());
  // The markup, without the inlined scripts (the charting library writes "<b>" itself): the
  // name never appears as a tag; in the charts' JSON it is \u003c-escaped.
  std::string markup = page;
  for (auto at = markup.find("<script"); at != std::string::npos; at = markup.find("<script", at))
    markup.erase(at, markup.find("</script>", at) + 9 - at);
  CHECK(markup.find("<b>") == std::string::npos);
  if (markup.size() != page.size()) CHECK(page.find("web \\u003cb\\u003e\\u0026") != std::string::npos);
  const nlohmann::json topology = archsim::e2e::page_data(page)["topology"];
  if (!dot_installed()) {
    CHECK(topology["error"] == "no_dot");
    return;
  }
  const std::string fig = topology["svg"];
  CHECK(fig.find("<svg") == 0);
  CHECK(fig.find("web &lt;b&gt;&amp;") != std::string::npos);
  CHECK(fs::exists(fs::path(out) / "topology.svg"));

  // Without graphviz the page says so in one line and the rest is written.
  const std::string bare = scratch_dir("topology-nodot");
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  setenv("PATH", "/nonexistent", 1);
  auto n = run_archsim({"run", scenario, "--out", bare, "--quiet"}, 60);
  setenv("PATH", saved.c_str(), 1);
  CHECK(n.exit_code == 0);
  const std::string plain = archsim::e2e::read_text((fs::path(bare) / "report.html").string());
  CHECK(archsim::e2e::page_data(plain)["topology"]["error"] == "no_dot");
  CHECK(!fs::exists(fs::path(bare) / "topology.svg"));
}
