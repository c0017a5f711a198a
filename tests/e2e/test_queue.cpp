// The queue family end to end: message conservation in every shipped queue scenario, an
// M/M/1 consumer's end-to-end delay against theory, lag growth and drain at the rates'
// difference, idle members beyond the partitions, duplicates only with at-least-once and a
// crash (as many as were processed since the last commit), acks=1 losing what acks=all
// keeps, poison messages retried then dead-lettered, the ISR (a crashed follower holding the
// high watermark, min_insync_replicas, unclean election), analyze's consumer estimate against
// the simulation, and bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/queue_checks.h"
#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::num;
using archsim::e2e::run_archsim;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

std::string scenario(const std::string& file) { return archsim::e2e::source_path("scenarios/queues/" + file); }


// produced = consumed + dead_lettered + lost + retained, for every queue of a run.
void check_conservation(const json& s) {
  for (const auto& item : s.at("components").items()) {
    const std::string id = item.key();  // named, not a binding: INFO's lambda takes it (clang < 16)
    const auto& c = item.value();
    if (c.at("type") != "queue") continue;
    INFO("queue " << id);
    archsim::e2e::check_queue_ledger(c);
  }
}

// The consumer_lag series of `component` from timeseries.csv: (window end s, value).
std::vector<std::pair<double, double>> lag_series(const std::string& out, const std::string& component) {
  std::vector<std::pair<double, double>> v;
  for (const auto& row : archsim::e2e::series_rows(out + "/timeseries.csv", component, "consumer_lag"))
    v.emplace_back(row.first, std::stod(row.second));
  return v;
}

json crash_doc() {
  // 200 events/s keyed over 4 partitions, one member per partition, auto-commit every 5 s;
  // one consumer instance crashes at 62.5 s, 2.5 s after the last commit.
  return json::parse(R"({
    "name": "crashq", "seed": 5, "duration": "120s", "warmup": "0s",
    "components": [
      {"id": "users", "type": "client", "target": "q", "arrivals": {"rate": 200}, "routes": [{"name": "e", "keys": {"count": 1000}}]},
      {"id": "q", "type": "queue", "partitions": 4, "replication_factor": 1, "acks": "1",
       "consumers": {"service": "worker", "delivery": "at_least_once", "commit_interval": "5s", "rebalance_pause": "3s"}},
      {"id": "worker", "type": "service", "replicas": 4, "concurrency": 1, "balancer": "least_connections", "restart_time": "10s",
       "service_time": {"dist": "exponential", "mean": "10ms"}}],
    "faults": [{"at": "62.5s", "kind": "crash", "target": "worker", "instances": 1}]
  })");
}

}  // namespace

TEST_CASE("queue: every shipped queue scenario conserves messages and keeps partition order") {
  for (const char* f : {"order-events.json", "consumer-lag.json", "broker-down.json", "poison-messages.json", "work-queue.json",
                        "lag-autoscaling.json", "outbox.json", "min-insync.json", "unclean-election.json"}) {
    INFO(f);
    check_conservation(run_summary(scenario(f), {"--set", "duration=120s"}));
  }
}

TEST_CASE("queue: an M/M/1 consumer's end-to-end delay matches theory") {
  // lambda = 80/s, one member, exponential 10 ms: rho = 0.8, W = S / (1 - rho) = 50 ms,
  // sojourn exponential: p50 = W ln 2, p99 = W ln 100. Committing after every message,
  // Kafka's lag (log end - committed) is every message in the system, L = rho / (1 - rho) = 4,
  // of which the one in service (fetched, not committed) is rho = 0.8 on average. A model
  // that added the replication or commit step, or served two at once, would be off by far
  // more than the tolerances.
  json doc = json::parse(R"({"name": "mm1q", "seed": 3, "duration": "2000s", "warmup": "100s",
    "components": [
      {"id": "users", "type": "client", "target": "q", "arrivals": {"rate": 80}},
      {"id": "q", "type": "queue", "partitions": 1, "replication_factor": 1, "acks": "1",
       "consumers": {"service": "worker", "commit_interval": "0s"}},
      {"id": "worker", "type": "service", "replicas": 1, "concurrency": 1, "service_time": {"dist": "exponential", "mean": "10ms"}}]})");
  json s = run_summary(write_scenario("mm1", doc), {});
  CHECK(num(s, "components.q.end_to_end_ms.mean") == doctest::Approx(50).epsilon(0.06));
  CHECK(num(s, "components.q.end_to_end_ms.p50") == doctest::Approx(50 * std::log(2.0)).epsilon(0.06));
  CHECK(num(s, "components.q.end_to_end_ms.p99") == doctest::Approx(50 * std::log(100.0)).epsilon(0.1));
  CHECK(num(s, "components.q.consumer_lag_mean") == doctest::Approx(4.0).epsilon(0.1));
  CHECK(num(s, "components.q.consumer_uncommitted_mean") == doctest::Approx(0.8).epsilon(0.05));
  check_conservation(s);
}

