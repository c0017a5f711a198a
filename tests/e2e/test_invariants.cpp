// Laws that hold for any correct run, whatever the model: Little's law per component and
// end to end, the utilization law, conservation of requests, determinism (same seed, same
// summary, whatever the thread count), and the shipped scenarios being valid.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/e2e/checks.h"
#include "tests/e2e/run_archsim.h"

using archsim::e2e::at;
using archsim::e2e::basic_scenario;
using archsim::e2e::check_close;
using archsim::e2e::has;
using archsim::e2e::num;
using archsim::e2e::run_archsim;
using archsim::e2e::run_summary;
using archsim::e2e::without_run;
using nlohmann::json;

namespace {

// Equal outside "run"; on failure, shows the JSON patch from a to b.
void check_same_summary(const json& a, const json& b) {
  const json x = without_run(a), y = without_run(b);
  const bool same = x.dump() == y.dump();
  INFO("differences (JSON patch): ", same ? std::string() : json::diff(x, y).dump().substr(0, 3000));
  CHECK(same);
}

// Requests sent before the measured window opened and still in flight then; they end
// inside it. Engines that count the whole run report none.
double in_flight_at_warmup(const json& s) {
  return has(s, "requests.in_flight_at_warmup") ? num(s, "requests.in_flight_at_warmup") : 0.0;
}

}  // namespace

TEST_CASE("Little's law on the web tier, per component and end to end") {
  // L = lambda W holds for any stable system, so the time-average number in system must
  // equal throughput times mean latency. Both sides are measured over the same window, so
  // they differ only by requests straddling its ends (~W/T, here < 0.01%) and the
  // histogram's 1% bucket error: 3% is generous, and an engine whose in_system leaves out
  // the requests waiting in queue (or those waiting for a downstream reply) misses by
  // far more (the web tier spends more than half of each request's time in its database call).
  const auto s = run_summary(basic_scenario("web-tier.json"), {"--set", "duration=5m", "--seed", "71"});
  CHECK(num(s, "requests.failed") == 0);
  for (const std::string id : {"web", "db"}) {
    CAPTURE(id);
    const std::string c = "components." + id + ".";
    const double x = num(s, c + "throughput_rps"), w = num(s, c + "latency_ms.mean") / 1e3;
    check_close("in_system vs throughput x latency", num(s, c + "in_system"), x * w, 0.03, 0.01);
    CHECK(num(s, c + "queue_length") <= num(s, c + "in_system"));
  }
  // One database call per web request.
  check_close("db throughput vs web throughput", num(s, "components.db.throughput_rps"),
              num(s, "components.web.throughput_rps"), 0.01);
  check_close("client throughput vs web throughput", num(s, "throughput_rps"), num(s, "components.web.throughput_rps"),
              0.01);
  // Utilization law at the database: U = X E[S] / c, E[S] = 0.8 x 3 ms + 0.2 x 8 ms = 4 ms,
  // c = 6 (the route mix and the work draws average out to well under 1% in 270k requests).
  check_close("db utilization vs X S / c", num(s, "components.db.utilization"),
              num(s, "components.db.throughput_rps") * 0.004 / 6, 0.03);
  check_close("browse share", num(s, "routes.browse.requests") / num(s, "requests.total"), 0.8, 0.01);

  // End to end: the client sees the web tier's latency plus the 5 ms link each way.
  const double e2e_ms = num(s, "latency_ms.mean"), web_ms = num(s, "components.web.latency_ms.mean");
  check_close("client latency vs web latency + 2 x 5 ms", e2e_ms, web_ms + 10.0, 0.02, 0.2);
  // Route steps: checkout does (4 + 8 + 2) ms of work against browse's (2 + 3 + 1) ms, and
  // both wait in the same FIFO queues, so their means differ by 8 ms.
  check_close("checkout - browse latency",
              num(s, "routes.checkout.latency_ms.mean") - num(s, "routes.browse.latency_ms.mean"), 8.0, 0.10,
              0.01 * e2e_ms * 2);
  // Little end to end: requests in flight at the client = in the web tier + on the wire.
  const double x = num(s, "throughput_rps");
  const double in_flight_end_to_end = x * e2e_ms / 1e3;
  check_close("end-to-end L vs web in_system + requests on the links", in_flight_end_to_end,
              num(s, "components.web.in_system") + x * 0.010, 0.03, 0.01);
  // At the client, in flight = sent and not yet ended: the same L, measured where it starts.
  check_close("client in_system vs throughput x latency", num(s, "components.users.in_system"), in_flight_end_to_end,
              0.03, 0.01);
}

TEST_CASE("conservation: every request ends exactly once, ok or failed with a cause") {
  // Three web replicas (~78% busy) with queues of 3 and a 40 ms client timeout: some
  // requests find a full queue (rejected), some wait too long (timeout), most succeed.
  const auto s =
      run_summary(basic_scenario("web-tier.json"), {"--set", "web.replicas=3", "--set", "web.queue_capacity=3", "--set",
                                                    "users.timeout=40ms", "--set", "duration=90s", "--seed", "81"});
  const auto& r = at(s, "requests");
  INFO("requests = ", r.dump());
  const double total = num(s, "requests.total"), ok = num(s, "requests.ok"), failed = num(s, "requests.failed");
  CHECK(total == ok + failed);
  // Counts cover the measured window: what was sent in it plus what was already in flight
  // when it opened either ended in it (total) or is still in flight at the end.
  CHECK(num(s, "requests.sent") + in_flight_at_warmup(s) == total + num(s, "requests.in_flight"));
  CHECK(num(s, "requests.in_flight") >= 0);
  double by_cause = 0;
  for (const auto& item : at(s, "requests.by_cause").items()) {
    const std::string cause = item.key();  // named, not a binding: CAPTURE's lambda takes it (clang < 16)
    const auto& n = item.value();
    CAPTURE(cause);
    CHECK(n.get<double>() >= 0);
    by_cause += n.get<double>();
  }
  CHECK(by_cause == failed);
  CHECK(ok > 0);
  CHECK(failed > 0);
  CHECK(num(s, "requests.by_cause.timeout") > 0);
  CHECK(num(s, "requests.by_cause.rejected") > 0);
  CHECK(num(s, "availability") == doctest::Approx(ok / total).epsilon(1e-5));  // printed to 6 digits
  double route_requests = 0;
  for (const auto& [name, route] : at(s, "routes").items()) route_requests += route.at("requests").get<double>();
  CHECK(route_requests == total);
}

