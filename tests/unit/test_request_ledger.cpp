#include <doctest/doctest.h>

#include "scenario/errors.h"
#include "scenario/population.h"
#include "sim/request_ledger.h"

using namespace archsim;

namespace {
RequestInfo request(std::uint32_t route, Time start) {
  RequestInfo r;
  r.route = static_cast<std::uint16_t>(route);
  r.start = start;
  return r;
}

// A client as the ledger expects one (BuildContext::end_to_end_latency): its latency
// histogram, with series, records what it ends with Status::Ok, a windowed one every other
// request it ends, and it tells the ledger. Component index `index`.
struct FakeClient {
  Metrics& m;
  RequestLedger& ledger;
  HistogramId latency, other;
  std::uint32_t index;
  FakeClient(Metrics& metrics, RequestLedger& l, std::uint32_t i = 0)
      : m(metrics), ledger(l), latency(m.histogram("users", "latency", "latency")),
        other(m.windowed_histogram("users", "other")), index(i) {
    ledger.latency_source(i, latency, other);
  }
  void ended(const RequestInfo& req, Status status, Time now) {
    m.record(status == Status::Ok ? latency : other, now - req.start);
    ledger.ended(req, status, now, index);
  }
};
const std::vector<std::string> kCauses = {"ok", "timeout", "rejected", "error", "unavailable", "dropped", "degraded"};

const Series* series(const Metrics& m, const std::string& component, const std::string& metric) {
  for (const Series& s : m.series())
    if (s.component == component && s.metric == metric) return &s;
  return nullptr;
}
}  // namespace

TEST_CASE("request ledger: routes by name, outcomes by cause, latency of answered requests only") {
  Metrics m(10 * kSecond, 0);
  RequestLedger ledger(m, kCauses);
  FakeClient client(m, ledger);
  const std::uint32_t home = ledger.route_index("home");
  const std::uint32_t buy = ledger.route_index("buy");
  CHECK(ledger.route_index("home") == home);  // a name seen again keeps its index
  CHECK(ledger.route_count() == 2);
  CHECK(ledger.route_name(buy) == "buy");
  for (int i = 0; i < 4; ++i) ledger.sent();
  client.ended(request(home, 0), Status::Ok, 30 * kMillisecond);
  client.ended(request(home, kSecond), Status::Ok, kSecond + 10 * kMillisecond);
  client.ended(request(buy, 0), Status::Timeout, 2 * kSecond);  // a failure: no latency recorded
  m.close_window(10 * kSecond);
  RunResult r;
  ledger.fill(r);
  CHECK(r.sent == 4);
  CHECK(r.sent_whole_run == 4);
  CHECK(r.in_flight == 1);  // sent = ended + in flight
  REQUIRE(r.routes.size() == 2);
  CHECK(r.routes[0].name == "home");
  CHECK(r.routes[0].outcomes.ok() == 2);
  CHECK(r.routes[1].outcomes.by_status[static_cast<int>(Status::Timeout)] == 1);
  CHECK(r.outcomes.total() == 3);
  CHECK(r.outcomes.failed() == 1);
  CHECK(r.latency.count == 2);
  CHECK(r.routes[0].latency.mean == doctest::Approx(20.0).epsilon(0.02));  // (30 + 10) / 2 ms
  CHECK(r.routes[1].latency.count == 0);
  // Every request that ended, the timeout at its 2 s: three values, the largest 2000 ms.
  CHECK(r.latency_all.count == 3);
  CHECK(r.latency_all.max == doctest::Approx(2000.0));
  CHECK(r.routes[1].latency_all.count == 1);
  CHECK(r.routes[1].latency_all.max == doctest::Approx(2000.0));
  CHECK(r.routes[0].latency_all.count == 2);
  REQUIRE(!r.latency_cdf.empty());
  CHECK(r.latency_cdf.back().second == doctest::Approx(1.0));
}

TEST_CASE("request ledger: the warm-up restarts the counts and keeps the requests in flight apart") {
  Metrics m(10 * kSecond, 5 * kSecond);
  RequestLedger ledger(m, {"ok", "timeout"});
  FakeClient client(m, ledger);
  const std::uint32_t home = ledger.route_index("home");
  for (int i = 0; i < 3; ++i) ledger.sent();
  client.ended(request(home, 0), Status::Ok, kSecond);
  m.reset_whole_run(5 * kSecond);
  ledger.end_warmup();  // two still in flight
  ledger.sent();
  client.ended(request(home, 4 * kSecond), Status::Ok, 6 * kSecond);
  m.close_window(10 * kSecond);
  RunResult r;
  ledger.fill(r);
  CHECK(r.sent == 1);
  CHECK(r.sent_whole_run == 4);
  CHECK(r.in_flight_at_warmup == 2);
  CHECK(r.in_flight == 2);
  CHECK(r.routes[0].outcomes.total() == 1);
  CHECK(r.latency.count == 1);
}