TEST_CASE("queue: lag grows at produce - consume and drains at consume - produce") {
  // consumer-lag.json: 150/s against 3 x (1 / 30 ms) = 100/s for 60 s, then 20/s.
  std::string out = archsim::e2e::scratch_dir("queue-lag");
  auto r = run_archsim({"run", scenario("consumer-lag.json"), "--quiet", "--out", out});
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  auto lag = lag_series(out, "jobs");
  REQUIRE(lag.size() >= 20);
  auto at = [&](double t) {
    for (auto& [tt, v] : lag)
      if (std::abs(tt - t) < 1e-6) return v;
    FAIL("no window ending at " << t);
    return 0.0;
  };
  // Window averages: growth 50/s between the windows ending 20 s and 55 s.
  double growth = (at(55) - at(20)) / 35;
  CHECK(growth == doctest::Approx(50).epsilon(0.08));
  double drain = (at(70) - at(90)) / 20;
  CHECK(drain == doctest::Approx(80).epsilon(0.08));
  // Empty again by about 60 + 2900 / 80 = 96 s, and still at 110 s: only the events in
  // process are in Kafka's lag then (commits after each one), 20/s x 30 ms = 0.6 on average.
  CHECK(at(95) > 100);
  CHECK(at(110) < 2);
}

TEST_CASE("queue: members beyond the partitions stay idle") {
  json s = run_summary(scenario("order-events.json"), {"--set", "duration=60s", "--set", "events.partitions=3"});
  CHECK(num(s, "components.events.members") == 6);
  CHECK(num(s, "components.events.idle_consumers") == 3);
  s = run_summary(scenario("order-events.json"), {"--set", "duration=60s", "--set", "events.partitions=12"});
  CHECK(num(s, "components.events.idle_consumers") == 0);
}

TEST_CASE("queue: duplicates only with at-least-once and a consumer crash") {
  std::string path = write_scenario("crash", crash_doc());
  json alo = run_summary(path, {});
  // The crashed member's partition (50/s) re-delivers what it processed since the commit at
  // 60 s: about 50 x 2.5 = 125 (Poisson: +-3 sigma ~ 35).
  CHECK(num(alo, "components.q.member_crashes") == 1);
  CHECK(num(alo, "components.q.duplicates") > 90);
  CHECK(num(alo, "components.q.duplicates") < 160);
  check_conservation(alo);
  json eo = run_summary(path, {"--set", "q.consumers.delivery=effectively_once"});
  CHECK(num(eo, "components.q.duplicates") == 0);
  CHECK(num(eo, "components.q.duplicates_suppressed") == num(alo, "components.q.duplicates"));
  json amo = run_summary(path, {"--set", "q.consumers.delivery=at_most_once"});
  CHECK(num(amo, "components.q.duplicates") == 0);
  check_conservation(amo);
  json calm = run_summary(path, {"--set", "faults=[]"});
  CHECK(num(calm, "components.q.duplicates") == 0);
  CHECK(num(calm, "components.q.rebalances") == 0);
}

