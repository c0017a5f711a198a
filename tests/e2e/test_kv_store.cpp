// The leaderless store end to end (models/kv_store), against ground truth that is not ours:
// the quorum intersection argument (R + W > N: every read set meets every acknowledged
// write set, so no read is stale; Dynamo section 4.5), the availability of each level with k
// of N replicas down (Cassandra's UnavailableException when fewer than blockFor are alive),
// the stale share of R = W = 1 against its closed form for an exponential replication delay,
// the latencies of the levels as order statistics of exponential round trips, Cassandra's
// documented hint window and its read repair (none at ONE; at QUORUM of three, one replica
// repaired per repair), Dynamo's sloppy quorum (available while W nodes of the ring are up,
// no longer fresh by intersection), and conservation of requests.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

// A client reading and one writing `keys` keys of a store of `nodes` nodes and 3 replicas a
// key (two clients, so that a constant pace makes the count of each exact).
json store(int nodes, double reads, double writes, int keys, const std::string& duration) {
  json d = json::parse(R"({"seed": 5, "window": "1s",
    "components": [
      {"id": "reader", "type": "client", "target": "store", "timeout": "5s",
       "arrivals": {"process": "poisson"}, "routes": [{"name": "read"}]},
      {"id": "writer", "type": "client", "target": "store", "timeout": "5s",
       "arrivals": {"process": "poisson"}, "routes": [{"name": "write", "write": true}]},
      {"id": "store", "type": "kv_store", "replication_factor": 3,
       "network": "0.5ms", "read_time": "0.5ms", "write_time": {"dist": "exponential", "mean": "5ms"}}]})");
  d["duration"] = duration;
  d["components"][0]["arrivals"]["rate"] = reads;
  d["components"][1]["arrivals"]["rate"] = writes;
  d["components"][0]["routes"][0]["keys"] = {{"count", keys}};
  d["components"][1]["routes"][0]["keys"] = {{"count", keys}};
  d["components"][2]["nodes"] = nodes;
  return d;
}

// Both clients at a constant pace.
json constant(json d) {
  d["components"][0]["arrivals"]["process"] = "constant";
  d["components"][1]["arrivals"]["process"] = "constant";
  return d;
}

json levels(json d, const std::string& read, const std::string& write) {
  d["components"][2]["read_consistency"] = read;
  d["components"][2]["write_consistency"] = write;
  return d;
}

json crash(json d, const std::string& at, int instances, const std::string& restart) {
  d["faults"] = json::array({{{"at", at}, {"kind", "crash"}, {"target", "store"}, {"instances", instances}}});
  d["components"][2]["restart_time"] = restart;
  return d;
}

double unavailable(const json& s) { return num(s, "components.store.reads_unavailable") + num(s, "components.store.writes_unavailable"); }

}  // namespace

TEST_CASE("kv_store: R + W > N never reads stale, through a crash and without read repair; R + W <= N does") {
  // Five nodes, N = 3, ten keys written 40 times a second each: a replica is often behind.
  // A node crashes for 5 s in the middle (its hints replayed after).
  const json base = crash(store(5, 2000, 400, 10, "20s"), "8s", 1, "5s");
  struct Case {
    const char *r, *w;
    bool overlap;
  };
  for (const Case c : {Case{"QUORUM", "QUORUM", true}, Case{"ONE", "ALL", true}, Case{"ALL", "ONE", true},
                       Case{"TWO", "TWO", true}, Case{"ONE", "ONE", false}, Case{"TWO", "ONE", false},
                       Case{"ONE", "TWO", false}}) {
    for (bool repair : {true, false}) {
      json d = levels(base, c.r, c.w);
      d["components"][2]["read_repair"] = repair;
      const json s = run_summary(write_scenario("kv-overlap", d), {});
      CAPTURE(c.r);
      CAPTURE(c.w);
      CAPTURE(repair);
      CHECK(num(s, "components.store.quorums_overlap") == (c.overlap ? 1 : 0));
      CHECK(num(s, "components.store.reads_ok") > 30000);
      if (c.overlap) CHECK(num(s, "components.store.stale_reads") == 0);
      else CHECK(num(s, "components.store.stale_reads") > 10);
    }
  }
}