TEST_CASE("request ledger: a population counts the requests of its clients on its routes apart, with series of its own") {
  Metrics m(10 * kSecond, 0);
  RequestLedger ledger(m, kCauses);
  FakeClient api(m, ledger, 0), video(m, ledger, 1);
  const std::uint32_t page = ledger.route_index("page");
  const std::uint32_t segment = ledger.route_index("segment");
  RequestPopulation sel{"slo", "/slo/scope", {{"api", "/slo/scope/clients/0"}}, {{"page", "/slo/scope/routes/0"}}};
  const std::vector<std::string> ids = {"api", "video", "web"}, types = {"client", "client", "service"};
  const std::vector<char> ends = {1, 1, 0};
  const std::vector<std::string> routes = {ledger.route_name(0), ledger.route_name(1)};
  auto resolve = [&](const RequestPopulation& p) { return resolve_population(p, ids, types, ends, routes); };
  SUBCASE("names that are not a client or a route are refused where they are written") {
    RequestPopulation bad = sel;
    bad.clients = {{"web", "/slo/scope/clients/0"}};
    CHECK_THROWS_WITH_AS(resolve(bad), doctest::Contains("is a service, not a client"), ScenarioError);
    bad = sel;
    bad.routes = {{"pag", "/slo/scope/routes/0"}};
    CHECK_THROWS_WITH_AS(resolve(bad), doctest::Contains("did you mean \"page\""), ScenarioError);
    bad = sel;
    bad.series = "web";
    CHECK_THROWS_AS(resolve(bad), ScenarioError);
  }
  SUBCASE("member requests only") {
    ledger.set_population(resolve(sel));
    api.ended(request(page, 0), Status::Ok, 20 * kMillisecond);
    api.ended(request(page, 0), Status::Timeout, 500 * kMillisecond);
    api.ended(request(segment, 0), Status::Ok, 3 * kSecond);       // not its route
    video.ended(request(page, 0), Status::Ok, 4 * kSecond);        // not its client
    video.ended(request(segment, 0), Status::Error, 1 * kSecond);  // neither
    m.close_window(10 * kSecond);
    RunResult r;
    ledger.fill(r, ids);
    REQUIRE(r.population);
    CHECK(r.population->clients == std::vector<std::string>{"api"});
    CHECK(r.population->routes == std::vector<std::string>{"page"});
    CHECK(r.population->outcomes.total() == 2);
    CHECK(r.population->outcomes.ok() == 1);
    CHECK(r.population->latency.count == 1);
    CHECK(r.population->latency.max == doctest::Approx(20.0));
    // Its own distribution: the one answered request, at 20 ms.
    REQUIRE(r.population->latency_cdf.size() == 1);
    CHECK(r.population->latency_cdf[0].first == doctest::Approx(20.0).epsilon(0.01));
    CHECK(r.population->latency_cdf[0].second == 1.0);
    CHECK(r.population->latency_all.count == 2);
    CHECK(r.population->latency_all.max == doctest::Approx(500.0));
    REQUIRE(r.population->by_route.size() == 1);
    CHECK(r.population->by_route[0].outcomes.total() == 2);
    // Its series: one ok and one failed request in the 10 s window, the p99 of all of them
    // the timeout's 500 ms; the whole-run figures are every request's.
    CHECK(series(m, "slo", "throughput_rps")->values.at(0) == doctest::Approx(0.1));
    CHECK(series(m, "slo", "errors_rps")->values.at(0) == doctest::Approx(0.1));
    CHECK(series(m, "slo", "latency_all_p99_ms")->values.at(0) == doctest::Approx(500.0).epsilon(0.005));
    CHECK(series(m, "slo", "latency_p99_ms")->values.at(0) == doctest::Approx(20.0).epsilon(0.005));
    CHECK(series(m, "all", "latency_all_p99_ms")->values.at(0) == doctest::Approx(4000.0).epsilon(0.005));
    CHECK(r.outcomes.total() == 5);
    CHECK(r.latency_all.count == 5);
  }
}