TEST_CASE("queue: a crash of every consumer loses what was in flight at most once, re-delivers it at least once") {
  // 380/s over 4 members of 10 ms (95% busy): each member holds a message when they all
  // crash at 62.5 s with probability about 0.95 (the keys' partitions are not quite even).
  // At most once, those were committed before processing: lost. At least once, the same ones
  // come back (the runs are alike until the crash), and so does everything processed since
  // the commit at 60 s: about 380 x 2.5 = 950 duplicates (Poisson: +-3 sigma ~ 90).
  std::string path = write_scenario("crash-all", crash_doc());
  std::vector<std::string> all = {"--set", R"(faults=[{"at":"62.5s","kind":"crash","target":"worker","instances":"all"}])",
                                  "--set", "users.arrivals.rate=380"};
  std::vector<std::string> amo_args = all, alo_args = all;
  amo_args.insert(amo_args.end(), {"--set", "q.consumers.delivery=at_most_once"});
  json amo = run_summary(path, amo_args), alo = run_summary(path, alo_args);
  CHECK(num(amo, "components.q.member_crashes") == 4);
  CHECK(num(amo, "components.q.lost_at_consumer") >= 3);
  CHECK(num(amo, "components.q.lost_at_consumer") <= 4);  // one per member at most
  CHECK(num(amo, "components.q.duplicates") == 0);
  CHECK(num(alo, "components.q.lost") == 0);
  CHECK(num(alo, "components.q.redelivered") == num(amo, "components.q.lost_at_consumer"));
  CHECK(num(alo, "components.q.duplicates") > 860);
  CHECK(num(alo, "components.q.duplicates") < 1040);
  check_conservation(amo);
  check_conservation(alo);
}

TEST_CASE("queue: a leader's crash loses unreplicated messages with acks=1, none with acks=all") {
  json one = run_summary(scenario("broker-down.json"), {"--set", "duration=100s"});
  json all = run_summary(scenario("broker-down.json"), {"--set", "duration=100s", "--set", "events.acks=all"});
  CHECK(num(one, "components.events.broker_crashes") == 1);
  CHECK(num(one, "components.events.lost") > 0);
  CHECK(num(all, "components.events.lost") == 0);
  CHECK(num(all, "components.events.aborted") > 0);  // the producer was told instead
  // The 2 partitions the broker led were refused for the 5 s election: 300/s x 2/6 x 5 s.
  CHECK(num(one, "components.events.refused") == doctest::Approx(500).epsilon(0.15));
  check_conservation(one);
  check_conservation(all);
}

TEST_CASE("queue: poison messages are retried max_retries times, then dead-lettered") {
  json s = run_summary(scenario("poison-messages.json"), {"--set", "duration=200s"});
  double produced = num(s, "components.orders.produced"), dlq = num(s, "components.orders.dead_lettered");
  // One message in 50 is poison (a keyed choice: the same message fails every delivery).
  CHECK(dlq / produced == doctest::Approx(0.02).epsilon(0.2));
  double retries = num(s, "components.orders.retries");
  CHECK(retries >= 3 * dlq);
  CHECK(retries <= 3 * dlq + 4 * 3);  // at most the 4 partitions' messages still retrying at the end
  CHECK(num(s, "components.orders-dlq.produced") == dlq);
  check_conservation(s);
  json now = run_summary(scenario("poison-messages.json"), {"--set", "duration=200s", "--set", "orders.consumers.max_retries=0"});
  CHECK(num(now, "components.orders.retries") == 0);
  CHECK(num(now, "components.orders.dead_lettered") == doctest::Approx(dlq).epsilon(0.1));
}

TEST_CASE("queue: a work queue re-delivers past the visibility timeout, and only then") {
  json calm = run_summary(scenario("work-queue.json"), {"--set", "duration=120s"});
  CHECK(num(calm, "components.jobs.duplicates") == 0);
  CHECK(num(calm, "components.jobs.members") == 4);
  // Little's law on the consumers: 8 slots, 60/s of lognormal work of mean
  // 40 ms x exp(sigma^2 / 2) with sigma = ln(800 / 40) / 2.326: about 69% busy.
  double sigma = std::log(20.0) / 2.3263;
  double busy = 60 * 0.040 * std::exp(sigma * sigma / 2) / 8;
  CHECK(num(calm, "components.worker.utilization") == doctest::Approx(busy).epsilon(0.1));
  json tight = run_summary(scenario("work-queue.json"), {"--set", "duration=120s", "--set", "jobs.visibility_timeout=2s"});
  // Every job slower than the timeout is delivered again: at least P(work > 2 s) of them.
  double p_slow = 0.5 * std::erfc(std::log(2000.0 / 40) / sigma / std::sqrt(2.0));
  CHECK(num(tight, "components.jobs.duplicates") >= p_slow * num(tight, "components.jobs.produced") * 0.8);
  CHECK(num(tight, "components.jobs.duplicates") == num(tight, "components.jobs.redelivered"));
  check_conservation(tight);
}