TEST_CASE("conservation without failures: an unloaded M/M/1 loses nothing") {
  const auto s = run_summary(basic_scenario("mm1.json"), {"--set", "duration=5m", "--seed", "82"});
  CHECK(num(s, "requests.failed") == 0);
  CHECK(num(s, "requests.total") == num(s, "requests.ok"));
  CHECK(num(s, "requests.sent") + in_flight_at_warmup(s) == num(s, "requests.total") + num(s, "requests.in_flight"));
  CHECK(num(s, "availability") == 1.0);
}

TEST_CASE("determinism: the same seed gives the same summary") {
  const auto a = run_summary(basic_scenario("mm1.json"), {"--set", "duration=10m", "--seed", "5"});
  const auto b = run_summary(basic_scenario("mm1.json"), {"--set", "duration=10m", "--seed", "5"});
  CHECK(num(a, "seed") == 5);
  check_same_summary(a, b);
  const auto c = run_summary(basic_scenario("mm1.json"), {"--set", "duration=10m", "--seed", "6"});
  CHECK(num(c, "seed") == 6);
  CHECK(num(a, "latency_ms.mean") != num(c, "latency_ms.mean"));
}

TEST_CASE("determinism: replications give the same summary on 1 and 2 threads") {
  const auto one = run_summary(basic_scenario("web-tier.json"),
                               {"--set", "duration=2m", "--replications", "4", "--threads", "1", "--seed", "9"});
  const auto two = run_summary(basic_scenario("web-tier.json"),
                               {"--set", "duration=2m", "--replications", "4", "--threads", "2", "--seed", "9"});
  CHECK(num(one, "replications") == 4);
  check_same_summary(one, two);
  REQUIRE(one.contains("ci95"));
  CHECK(one.at("ci95").contains("latency_ms.p99"));
}

TEST_CASE("run --out writes summary.json (same as --json) and timeseries.csv") {
  namespace fs = std::filesystem;
  const std::string dir = archsim::e2e::scratch_dir("out");
  const auto r =
      run_archsim({"run", basic_scenario("mm1.json"), "--set", "duration=5m", "--seed", "3", "--out", dir, "--quiet"});
  REQUIRE_MESSAGE(r.exit_code == 0, archsim::e2e::describe(r));
  CHECK_FALSE(r.out.empty());  // the terminal table
  REQUIRE(fs::exists(fs::path(dir) / "summary.json"));
  std::ifstream in(fs::path(dir) / "summary.json");
  const json from_file = json::parse(in);
  const auto from_stdout = run_summary(basic_scenario("mm1.json"), {"--set", "duration=5m", "--seed", "3"});
  check_same_summary(from_file, from_stdout);
  REQUIRE(fs::exists(fs::path(dir) / "timeseries.csv"));
  std::ifstream csv(fs::path(dir) / "timeseries.csv");
  std::string header, row;
  std::getline(csv, header);
  CHECK(header == "time_s,component,metric,value");
  REQUIRE(std::getline(csv, row));
  CHECK(std::count(row.begin(), row.end(), ',') == 3);
}

TEST_CASE("shipped basic scenarios are valid and say what they teach") {
  namespace fs = std::filesystem;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(archsim::e2e::source_path("scenarios/basics"))) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    const std::string file = entry.path().string();
    CAPTURE(file);
    std::ifstream in(entry.path());
    const json j = json::parse(in);
    CHECK(j.at("name").get<std::string>() == entry.path().stem().string());
    CHECK(j.at("description").get<std::string>().size() >= 80);
    const auto r = run_archsim({"validate", file});
    CHECK_MESSAGE(r.exit_code == 0, archsim::e2e::describe(r));
  }
  CHECK(count >= 6);
}

TEST_CASE("a run covers [0, duration): nothing happens at the end instant itself") {
  // Constant arrivals every 100 ms from t = 100 ms, 1 ms of work, a 10 s run: the arrivals
  // at 0.1 s ... 9.9 s are the run's, 99 of them, each answered before the end. An engine
  // that also acts at t = 10 s sends a 100th request that nothing can answer, and puts it in
  // the last window.
  json doc = json::parse(R"({"name": "end-instant", "seed": 1, "duration": "10s", "window": "1s",
    "network": {"latency": "0ms"},
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"process": "constant", "rate": 10},
       "routes": [{"name": "get", "weight": 1}], "timeout": "60s"},
      {"id": "web", "type": "service", "replicas": 1, "concurrency": 4,
       "service_time": {"dist": "constant", "value": "1ms"}}]})");
  const json s = run_summary(archsim::e2e::write_scenario("end-instant", doc), {});
  CHECK(num(s, "components.users.sent") == 99);
  CHECK(num(s, "components.users.ok") == 99);
}
