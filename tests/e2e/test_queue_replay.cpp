// A topic's retention and a consumer group's offset resets, end to end, against outside truth:
//  - a backlog B replayed by a group of capacity mu while live traffic arrives at lambda
//    drains in B / (mu - lambda) (the fluid limit; for a queue started with B customers it is
//    the mean busy period, B E[S] / (1 - rho)); a reset's group stops first for its rebalance
//    pause d, so B grows by lambda d and the wait adds d;
//  - retention as Kafka's: by whole segments (the log keeps between retention.bytes and
//    retention.bytes + a segment), and what it deletes before a group read it is lost;
//  - conservation: produced = consumed + lost + what the logs still hold;
//  - kafka-consumer-groups --shift-by moves every partition's offset by N: N x partitions
//    messages read again.
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/queue_checks.h"
#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::source_path;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {
const std::string kReplay = source_path("scenarios/queues/replay.json");

// The drain time of the replay in the shipped scenario: lambda = 100/s (Poisson), 6
// partitions, members of 50/s each (20 ms a message, one at a time), rebalance pause 3 s.
double drain_s(double backlog, double consumers) {
  const double lambda = 100, mu = 50 * consumers, pause = 3;
  return pause + (backlog + lambda * pause) / (mu - lambda);
}
}  // namespace

TEST_CASE("queue replay: a reset's backlog drains in d + (B + lambda d) / (mu - lambda) against live traffic") {
  // Tolerance: the catching up is checked on the one-second lag sample (up to 1 s late); the
  // Poisson arrivals move a first passage of drift mu - lambda over T seconds by about
  // sqrt(lambda T) / (mu - lambda) (sqrt(100 x 370) / 50 = 4 s, 1 %, for 3 consumers); each
  // delivery also pays the link's latency on top of its 20 ms, a few per cent of mu - lambda
  // at most. 4 % holds all three; a model without the live traffic (B / mu: 124 s) or without
  // the pause is far outside it.
  for (const double consumers : {3.0, 6.0}) {
    CAPTURE(consumers);
    json s = run_summary(kReplay, {"--set", "projector.replicas=" + std::to_string(static_cast<int>(consumers))});
    const json& q = s["components"]["orders"];
    INFO(q.dump());
    // B: 3 min of traffic (to_time 2m at 5m), and what the group had read but not committed.
    const double backlog = num(s, "components.orders.resets.0.lag_after");
    CHECK(num(s, "components.orders.resets.0.rewound") == doctest::Approx(100 * 180).epsilon(0.03));
    CHECK(backlog >= num(s, "components.orders.resets.0.rewound"));
    CHECK(num(s, "components.orders.resets.0.caught_up_s") == doctest::Approx(drain_s(backlog, consumers)).epsilon(0.04));
    // Every message read again is processed again: at-least-once duplicates, none lost.
    CHECK(num(s, "components.orders.duplicates") <= backlog);
    CHECK(num(s, "components.orders.duplicates") >= num(s, "components.orders.resets.0.rewound"));
    CHECK(num(s, "components.orders.lost") == 0);
    archsim::e2e::check_queue_ledger(q);
  }
}

TEST_CASE("queue replay: --shift-by -N re-reads N messages of every partition; --to-earliest the whole retained log") {
  json s = run_summary(kReplay, {"--set", R"(orders.consumers.resets=[{"at": "5m", "shift_by": -600}])"});
  CHECK(num(s, "components.orders.resets.0.rewound") == 6 * 600);
  archsim::e2e::check_queue_ledger(s["components"]["orders"]);
  // To the earliest offset at 5 min: the log start after the check at 4 min 30 s, which
  // deleted the segments (100 messages of a partition, about 6 s) whose newest message was
  // older than 4 min: the log reaches back between 4 min 30 s and 4 min 36 s + a check.
  json e = run_summary(kReplay, {"--set", R"(orders.consumers.resets=[{"at": "5m", "to": "earliest"}])"});
  const double rewound = num(e, "components.orders.resets.0.rewound");
  CHECK(rewound >= 100 * 240 * 0.97);
  CHECK(rewound <= 100 * (270 + 6) * 1.03);
  archsim::e2e::check_queue_ledger(e["components"]["orders"]);
}

TEST_CASE("queue retention: by bytes the log keeps between retention.bytes and one segment more; the unread deleted are lost") {
  // 20 messages/s, evenly spaced, one partition nobody reads: 1 KiB each, segments of 10,
  // retention.bytes 50 KiB, checked every second. After a check the log holds 50 to 59
  // messages (whole segments go), and up to a second of arrivals (20) more before the next.
  json doc = json::parse(R"({"name": "keep", "duration": "60s", "warmup": "0s",
    "components": [
      {"id": "users", "type": "client", "target": "q", "arrivals": {"process": "constant", "rate": 20}},
      {"id": "q", "type": "queue", "partitions": 1, "replication_factor": 1,
       "retention": {"bytes": 51200, "segment_bytes": 10240, "message_bytes": 1024, "check_interval": "1s"}}]})");
  json s = run_summary(write_scenario("keep", doc), {});
  const json& q = s["components"]["q"];
  INFO(q.dump());
  CHECK(num(s, "components.q.log_messages") >= 50);
  CHECK(num(s, "components.q.log_messages") < 60 + 20);
  CHECK(static_cast<long>(num(s, "components.q.retention_deleted")) % 10 == 0);  // whole segments
  // Nobody read them: what retention deleted is lost, what it holds is retained.
  CHECK(num(s, "components.q.lost") == num(s, "components.q.retention_deleted"));
  CHECK(num(s, "components.q.retained") == num(s, "components.q.log_messages"));
  archsim::e2e::check_queue_ledger(q);
}

TEST_CASE("queue retention: a group too slow for its topic's retention loses what it deletes unread") {
  // One consumer at 50/s under 100/s: the lag grows by 50/s, and after 4 min retention
  // deletes messages the group has not read. With auto_offset_reset "earliest" the group
  // jumps to the log start; every message deleted unread is counted lost, and
  // produced = consumed + lost + retained.
  json s = run_summary(kReplay, {"--set", "projector.replicas=1", "--set", "orders.consumers.resets=null"});
  const json& q = s["components"]["orders"];
  INFO(q.dump());
  const double lost = num(s, "components.orders.lost_to_retention");
  CHECK(lost > 0);
  CHECK(lost <= num(s, "components.orders.retention_deleted"));
  CHECK(num(s, "components.orders.lost") == lost);
  archsim::e2e::check_queue_ledger(q);
  // Kafka's default, "latest", jumps to the log end instead: it loses more.
  json latest = run_summary(kReplay, {"--set", "projector.replicas=1", "--set", "orders.consumers.resets=null", "--set",
                                      "orders.consumers.auto_offset_reset=\"latest\""});
  CHECK(num(latest, "components.orders.lost_to_retention") > lost);
  archsim::e2e::check_queue_ledger(latest["components"]["orders"]);
  // A reset to the log end passes over the backlog: skipped, counted lost.
  json skip = run_summary(kReplay, {"--set", "projector.replicas=1", "--set", R"(orders.consumers.resets=[{"at": "3m", "to": "latest"}])"});
  CHECK(num(skip, "components.orders.resets.0.skipped") > 0);
  CHECK(num(skip, "components.orders.skipped_by_reset") == num(skip, "components.orders.resets.0.skipped"));
  archsim::e2e::check_queue_ledger(skip["components"]["orders"]);
}