TEST_CASE("queue: a full queue drops or blocks its producers") {
  // 100 events/s into a queue whose one consumer manages 50/s, capacity 200.
  json doc = json::parse(R"({"name": "full", "seed": 1, "duration": "60s",
    "components": [
      {"id": "users", "type": "client", "target": "q", "arrivals": {"rate": 100}, "timeout": "1s"},
      {"id": "q", "type": "queue", "partitions": 1, "capacity": 200, "when_full": "drop",
       "consumers": {"service": "worker", "commit_interval": "0s"}},
      {"id": "worker", "type": "service", "replicas": 1, "concurrency": 1, "service_time": "20ms"}]})");
  json drop = run_summary(write_scenario("full", doc), {});
  // Once full (after about 4 s), half the offered load is refused: about 50/s x 56 s.
  CHECK(num(drop, "components.q.dropped") == doctest::Approx(50 * 56).epsilon(0.1));
  CHECK(num(drop, "components.q.retained") <= 200);
  CHECK(num(drop, "requests.by_cause.rejected") == num(drop, "components.q.dropped"));
  check_conservation(drop);
  json block = run_summary(write_scenario("full", doc), {"--set", "q.when_full=block"});
  CHECK(num(block, "components.q.dropped") == 0);
  CHECK(num(block, "requests.by_cause.timeout") > 1000);  // producers wait for room, past their 1 s timeout
  // A producer that timed out while blocked sent nothing: the consumer's 50/s is all that
  // gets in once the queue is full.
  CHECK(num(block, "components.q.expired") > 1000);
  CHECK(num(block, "components.q.produced") == doctest::Approx(200 + 50 * 60).epsilon(0.05));
  check_conservation(block);
}

TEST_CASE("queue: scale events rebalance the group; graceful joins and leaves re-deliver nothing") {
  json s = run_summary(scenario("lag-autoscaling.json"), {});
  CHECK(num(s, "components.worker.peak_replicas") == 12);
  CHECK(num(s, "components.jobs.rebalances") >= 2);
  CHECK(num(s, "components.jobs.member_crashes") == 0);
  CHECK(num(s, "components.jobs.duplicates") == 0);
  check_conservation(s);
  // Past the partition count, the extra members are idle.
  json over = run_summary(scenario("lag-autoscaling.json"), {"--set", "duration=300s", "--set", "worker-hpa.max_replicas=16",
                                                             "--set", "worker-hpa.min_replicas=16", "--set", "worker.replicas=16"});
  CHECK(num(over, "components.jobs.idle_consumers") == 4);
}

TEST_CASE("queue: the outbox loses no event while the broker is down; the dual write does") {
  // One broker, down from 60 s to 90 s, 100 orders/s: the dual write refuses about 3000
  // events after their orders were written; the outbox relays them when the broker returns.
  json dual = run_summary(scenario("outbox.json"), {});
  json box = run_summary(scenario("outbox.json"), {"--set", "orders.publish_mode=outbox"});
  CHECK(num(dual, "components.orders.events_missing") == doctest::Approx(3000).epsilon(0.1));
  CHECK(num(box, "components.orders.lost") == 0);
  CHECK(num(box, "components.orders.refused") == 0);
  // The users see only the database's 10 s of refused writes (100 s to 110 s), never the broker.
  CHECK(num(box, "availability") == doctest::Approx(1 - 1000.0 / 17000).epsilon(0.002));
  CHECK(num(box, "components.orders.produced") ==
        doctest::Approx(num(dual, "components.orders.produced") + num(dual, "components.orders.events_missing")).epsilon(0.01));
  // Without the outage an event waits for the next poll (uniform over the 500 ms interval:
  // 250 ms on average), then for its batch-mates ahead of it on its partition: a Poisson
  // batch of N (mean 100/s x 0.5 s / 4 = 12.5) served 10 ms each puts a message behind
  // (E[N^2]/E[N] - 1)/2 = 6.25 others, 62.5 ms, plus its own 10 ms: 322.5 ms in all. A
  // relay without the wait (about 75 ms) or without batches (about 260 ms) is far off.
  json calm = run_summary(scenario("outbox.json"), {"--set", "orders.publish_mode=outbox", "--set", "faults=[]"});
  CHECK(num(calm, "components.orders.end_to_end_ms.mean") == doctest::Approx(322.5).epsilon(0.04));
  CHECK(num(calm, "components.orders.end_to_end_ms.max") < 600);
  check_conservation(dual);
  check_conservation(box);
}