TEST_CASE("kv_store: a level is refused while fewer replicas than it needs are up (the availability table)") {
  // Three nodes, N = 3: every key has every node. 400 reads and 100 writes a second at a constant pace;
  // k nodes crash at 2 s for 4 s. A level needing b replicas is met with 3 - k >= b, else
  // every request of those 4 s is refused (2,000 of them), none before or after. With all
  // three down there is no coordinator: even ONE fails.
  const json base = constant(store(3, 400, 100, 20, "10s"));
  struct Level {
    const char* name;
    int needs;
  };
  for (int k = 0; k <= 3; ++k) {
    for (const Level l : {Level{"ONE", 1}, Level{"TWO", 2}, Level{"QUORUM", 2}, Level{"ALL", 3}}) {
      json d = levels(k > 0 ? crash(base, "2s", k, "4s") : base, l.name, l.name);
      const json s = run_summary(write_scenario("kv-availability", d), {});
      CAPTURE(k);
      CAPTURE(l.name);
      const bool met = 3 - k >= l.needs;
      if (met) CHECK(unavailable(s) == 0);
      else CHECK(std::abs(unavailable(s) - 2000) <= 2);  // each client's first and last of the 4 s
      CHECK(num(s, "requests.failed") == unavailable(s));
    }
  }
}

TEST_CASE("kv_store: every request is answered once: ok, refused or still in flight") {
  json d = crash(store(5, 900, 100, 50, "30s"), "10s", 2, "10s");
  for (const char* level : {"ONE", "QUORUM", "ALL"}) {
    const json s = run_summary(write_scenario("kv-conservation", levels(d, level, level)), {});
    CAPTURE(level);
    const double received = num(s, "components.store.reads") + num(s, "components.store.writes");
    CHECK(received == num(s, "requests.sent"));
    CHECK(received == num(s, "components.store.reads_ok") + num(s, "components.store.writes_ok") + unavailable(s) +
                          num(s, "components.store.in_flight"));
    CHECK(num(s, "requests.ok") == num(s, "components.store.reads_ok") + num(s, "components.store.writes_ok"));
  }
}

TEST_CASE("kv_store: the stale share of R = W = 1 meets its closed form for an exponential replication delay") {
  // A read at ONE asks one replica j of N at random, which answers with what it holds at
  // network + read_time (n + rho) after the read began. The key's last write began a time a
  // before the read, a ~ Exp(lambda) for Poisson writes at lambda per key; replica i applied
  // it at n + d_i, d_i ~ Exp(mu), and the coordinator acknowledged it at the fastest
  // replica's 2n + min d_i. The read is stale when the write was acknowledged (some d_i <=
  // a - 2n) and j had not applied it (d_j > a + rho):
  //   P = integral over a > 2n of lambda e^(-lambda a) e^(-mu (a + rho)) (1 - e^(-(N-1) mu (a - 2n)))
  //     = e^(-mu (rho + 2n) - 2 lambda n) (lambda / (lambda + mu) - lambda / (lambda + N mu)),
  // less what earlier writes add when the last one was not yet acknowledged (second order in
  // lambda / mu, 1% here).
  const double lambda = 2, mu = 200, n = 0.0005, rho = 0.0005, N = 3;
  const double p = std::exp(-mu * (rho + 2 * n) - 2 * lambda * n) * (lambda / (lambda + mu) - lambda / (lambda + N * mu));
  // 500 keys, 1,000 writes a second: 2 per key; 5,000 reads a second. Over 200 s the share
  // varies by about 2% from seed to seed.
  const json d = levels(store(3, 5000, 1000, 500, "200s"), "ONE", "ONE");
  const json s = run_summary(write_scenario("kv-stale", d), {});
  const double share = num(s, "components.store.stale_read_share");
  INFO("stale share " << share << " against " << p);
  CHECK(share == doctest::Approx(p).epsilon(0.06));
}

