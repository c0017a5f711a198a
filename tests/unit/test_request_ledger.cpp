#include <doctest/doctest.h>

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
// histogram, with series, records what it ends with Status::Ok, and it tells the ledger.
struct FakeClient {
  Metrics& m;
  RequestLedger& ledger;
  HistogramId latency;
  FakeClient(Metrics& metrics, RequestLedger& l) : m(metrics), ledger(l), latency(m.histogram("users", "latency", "latency")) {
    ledger.latency_source(latency);
  }
  void ended(const RequestInfo& req, Status status, Time now) {
    if (status == Status::Ok) m.record(latency, now - req.start);
    ledger.ended(req, status, now);
  }
};
}  // namespace

TEST_CASE("request ledger: routes by name, outcomes by cause, latency of answered requests only") {
  Metrics m(10 * kSecond, 0);
  RequestLedger ledger(m, {"ok", "timeout", "rejected", "error", "unavailable", "dropped", "degraded"});
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