TEST_CASE("queue: the dual write's two anomalies, counted from the fault timeline; the outbox has neither") {
  // outbox.json with an order every 10 ms exactly (constant arrivals, 100/s); the queue makes
  // the business write to db itself. The broker is down from 60 s to 90 s: 3000 orders meet
  // it. db refuses every write from 100 s to 110 s: 1000 orders meet that. Ground truth:
  //   write first    3000 writes without event (written, then refused), 0 events without write
  //                  (a refused write publishes nothing);
  //   publish first  0 writes without event (a refused event is followed by no write), 1000
  //                  events without write (acknowledged, then the write failed);
  //   outbox         0 and 0 (one transaction), the 1000 failed writes answered as errors.
  // Within 3 of the truth: the instants at which orders reach the broker and db are jittered
  // by the api's work and db's service time by a few ms around each window's edges.
  const std::vector<std::string> constant{"--set", "users.arrivals.process=constant"};
  auto run = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), constant.begin(), constant.end());
    return run_summary(scenario("outbox.json"), extra);
  };
  auto near = [](const json& s, const std::string& path, double want) {
    INFO(path);
    CHECK(std::abs(num(s, path) - want) <= 3);
  };
  json wf = run({});
  json pf = run({"--set", "orders.dual_write_order=publish_first"});
  json box = run({"--set", "orders.publish_mode=outbox"});
  near(wf, "components.orders.writes_without_event", 3000);
  near(wf, "components.orders.events_without_write", 0);
  near(wf, "components.orders.business_writes_failed", 1000);
  near(wf, "components.orders.refused", 3000);
  near(pf, "components.orders.writes_without_event", 0);
  near(pf, "components.orders.events_without_write", 1000);
  near(pf, "components.orders.business_writes_failed", 1000);
  near(pf, "components.orders.refused", 3000);
  CHECK(num(box, "components.orders.writes_without_event") == 0);
  CHECK(num(box, "components.orders.events_without_write") == 0);
  near(box, "components.orders.business_writes_failed", 1000);
  // Every order is written or not, and its event follows: 18,000 orders in 180 s.
  for (const json* s : {&wf, &pf, &box}) {
    CHECK(num(*s, "components.orders.business_writes") + num(*s, "components.orders.business_writes_failed") +
              (s == &pf ? num(*s, "components.orders.refused") : 0) ==
          doctest::Approx(18000).epsilon(0.0005));
    check_conservation(*s);
  }
  // Publish first, the orphaned events are consumed like any other: shipping handles 1000
  // orders that do not exist. The outbox publishes exactly the written orders.
  CHECK(num(box, "components.orders.produced") == num(box, "components.orders.business_writes"));
  CHECK(num(pf, "components.orders.produced") ==
        num(pf, "components.orders.business_writes") + num(pf, "components.orders.events_without_write"));
  CHECK(num(wf, "components.orders.produced") ==
        num(wf, "components.orders.business_writes") - num(wf, "components.orders.writes_without_event"));
  // The compare table shows both columns.
  auto r = run_archsim({"compare", scenario("outbox.json"), "--vary", "orders.publish_mode=dual_write,outbox", "--no-report",
                        "--quiet", "--out", archsim::e2e::scratch_dir("queue-dual-write")});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("no event") != std::string::npos);
  CHECK(r.out.find("no write") != std::string::npos);
}