TEST_CASE("kv_store: a level's latency is an order statistic of the replicas' round trips") {
  // Exponential replica times of mean m: the k-th fastest of N has mean m (1/N + ... +
  // 1/(N-k+1)); the slowest of R, m (1 + 1/2 + ... + 1/R). Plus the two constant hops.
  json d = store(5, 900, 300, 1000, "60s");
  d["components"][2]["read_time"] = {{"dist", "exponential"}, {"mean", "2ms"}};
  d["components"][2]["write_time"] = {{"dist", "exponential"}, {"mean", "4ms"}};
  d["components"][2]["read_repair"] = false;  // a repair would add a round trip to some reads
  struct Case {
    const char* level;
    double read_ms, write_ms;
  };
  for (const Case c : {Case{"ONE", 1 + 2.0, 1 + 4.0 / 3}, Case{"QUORUM", 1 + 2 * 1.5, 1 + 4 * (1.0 / 3 + 1.0 / 2)},
                       Case{"ALL", 1 + 2 * (1 + 1.0 / 2 + 1.0 / 3), 1 + 4 * (1.0 / 3 + 1.0 / 2 + 1)}}) {
    const json s = run_summary(write_scenario("kv-latency", levels(d, c.level, c.level)), {});
    CAPTURE(c.level);
    CHECK(num(s, "components.store.read_latency_ms.mean") == doctest::Approx(c.read_ms).epsilon(0.02));
    CHECK(num(s, "components.store.write_latency_ms.mean") == doctest::Approx(c.write_ms).epsilon(0.02));
  }
}

TEST_CASE("kv_store: hints for a down node are kept within max_hint_window and replayed when it returns") {
  // Three nodes, N = 3: every write sends a mutation to the crashed node, 200 writes a second
  // at a constant pace for the 10 s it is down: 2,000 mutations. Cassandra keeps hints while
  // the node has been down less than the window and replays them when it is back.
  const json base = levels(crash(constant(store(3, 200, 200, 20, "30s")), "5s", 1, "10s"), "ONE", "ONE");
  const json all = run_summary(write_scenario("kv-hints", base), {});
  CHECK(std::abs(num(all, "components.store.hints_stored") - 2000) <= 1);
  CHECK(num(all, "components.store.hints_replayed") == num(all, "components.store.hints_stored"));
  CHECK(num(all, "components.store.mutations_missed") == 0);

  json window = base;
  window["components"][2]["max_hint_window"] = "4s";
  const json w = run_summary(write_scenario("kv-hints", window), {});
  CHECK(std::abs(num(w, "components.store.hints_stored") - 800) <= 1);
  CHECK(std::abs(num(w, "components.store.mutations_missed") - 1200) <= 1);
  CHECK(num(w, "components.store.hints_replayed") == num(w, "components.store.hints_stored"));

  json off = base;
  off["components"][2]["hinted_handoff"] = false;
  const json o = run_summary(write_scenario("kv-hints", off), {});
  CHECK(num(o, "components.store.hints_stored") == 0);
  CHECK(std::abs(num(o, "components.store.mutations_missed") - 2000) <= 1);
  // What the returned node missed, it serves: more stale reads at ONE than with its hints.
  CHECK(num(o, "components.store.stale_reads") > num(all, "components.store.stale_reads"));
}

TEST_CASE("kv_store: read repair as Cassandra's docs describe it: none at ONE, the contacted replicas behind at QUORUM") {
  const json d = store(3, 2000, 400, 10, "20s");
  const json one = run_summary(write_scenario("kv-repair", levels(d, "ONE", "ONE")), {});
  CHECK(num(one, "components.store.read_repairs") == 0);  // one answer: nothing to compare
  // QUORUM of three asks two; when they disagree, exactly one of them is behind.
  const json q = run_summary(write_scenario("kv-repair", levels(d, "QUORUM", "ONE")), {});
  CHECK(num(q, "components.store.read_repairs") > 100);
  CHECK(num(q, "components.store.read_repair_mutations") == num(q, "components.store.read_repairs"));
  // ALL asks three: one or two behind per repair.
  const json a = run_summary(write_scenario("kv-repair", levels(d, "ALL", "ONE")), {});
  CHECK(num(a, "components.store.read_repair_mutations") >= num(a, "components.store.read_repairs"));
  CHECK(num(a, "components.store.read_repair_mutations") <= 2 * num(a, "components.store.read_repairs"));
}

