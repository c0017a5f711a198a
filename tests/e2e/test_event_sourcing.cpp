// Event sourcing end to end (models/service/service_events.cpp), against the arithmetic of
// rebuilding state from a log: an instance that starts loads the latest snapshot and applies
// every event after it, so its start-up is snapshot_load + (log mod snapshot_every) x apply,
// and the whole log x apply without snapshots. A deterministic case: 100 writes/s (one
// event each) on a history of 10,000 events, the only instance crashed at 60.005 s, when
// the log holds 16,000 events: with a snapshot every 5,000 the replay is the last 1,000
// events (1 s at 1 ms each) after a 2 s snapshot load; without, all 16,000 (16 s). The
// client's requests fail for exactly that long: 100 per second down.
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

json log_service(const json& event_sourcing) {
  json d = json::parse(R"({"seed": 1, "duration": "120s", "window": "1s", "network": {"latency": "0ms"},
    "components": [
      {"id": "users", "type": "client", "target": "orders", "arrivals": {"process": "constant", "rate": 100},
       "routes": [{"name": "place", "write": true}], "timeout": "30s"},
      {"id": "orders", "type": "service", "replicas": 1, "concurrency": 4, "service_time": "1ms"}],
    "faults": [{"at": "60005ms", "kind": "crash", "target": "orders"}]})");
  d["components"][1]["event_sourcing"] = event_sourcing;
  return d;
}

}  // namespace

TEST_CASE("event sourcing: a restart replays the events since the latest snapshot, after loading it") {
  json s = run_summary(write_scenario("es-snap", log_service({{"events", 10000}, {"apply", "1ms"},
                                                              {"snapshot_every", 5000}, {"snapshot_load", "2s"}})),
                       {"--quiet", "--no-report"});
  CHECK(num(s, "components.orders.replays") == 1);
  CHECK(num(s, "components.orders.events_replayed") == 1000);  // 16,000 mod 5,000
  CHECK(num(s, "components.orders.replay_time_max_s") == doctest::Approx(3.0));
  CHECK(num(s, "requests.failed") == 300);  // down 3 s at 100/s
  // The log: the history and one event per write served (the 300 refused append none).
  CHECK(num(s, "components.orders.events") == 10000 + num(s, "components.orders.ok"));
}

TEST_CASE("event sourcing: without snapshots a restart replays the whole log, which grows with every write") {
  json s = run_summary(write_scenario("es-none", log_service({{"events", 10000}, {"apply", "1ms"}})),
                       {"--quiet", "--no-report"});
  CHECK(num(s, "components.orders.events_replayed") == 16000);
  CHECK(num(s, "components.orders.replay_time_max_s") == doctest::Approx(16.0));
  CHECK(num(s, "requests.failed") == 1600);
  // The same crash 30 s later: 3,000 more events, 3 s more down.
  json later = log_service({{"events", 10000}, {"apply", "1ms"}});
  later["faults"][0]["at"] = "90005ms";
  json l = run_summary(write_scenario("es-later", later), {"--quiet", "--no-report"});
  CHECK(num(l, "components.orders.replay_time_max_s") == doctest::Approx(19.0));
  CHECK(num(l, "requests.failed") == 1900);
}