TEST_CASE("queue: a crashed follower holds the high watermark; below min_insync_replicas acks=all is refused") {
  // min-insync.json: 3 brokers, 6 partitions, 200 events/s keyed evenly, min_insync_replicas 2,
  // replica_lag_time_max 10 s. Broker 0 crashes at 60 s, broker 1 at 100 s, each back 90 s later.
  json all = run_summary(scenario("min-insync.json"), {});
  json one = run_summary(scenario("min-insync.json"), {"--set", "events.acks=1"});
  // The ISR is 1 broker from 105 s (the 4 partitions broker 1 led, elected after 5 s) or 110 s
  // (the 2 it followed, dropped 10 s after its crash) until broker 0 rejoins at 150 s:
  // 200/s x (4 x 45 s + 2 x 40 s) / 6 = 8,667 writes refused. Refusing from the crash on
  // (no wait for the ISR to shrink) would give 10,000; never refusing, 0.
  CHECK(num(all, "components.events.not_enough_replicas") == doctest::Approx(8667).epsilon(0.04));
  CHECK(num(one, "components.events.not_enough_replicas") == 0);  // acks=1 is never refused for it
  // Writes accepted at 100-110 s to the 2 partitions broker 1 followed (their ISR still 2)
  // are replicated only when it leaves their ISR at 110 s, which leaves 1 in sync: Kafka's
  // NotEnoughReplicasAfterAppend, 200/s x 10 s x 2/6 = 667 (keys spread by murmur2: 10%).
  CHECK(num(all, "components.events.not_enough_replicas_after_append") == doctest::Approx(667).epsilon(0.1));
  CHECK(num(one, "components.events.not_enough_replicas_after_append") == 0);
  // Shrinks: broker 0 out of the 4 partitions it followed at 70 s, broker 1 out of the 2 it
  // followed at 110 s (a dead leader leaves by the election, not a shrink). Each return
  // rejoins all 6 partitions' ISR.
  CHECK(num(all, "components.events.isr_shrinks") == 6);
  CHECK(num(all, "components.events.isr_expands") == 12);
  CHECK(num(all, "components.events.isr_min") == 3);
  // Consumers read below the high watermark, which waits for the crashed follower: an event
  // appended just after a crash is consumed about 10 s later, acks=1 or not. Without the wait
  // the worst would be the 5 s election (a led partition's unread events wait for it); with
  // the ISR dropped at 2 s and a 1 s election, about 2 s.
  CHECK(num(one, "components.events.end_to_end_ms.max") == doctest::Approx(10000).epsilon(0.05));
  json quick = run_summary(scenario("min-insync.json"), {"--set", "events.acks=1", "--set", "events.replica_lag_time_max=2s",
                                                         "--set", "events.leader_election=1s"});
  CHECK(num(quick, "components.events.end_to_end_ms.max") == doctest::Approx(2000).epsilon(0.1));
  check_conservation(all);
  check_conservation(one);
}

TEST_CASE("queue: with no in-sync replica alive the partition stays offline, unless unclean election loses data") {
  // unclean-election.json: 2 brokers, 4 partitions, 200 events/s, acks=all, nobody consumes.
  // Broker 0 crashes at 60 s (out of every ISR at 70 s), broker 1 at 100 s; broker 0 returns
  // at 120 s, broker 1 at 160 s.
  json clean = run_summary(scenario("unclean-election.json"), {});
  json unclean = run_summary(scenario("unclean-election.json"), {"--set", "events.unclean_leader_election=true"});
  // Clean: offline from 100 s until broker 1 returns at 160 s, 4 x 60 s, plus the 2 partitions
  // broker 0 led during their 5 s election at 60 s: 250 partition-seconds; nothing lost.
  CHECK(num(clean, "components.events.partition_offline_s") == doctest::Approx(250).epsilon(0.01));
  CHECK(num(clean, "components.events.lost") == 0);
  CHECK(num(clean, "components.events.unclean_elections") == 0);
  // Unclean: broker 0 leads at 120 s (4 x 20 s + 10 = 90) and lacks every event appended
  // after its crash: 200/s x 40 s less the 500 refused in the first election (2 of 4
  // partitions for 5 s): 7,500 acknowledged events lost, acks=all notwithstanding.
  CHECK(num(unclean, "components.events.partition_offline_s") == doctest::Approx(90).epsilon(0.01));
  CHECK(num(unclean, "components.events.unclean_elections") == 4);
  CHECK(num(unclean, "components.events.lost_unclean") == doctest::Approx(7500).epsilon(0.04));
  CHECK(num(unclean, "components.events.lost") >= num(unclean, "components.events.lost_unclean"));
  check_conservation(clean);
  check_conservation(unclean);
}

TEST_CASE("queue: analyze estimates the consumers (M/M/1 per member) and says when they cannot keep up") {
  auto analyze = [](const std::string& path, const std::vector<std::string>& sets) {
    std::vector<std::string> args{"analyze", path, "--json"};
    for (const auto& s : sets) args.insert(args.end(), {"--set", s});
    auto r = run_archsim(args);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  };
  // order-events.json: 6 analytics instances. 6 partitions: one each; 3 partitions: 3 busy
  // members at twice the load, 3 idle. The simulation says how long an event takes.
  for (const char* parts : {"6", "3"}) {
    INFO("partitions " << parts);
    const std::string set = std::string("events.partitions=") + parts;
    json a = analyze(scenario("order-events.json"), {set});
    const json& q = a["components"]["events"];
    CHECK(q["formula"] == "M/M/1 per member");
    CHECK(q["keeps_up"] == true);
    CHECK(num(q, "busy_consumers") == std::min(6, std::stoi(parts)));
    json s = run_summary(scenario("order-events.json"), {"--set", set});
    CHECK(num(q, "end_to_end_ms") == doctest::Approx(num(s, "components.events.end_to_end_ms.mean")).epsilon(0.15));
  }
  // consumer-lag.json at its peak: 150/s against 3 members of 30 ms: the lag grows by 50/s.
  json lag = analyze(scenario("consumer-lag.json"), {});
  const json& jobs = lag["components"]["jobs"];
  CHECK(jobs["keeps_up"] == false);
  CHECK(num(jobs, "lag_grows_per_s") == doctest::Approx(50).epsilon(0.05));
  auto r = run_archsim({"analyze", scenario("consumer-lag.json")});
  CHECK(r.out.find("consumers cannot keep up") != std::string::npos);
}