TEST_CASE("kv_store: a sloppy quorum stays available while enough nodes of the ring are up, and may then read stale") {
  // Five nodes, N = 3, QUORUM reads and writes over many keys; nodes 0 and 1 crash for 10 s.
  // Strict (Cassandra): the keys with both among their replicas are refused, no read is stale.
  // Sloppy (Dynamo 4.6): the next healthy nodes of the preference list stand in, nothing is
  // refused, and a read that reaches stand-ins holding nothing of a key written before the
  // crash returns an older version although R + W > N.
  const json base = levels(crash(store(5, 900, 100, 10000, "30s"), "10s", 2, "10s"), "QUORUM", "QUORUM");
  const json strict = run_summary(write_scenario("kv-sloppy", base), {});
  CHECK(unavailable(strict) > 100);
  CHECK(num(strict, "components.store.stale_reads") == 0);
  json d = base;
  d["components"][2]["sloppy_quorum"] = true;
  const json sloppy = run_summary(write_scenario("kv-sloppy", d), {});
  CHECK(unavailable(sloppy) == 0);
  CHECK(num(sloppy, "components.store.sloppy_writes") > 100);
  CHECK(num(sloppy, "components.store.stale_reads") > 0);
  CHECK(num(sloppy, "components.store.hints_replayed") == num(sloppy, "components.store.hints_stored"));
  // With four of five down, one healthy node cannot make a quorum of two, sloppy or not.
  json four = crash(d, "10s", 4, "10s");
  const json f = run_summary(write_scenario("kv-sloppy", four), {});
  CHECK(unavailable(f) > 1000);
}

TEST_CASE("kv_store: under random node failures a level's availability is the k-out-of-n formula") {
  // Three nodes, N = 3, each up and down on its own (MTBF 40 s, MTTR 10 s, both exponential):
  // a node is up with A = 0.8, independently of the others. A read at a level needing k
  // replicas succeeds while k of 3 are up: ONE 1 - (1 - A)^3 = 0.992, QUORUM
  // 3 A^2 (1 - A) + A^3 = 0.896, ALL A^3 = 0.512 (Poisson reads see time averages).
  json d = store(3, 2, 0, 100, "24h");
  d["components"].erase(1);  // reads only
  d["components"][1]["failures"] = json::parse(
      R"({"mtbf": {"dist": "exponential", "mean": "40s"}, "mttr": {"dist": "exponential", "mean": "10s"}, "scope": "instance"})");
  struct Case {
    const char* level;
    double want, tolerance;
  };
  for (const Case c : {Case{"ONE", 0.992, 0.004}, Case{"QUORUM", 0.896, 0.02}, Case{"ALL", 0.512, 0.025}}) {
    d["components"][1]["read_consistency"] = c.level;
    const json s = run_summary(write_scenario("kv-k-of-n", d), {});
    CAPTURE(c.level);
    const double ok = num(s, "components.store.reads_ok") / num(s, "components.store.reads");
    CHECK(std::abs(ok - c.want) < c.tolerance);
    CHECK(num(s, "components.store.nodes_up_mean") == doctest::Approx(2.4).epsilon(0.03));
  }
}

TEST_CASE("kv_store: a level per route, as an application sets one per statement") {
  // Reads of one route at ALL, of another at ONE (the default), writes at ONE: with N = 3,
  // ALL + ONE > 3 and ONE + ONE is not, so only the second route reads stale. A crash of one
  // node refuses only the ALL reads. The per-level figures add up to the store's.
  json d = levels(crash(store(5, 2000, 400, 10, "20s"), "8s", 1, "5s"), "ONE", "ONE");
  d["components"][0]["routes"] = json::array({{{"name", "feed"}, {"weight", 1}, {"keys", {{"count", 10}}}},
                                              {{"name", "balance"}, {"weight", 1}, {"keys", {{"count", 10}}}}});
  d["components"][2]["consistency"] = {{"balance", "ALL"}};
  const json s = run_summary(write_scenario("kv-per-route", d), {});
  CHECK(num(s, "components.store.stale_reads_ALL") == 0);
  CHECK(num(s, "components.store.stale_reads_ONE") > 10);
  CHECK(num(s, "components.store.stale_reads_ONE") == num(s, "components.store.stale_reads"));
  CHECK(num(s, "components.store.reads_ok_ONE") + num(s, "components.store.reads_ok_ALL") == num(s, "components.store.reads_ok"));
  CHECK(num(s, "components.store.reads_unavailable") > 1000);  // the balance reads of the 5 s
  CHECK(num(s, "components.store.reads_unavailable") < 0.6 * 5 * 2000);  // and none of the feed's
  CHECK(num(s, "components.store.read_latency_ALL_ms.count") == num(s, "components.store.reads_ok_ALL"));
}