TEST_CASE("request ledger: goodput in deadline counts the answers served within the client's timeout, or the SLO's latency") {
  // Two clients: index 0 with a 200 ms timeout, index 1 with none (every answer it is served
  // counts). Answers at 100 ms and 300 ms for each, a failure for client 0: in the first 10 s
  // window, client 0's 100 ms answer and both of client 1's are in time: 3 of 4 served.
  Metrics m(10 * kSecond, 0);
  RequestLedger ledger(m, kCauses);
  FakeClient a(m, ledger, 0), b(m, ledger, 1);
  CHECK(series(m, "all", "goodput_in_deadline_rps") == nullptr);  // no deadline yet: no series, nothing per request
  ledger.client_deadline(0, 200 * kMillisecond);
  ledger.client_deadline(1, 0);
  const std::uint32_t home = ledger.route_index("home");
  a.ended(request(home, 0), Status::Ok, 100 * kMillisecond);
  a.ended(request(home, 0), Status::Ok, 300 * kMillisecond);
  a.ended(request(home, 0), Status::Timeout, 200 * kMillisecond);
  b.ended(request(home, 0), Status::Ok, 100 * kMillisecond);
  b.ended(request(home, 0), Status::Ok, 300 * kMillisecond);
  // An SLO's latency (read after the clients, at Stage::Series) is every request's deadline.
  m.close_window(10 * kSecond);
  ledger.slo_deadline(150 * kMillisecond);
  a.ended(request(home, 10 * kSecond), Status::Ok, 10 * kSecond + 100 * kMillisecond);
  b.ended(request(home, 10 * kSecond), Status::Ok, 10 * kSecond + 160 * kMillisecond);
  m.close_window(20 * kSecond);
  const Series* s = series(m, "all", "goodput_in_deadline_rps");
  REQUIRE(s != nullptr);
  REQUIRE(s->values.size() == 2);
  CHECK(s->values[0] == doctest::Approx(0.3));  // 3 in 10 s
  CHECK(s->values[1] == doctest::Approx(0.1));  // client 1's 160 ms is late for the SLO's 150 ms
  const Series* ok = series(m, "all", "throughput_rps");
  REQUIRE(ok != nullptr);
  CHECK(ok->values[0] == doctest::Approx(0.4));  // every answer served, late or not
}

TEST_CASE("request ledger: each client's own latency CDF when there are several, from its whole-run histogram") {
  Metrics m(10 * kSecond, 0);
  RequestLedger ledger(m, kCauses);
  FakeClient api(m, ledger, 0), video(m, ledger, 1);
  const std::uint32_t home = ledger.route_index("home");
  // The API's answers take 1 to 100 ms, the video's 1 to 10 s; the API has three times as many.
  for (int i = 1; i <= 300; ++i) api.ended(request(home, 0), Status::Ok, i * kMillisecond / 3);
  for (int i = 1; i <= 100; ++i) video.ended(request(home, 0), Status::Ok, i * 100 * kMillisecond);
  video.ended(request(home, 0), Status::Timeout, 30 * kSecond);  // a failure: not in its curve
  m.close_window(10 * kSecond);
  RunResult r;
  ledger.fill(r, {"api", "video"});
  REQUIRE(r.client_cdfs.size() == 2);
  CHECK(r.client_cdfs[0].client == "api");
  CHECK(r.client_cdfs[1].client == "video");
  for (const ClientCdf& c : r.client_cdfs) {
    INFO(c.client);
    // One point per bucket of its histogram, cumulative up to 1, never one of the other's.
    CHECK(c.points.size() > 50);
    CHECK(c.points.back().second == doctest::Approx(1.0));
    for (std::size_t k = 1; k < c.points.size(); ++k) CHECK(c.points[k].second > c.points[k - 1].second);
  }
  // Each reaches a half at its own median (50 ms, 5 s; the histogram's buckets are within 1 %),
  // while the mixed curve is at 0.75 from 100 ms to 1 s: the API's requests, then a plateau.
  auto median = [](const std::vector<std::pair<double, double>>& cdf) {
    for (const auto& [ms, f] : cdf)
      if (f >= 0.5) return ms;
    return -1.0;
  };
  CHECK(median(r.client_cdfs[0].points) == doctest::Approx(50).epsilon(0.01));
  CHECK(median(r.client_cdfs[1].points) == doctest::Approx(5000).epsilon(0.01));
  CHECK(r.client_cdfs[0].points.back().first == doctest::Approx(100).epsilon(0.01));
  CHECK(r.client_cdfs[1].points.front().first == doctest::Approx(100).epsilon(0.01));
  std::size_t on_plateau = 0;
  for (const auto& [ms, f] : r.latency_cdf)
    if (ms > 101 && ms < 199) ++on_plateau;
  CHECK(on_plateau == 0);  // no bucket of either client between 100 and 200 ms
  CHECK(median(r.latency_cdf) < 100);

  SUBCASE("without the components' ids, none (they are named by them)") {
    RunResult unnamed;
    ledger.fill(unnamed);
    CHECK(unnamed.client_cdfs.empty());
  }
}

TEST_CASE("request ledger: one client's CDF is the run's own: no second one") {
  Metrics m(10 * kSecond, 0);
  RequestLedger ledger(m, kCauses);
  FakeClient only(m, ledger, 0);
  const std::uint32_t home = ledger.route_index("home");
  for (int i = 1; i <= 10; ++i) only.ended(request(home, 0), Status::Ok, i * kMillisecond);
  m.close_window(10 * kSecond);
  RunResult r;
  ledger.fill(r, {"users"});
  CHECK(r.client_cdfs.empty());
  CHECK(r.latency_cdf.size() == 10);
}