TEST_CASE("queue: bad input exits 2 with the JSON location") {
  struct Case {
    std::string set, pointer, word;
  };
  std::vector<Case> cases = {
      {"events.partitions=0", "/components/2/partitions", "between 1"},
      {"events.acks=2", "/components/2/acks", "all"},
      {"events.consumers.delivery=exactly_once", "/components/2/consumers/delivery", "effectively_once"},
      {"events.consumers.assignor=sticky", "/components/2/consumers/assignor", "round_robin"},
      {"events.consumers={\"assignor\":\"range\"}", "/components/2/consumers", "service"},
      {"events.consumers.service=users", "/components/2/consumers/service", "service"},
      {"events.prefetch=5", "/components/2/prefetch", "work_queue"},
      {"events.publish_mode=relay", "/components/2/publish_mode", "outbox"},
      {"events.min_insync_replicas=7", "/components/2/min_insync_replicas", "replication_factor"},
      {"events.min_insync_replicas=0", "/components/2/min_insync_replicas", "between 1"},
      {"events.replica_lag_time_max=0s", "/components/2/replica_lag_time_max", "at least"},
      {"events.unclean_leader_election=\"yes\"", "/components/2/unclean_leader_election", "true or false"},
      {"events.dual_write_order=publish_first", "/components/2/dual_write_order", "business_write"},
      {"events.business_write={\"route\":\"x\"}", "/components/2/business_write", "call"},
      {"events.business_write={\"call\":\"nowhere\"}", "/components/2/business_write/call", "nowhere"},
  };
  for (const Case& c : cases) {
    INFO(c.set);
    auto r = run_archsim({"run", scenario("order-events.json"), "--quiet", "--json", "--set", c.set, "--out",
                          archsim::e2e::scratch_dir("queue-bad")});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("order-events.json") != std::string::npos);
    CHECK(r.err.find(c.pointer) != std::string::npos);
    CHECK(r.err.find(c.word) != std::string::npos);
    INFO(r.err);
  }
}

TEST_CASE("queue: brokers are billed by instance_type; a bad one exits 2 at its JSON location") {
  // broker-down.json: 3 kafka.m5.large brokers (0.21 $/h) for 180 s, one of them down for 60 s
  // (billed all the same): 3 x 180 s x 0.21 / 3600 = 0.0315 $.
  json s = run_summary(scenario("broker-down.json"), {});
  CHECK(num(s, "components.events.instance_seconds") == doctest::Approx(540.0));
  CHECK(s["components"]["events"]["instance_type"] == "kafka.m5.large");
  CHECK(num(s, "cost.by_component.events") == doctest::Approx(0.0315));
  // Twice the brokers, twice the queue tier's cost.
  json six = run_summary(scenario("broker-down.json"), {"--set", "events.replication_factor=6"});
  CHECK(num(six, "cost.by_component.events") == doctest::Approx(0.063));
  struct Case {
    std::string set, pointer, word;
  };
  for (const Case& c : {Case{"events.instance_type=5", "/components/2/instance_type", "string"},
                        Case{"events.instance_type=\"kafka.m5.huge\"", "/components/2/instance_type", "kafka.m5.huge"}}) {
    INFO(c.set);
    auto r = run_archsim({"run", scenario("broker-down.json"), "--quiet", "--json", "--set", c.set, "--out",
                          archsim::e2e::scratch_dir("queue-bad-type")});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("broker-down.json") != std::string::npos);
    CHECK(r.err.find(c.pointer) != std::string::npos);
    CHECK(r.err.find(c.word) != std::string::npos);
  }
}