namespace {

// Two data centres 40 ms apart (one way), three nodes and three replicas each; the writer is
// in eu-west, the reader in us-east: each coordinates in its own region.
json two_regions(const std::string& read, const std::string& write) {
  json d = store(6, 900, 100, 10, "30s");
  d["network"] = json::parse(R"({"regions": {"eu-west": {"latency": {"us-east": "40ms"}}, "us-east": {}}})");
  d["components"][0]["region"] = "us-east";
  d["components"][1]["region"] = "eu-west";
  json& s = d["components"][2];
  s.erase("nodes");
  s.erase("replication_factor");
  s["datacenters"] = json::parse(R"([{"name": "eu-west", "nodes": 3, "replication_factor": 3},
                                     {"name": "us-east", "nodes": 3, "replication_factor": 3}])");
  return levels(d, read, write);
}

}  // namespace

TEST_CASE("kv_store: LOCAL_QUORUM answers within the region and reads the other region's writes late; QUORUM pays the ocean") {
  // LOCAL_QUORUM (2 of the 3 replicas of the coordinator's centre) on both sides never waits
  // for the other region, so a read in us-east misses the writes of eu-west for the 40 ms
  // they take to cross. QUORUM of all six (4) overlaps any write quorum: no stale read, but a
  // read waits for at least one replica across the ocean: 2 x 40 ms on top.
  const json local = run_summary(write_scenario("kv-regions", two_regions("LOCAL_QUORUM", "LOCAL_QUORUM")), {});
  CHECK(num(local, "components.store.stale_read_share") > 0.1);
  CHECK(num(local, "components.store.read_latency_ms.p99") < 20);
  CHECK(num(local, "components.store.write_latency_ms.p99") < 40);
  const json quorum = run_summary(write_scenario("kv-regions", two_regions("QUORUM", "QUORUM")), {});
  CHECK(num(quorum, "components.store.stale_reads") == 0);
  CHECK(num(quorum, "components.store.read_latency_ms.p50") > 80);
  CHECK(num(quorum, "components.store.write_latency_ms.p50") > 80);
  // A LOCAL_QUORUM read over an ALL write (3 + 6 > 6) is never stale either.
  const json all = run_summary(write_scenario("kv-regions", two_regions("LOCAL_QUORUM", "ALL")), {});
  CHECK(num(all, "components.store.stale_reads") == 0);
}

TEST_CASE("kv_store: a data centre lost: LOCAL levels go on in the other, QUORUM of all fails everywhere") {
  // Nodes are numbered centre by centre: a crash of three takes eu-west down for 10 s. Its
  // writer is refused at LOCAL_QUORUM (nothing local is up); the us-east reader is not.
  // At QUORUM (4 of 6) both are refused while only three replicas are up.
  const json local = run_summary(write_scenario("kv-dc-loss", crash(two_regions("LOCAL_QUORUM", "LOCAL_QUORUM"), "10s", 3, "10s")), {});
  CHECK(num(local, "components.store.reads_unavailable") == 0);
  CHECK(num(local, "components.store.writes_unavailable") > 800);
  const json quorum = run_summary(write_scenario("kv-dc-loss", crash(two_regions("QUORUM", "QUORUM"), "10s", 3, "10s")), {});
  CHECK(num(quorum, "components.store.reads_unavailable") > 8000);
  CHECK(num(quorum, "components.store.writes_unavailable") > 800);
}

TEST_CASE("kv_store: analyze holds a request for the slower of a read and a write at their levels") {
  // The shipped scenario: reads at ONE take 0.5 + 0.5 + 0.5 = 1.5 ms; writes at ONE the
  // fastest of three exponential 5 ms applies plus two 0.5 ms hops, 1 + 5/3 = 2.667 ms. At
  // ALL: the slowest of three, 1 + 5 (1/3 + 1/2 + 1) = 10.167 ms.
  const std::string path = archsim::e2e::source_path("scenarios/consensus/consistency-levels.json");
  const json one = archsim::e2e::run_analyze(path);
  CHECK(num(one, "components.store.response_ms") == doctest::Approx(1 + 5.0 / 3).epsilon(0.03));
  const json all = archsim::e2e::run_analyze(path, {"store.write_consistency=ALL"});
  CHECK(num(all, "components.store.response_ms") == doctest::Approx(1 + 5 * (1.0 / 3 + 1.0 / 2 + 1)).epsilon(0.03));
}
