// Bad input on the data tier (caches, databases, consensus groups): each fault at its JSON
// pointer, one line, exit 2 (tests/e2e/bad_input.h).
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/bad_input.h"
#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::RunResult;
using namespace archsim::e2e::bad_input;
using nlohmann::json;

TEST_CASE("bad input: Redis's LRU clock is a duration, for sampled_lru only") {
  auto scenario = [](const std::string& eviction, const nlohmann::json& clock) {
    return nlohmann::json{
        {"duration", "10s"},
        {"components",
         {{{"id", "users"}, {"type", "client"}, {"target", "api"}, {"arrivals", {{"rate", 10}}},
           {"routes", {{{"name", "get"}, {"keys", {{"count", 100}}}}}}},
          {{"id", "api"}, {"type", "service"}, {"routes", {{"get", {{{"call", "cache"}, {"route", "get"}}}}}}},
          {{"id", "cache"}, {"type", "cache"}, {"eviction", eviction}, {"lru_clock", clock}}}}};
  };
  const std::string lru = archsim::e2e::write_scenario("lru-clock-exact-lru", scenario("lru", "1s"));
  std::string line = one_error_line(run_bad(lru));
  CHECK(line.rfind(lru + ": /components/2/lru_clock: ", 0) == 0);
  CHECK(line.find("sampled_lru") != std::string::npos);
  const std::string unit = archsim::e2e::write_scenario("lru-clock-unit", scenario("sampled_lru", "1 fortnight"));
  line = one_error_line(run_bad(unit));
  CHECK(line.rfind(unit + ": /components/2/lru_clock", 0) == 0);
  const RunResult ok = run_bad(archsim::e2e::write_scenario("lru-clock-ok", scenario("sampled_lru", "1s")));
  INFO(describe(ok));
  CHECK(ok.exit_code == 0);
}

TEST_CASE("bad input: a cache's persistence (Redis RDB and AOF), each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/caching/redis-persistence.json");
  const std::string at = "/components/2/persistence";
  struct SetCase {
    std::string set;
    std::string pointer;
    std::vector<const char*> words;
  };
  const SetCase cases[] = {
      {"cache.persistence.save=\"60 10000\"", at + "/save", {"expected an array"}},
      {"cache.persistence.save=[[\"60s\"]]", at + "/save/0", {"[seconds, changes]"}},
      {"cache.persistence.save=[[\"1500ms\",10]]", at + "/save/0/0", {"whole number of seconds"}},
      {"cache.persistence.save=[[\"60s\",0]]", at + "/save/0/1", {">= 1"}},
      {"cache.persistence.save=[[\"60s\",1.5]]", at + "/save/0/1", {"integer"}},
      {"cache.persistence.appendonly=\"yes\"", at + "/appendonly", {}},
      {"cache.persistence.appendfsync=\"sometimes\"", at + "/appendfsync", {"everysec"}},
      {"cache.persistence.fsync_latency=\"-1ms\"", at + "/fsync_latency", {}},
      {"cache.persistence.apendonly=true", at + "/apendonly", {"appendonly"}},
      {"cache.persistence=true", at, {"object"}},
  };
  for (const SetCase& sc : cases) {
    CAPTURE(sc.set);
    check_semantic_error(run_bad(path, {"--set", sc.set}), path, {"", sc.pointer.c_str(), sc.words, true});
  }
  // A local cache lives inside its caller's instances: no disk of its own.
  const nlohmann::json local = {
      {"duration", "10s"},
      {"components",
       {{{"id", "users"}, {"type", "client"}, {"target", "api"}, {"arrivals", {{"rate", 10}}},
         {"routes", {{{"name", "get"}, {"keys", {{"count", 100}}}}}}},
        {{"id", "api"}, {"type", "service"}, {"routes", {{"get", {{{"call", "cache"}, {"route", "get"}}}}}}},
        {{"id", "cache"}, {"type", "cache"}, {"local", true}, {"persistence", {{"appendonly", true}}}}}}};
  const std::string lp = archsim::e2e::write_scenario("persistence-local", local);
  check_semantic_error(run_bad(lp), lp, {"", "/components/2/persistence", {"local"}});
}

TEST_CASE("bad input: a database's row locks and transactions, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/databases/deadlock.json");
  const std::string at = "/components/2";
  struct SetCase {
    std::vector<std::string> set;
    std::string pointer;
    std::vector<const char*> words;
  };
  const SetCase cases[] = {
      {{"db.row_locks=\"yes\""}, at + "/row_locks", {}},
      {{"db.deadlock_detect=1"}, at + "/deadlock_detect", {}},
      {{"db.transactions=null"}, at + "/deadlock_detect", {"row_locks"}},
      {{"db.transactions.refund.rows=0"}, at + "/transactions/refund/rows", {}},
      {{"db.transactions.refund.order=\"random\""}, at + "/transactions/refund/order", {"ascending"}},
      {{"db.transactions.refund.row_cost=\"-5ms\""}, at + "/transactions/refund/row_cost", {}},
      {{"db.transactions.refund.rowz=2"}, at + "/transactions/refund/rowz", {"rows"}},
      {{"db.transactions.write={\"rows\":2}"}, at + "/transactions/write", {"already a query"}},
      {{"db.shards=2"}, at + "/transactions", {"unsharded"}},
      {{"db.transactions=[]"}, at + "/transactions", {"object"}},
  };
  for (const SetCase& sc : cases) {
    std::vector<std::string> extra;
    for (const auto& a : sc.set) extra.insert(extra.end(), {"--set", a});
    CAPTURE(sc.set.front());
    check_semantic_error(run_bad(path, extra), path, {"", sc.pointer.c_str(), sc.words, true});
  }
}

TEST_CASE("bad input: a database's leases, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/databases/lease-pause.json");
  const std::string at = "/components/2/leases";
  const std::pair<std::string, std::string> cases[] = {
      {"db.leases.ttl=\"0s\"", at + "/ttl"},
      {"db.leases.ttl=\"soon\"", at + "/ttl"},
      {"db.leases.fencing=\"yes\"", at + "/fencing"},
      {"db.leases.fence=true", at + "/fence"},
      {"db.leases=true", at},
  };
  for (const auto& sp : cases) {
    // Clang 14 (the sanitizer build) cannot capture a structured binding in CAPTURE.
    const std::string& set = sp.first;
    const std::string& pointer = sp.second;
    CAPTURE(set);
    check_semantic_error(run_bad(path, {"--set", set}), path, {"", pointer.c_str(), {}, true});
  }
  check_semantic_error(run_bad(path, {"--set", "db.queries.lease_write=\"1ms\""}), path,
                       {"", at.c_str(), {"already a query"}, true});
}

TEST_CASE("bad input: a database's change data capture, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/databases/cdc-projection.json");
  const std::string at = "/components/1";
  const std::pair<std::string, std::string> cases[] = {
      {"db.cdc.queue=\"nowhere\"", at + "/cdc/queue"},
      {"db.cdc.queue=null", at + "/cdc"},
      {"db.cdc.poll_interval=\"0s\"", at + "/cdc/poll_interval"},
      {"db.cdc.poll_intervall=\"1s\"", at + "/cdc/poll_intervall"},
      {"db.cdc=\"changes\"", at + "/cdc"},
      {"db.shards=2", at + "/cdc"},
  };
  for (const auto& sp : cases) {
    // Clang 14 (the sanitizer build) cannot capture a structured binding in CAPTURE.
    const std::string& set = sp.first;
    const std::string& pointer = sp.second;
    CAPTURE(set);
    check_semantic_error(run_bad(path, {"--set", set}), path, {"", pointer.c_str(), {}, true});
  }
}

TEST_CASE("bad input: string key formats, value size distributions and perfect_lfu, each fault at its pointer") {
  struct SetCase {
    const char* scenario;
    const char* set;
    Case c;
  };
  const SetCase cases[] = {
      {"hash-tags.json", "users.routes.0.keys.format=user", {"", "/components/0/routes/0/keys/format", {"has no %d"}}},
      {"hash-tags.json", "users.routes.0.keys.format=u%s%d", {"", "/components/0/routes/0/keys/format", {"other than its one %d"}}},
      {"maxmemory.json", "cache.value_bytes={\"dist\":\"uniform\",\"min\":10,\"max\":2}", {"", "/components/2/value_bytes/max", {"min"}}},
      {"maxmemory.json", "cache.value_bytes={\"dist\":\"pareto\"}", {"", "/components/2/value_bytes/dist", {"lognormal"}}},
      {"maxmemory.json", "cache.value_bytes={\"dist\":\"lognormal\",\"median\":100,\"p99\":50}", {"", "/components/2/value_bytes/p99", {"median"}}},
      {"lfu-perfect.json", "cache.eviction=perfect-lfu", {"", "/components/2/eviction", {"perfect_lfu"}}},
  };
  for (const SetCase& sc : cases) {
    const std::string path = archsim::e2e::source_path(std::string("scenarios/caching/") + sc.scenario);
    CAPTURE(sc.set);
    check_semantic_error(run_bad(path, {"--set", sc.set}), path, sc.c);
  }
}

TEST_CASE("bad input: a cache's route_value_bytes, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/caching/maxmemory.json");
  check_set_cases(path, {
      {"cache.route_value_bytes=100", {"", "/components/2/route_value_bytes", {"object"}}},
      {"cache.route_value_bytes={\"set\":0}", {"", "/components/2/route_value_bytes/set", {}}},
      {"cache.route_value_bytes={\"set\":\"big\"}", {"", "/components/2/route_value_bytes/set", {}}},
      {"cache.route_value_bytes={\"set\":{\"dist\":\"uniform\",\"min\":10,\"max\":2}}", {"", "/components/2/route_value_bytes/set/max", {"min"}}},
  });
}

TEST_CASE("bad input: a memory_leak on a cache or database is refused at its target, naming the field") {
  const std::string path = archsim::e2e::source_path("scenarios/caching/maxmemory.json");
  for (const char* target : {"cache", "db"}) {
    CAPTURE(target);
    const std::string set = std::string("faults=[{\"at\":\"10s\",\"kind\":\"memory_leak\",\"target\":\"") + target +
                            "\",\"per_second_mb\":1}]";
    // Both take the field (absent here): the message names it.
    check_semantic_error(run_bad(path, {"--set", set}), path,
                         {"", "/faults/0/target", {"set its memory.limit_mb", "container limit"}});
  }
}

TEST_CASE("bad input: a consensus group's fields and its own faults, each fault at its pointer") {
  const std::string file = bad("consensus_too_many_members.json");
  check_semantic_error(run_bad(file), file, {"consensus_too_many_members.json", "/components/1/members", {"9"}});
  const std::string path = archsim::e2e::source_path("scenarios/consensus/raft-partition.json");
  check_set_cases(path, {
      {"group.members=4", {"", "/components/1/members", {"odd"}}},
      {"group.members=0", {"", "/components/1/members", {}}},
      {"group.quorum=\"yes\"", {"", "/components/1/quorum", {}}},
      {"group.heartbeat=\"0s\"", {"", "/components/1/heartbeat", {}}},
      {"group.election_timeout=\"150ms\"", {"", "/components/1/election_timeout", {"heartbeat"}}},
      {"group.network=\"-1ms\"", {"", "/components/1/network", {}}},
      {"group.fsync=\"slow\"", {"", "/components/1/fsync", {}}},
      {"group.crash={}", {"", "/components/1/crash/at", {}}},
      {"group.crash={\"at\":\"5s\",\"duration\":\"-1s\"}", {"", "/components/1/crash/duration", {}}},
      {"group.crash={\"at\":\"5s\",\"member\":2}", {"", "/components/1/crash/member", {"unknown field"}}},
      {"group.partition={\"at\":\"5s\",\"duration\":\"5s\"}", {"", "/components/1/partition/members", {}}},
      {"group.partition={\"duration\":\"5s\",\"members\":[0]}", {"", "/components/1/partition/at", {}}},
      {"group.partition={\"at\":\"5s\",\"members\":[0]}", {"", "/components/1/partition/duration", {}}},
      {"group.partition={\"at\":\"5s\",\"duration\":\"5s\",\"members\":[7]}", {"", "/components/1/partition/members/0", {"0 to 4"}}},
      {"group.partition={\"at\":\"5s\",\"duration\":\"5s\",\"members\":[1,1]}", {"", "/components/1/partition/members/1", {"twice"}}},
      {"group.partition={\"at\":\"5s\",\"duration\":\"5s\",\"members\":[]}", {"", "/components/1/partition/members", {"not all"}}},
      {"group.partition={\"at\":\"5s\",\"duration\":\"5s\",\"members\":[0,1,2,3,4]}", {"", "/components/1/partition/members", {"not all"}}},
      {"group.partition={\"at\":\"5s\",\"duration\":\"5s\",\"members\":\"0\"}", {"", "/components/1/partition/members", {}}},
  });
}

TEST_CASE("bad input: a leaderless store's fields, each fault at its pointer") {
  const std::string file = bad("kv_store_level_above_rf.json");
  check_semantic_error(run_bad(file), file, {"kv_store_level_above_rf.json", "/components/1/read_consistency", {"THREE", "needs 3", "replication_factor is 2"}});
  const std::string path = archsim::e2e::source_path("scenarios/consensus/consistency-levels.json");
  check_set_cases(path, {
      {"store.nodes=0", {"", "/components/1/nodes", {}}},
      {"store.nodes=65", {"", "/components/1/nodes", {}}},
      {"store.replication_factor=6", {"", "/components/1/replication_factor", {"5 nodes"}}},
      {"store.replication_factor=0", {"", "/components/1/replication_factor", {}}},
      {"store.vnodes=0", {"", "/components/1/vnodes", {}}},
      {"store.read_consistency=\"quorum\"", {"", "/components/1/read_consistency", {"QUORUM"}}},
      {"store.write_consistency=\"LOCAL_QUORUM\"", {"", "/components/1/write_consistency", {}}},
      {"store.write_consistency=2", {"", "/components/1/write_consistency", {}}},
      {"store.network=\"-1ms\"", {"", "/components/1/network", {}}},
      {"store.read_time=\"slow\"", {"", "/components/1/read_time", {}}},
      {"store.write_time={\"dist\":\"exponential\"}", {"", "/components/1/write_time", {}, true}},
      {"store.read_repair=\"yes\"", {"", "/components/1/read_repair", {}}},
      {"store.hinted_handoff=1", {"", "/components/1/hinted_handoff", {}}},
      {"store.sloppy_quorum=\"yes\"", {"", "/components/1/sloppy_quorum", {}}},
      {"store.consistency=\"QUORUM\"", {"", "/components/1/consistency", {}}},
      {"store.consistency={\"read\":\"FOUR\"}", {"", "/components/1/consistency/read", {"QUORUM"}}},
      {"store.max_hint_window=\"-1s\"", {"", "/components/1/max_hint_window", {}}},
      {"store.restart_time=\"0s\"", {"", "/components/1/restart_time", {}}},
      {"store.replicas=3", {"", "/components/1/replicas", {"unknown field"}}},
  });
  check_set_cases(path, {
      {"store.read_consistency=\"LOCAL_QUORUM\"", {"", "/components/1/read_consistency", {"datacenters"}}},
      {"store.datacenters=[{\"name\":\"eu\"}]", {"", "/components/1/nodes", {"per data centre"}}},
      {"store.datacenters=3", {"", "/components/1/datacenters", {}}},
  });
  {
    // Data centres: each fault at its place (the scenario without nodes and replication_factor).
    json d = json::parse(archsim::e2e::read_text(path));
    d["components"][1].erase("nodes");
    d["components"][1].erase("replication_factor");
    d["network"] = json::parse(R"({"regions": {"eu": {"latency": {"us": "40ms"}}, "us": {}}})");
    d["components"][0]["region"] = "eu";
    const std::string dcs = archsim::e2e::write_scenario("kv-bad-dcs", d);
    check_set_cases(dcs, {
        {"store.datacenters=[{\"name\":\"asia\"}]", {"", "/components/1/datacenters/0/name", {"unknown region", "network.regions"}}},
        {"store.datacenters=[{\"name\":\"eu\"},{\"name\":\"eu\"}]", {"", "/components/1/datacenters/1/name", {"twice"}}},
        {"store.datacenters=[{\"name\":\"eu\",\"nodes\":2,\"replication_factor\":3}]", {"", "/components/1/datacenters/0/replication_factor", {}}},
        {"store.datacenters=[{\"name\":\"eu\",\"racks\":2}]", {"", "/components/1/datacenters/0/racks", {"unknown field"}}},
        {"store.datacenters=[{\"nodes\":2}]", {"", "/components/1/datacenters/0/name", {}}},
    });
    check_semantic_error(run_bad(dcs, {"--set", "store.datacenters=[{\"name\":\"eu\"}]", "--set", "store.sloppy_quorum=true"}), dcs,
                         {"", "/components/1/sloppy_quorum", {"datacenters"}});
    check_semantic_error(run_bad(dcs, {"--set", "store.datacenters=[{\"name\":\"eu\"}]", "--set", "store.region=\"eu\""}), dcs,
                         {"", "/components/1/region", {"datacenters"}});
  }
  // A route's own level above the replication factor, at the route's place.
  check_semantic_error(run_bad(path, {"--set", "store.replication_factor=2", "--set", "store.consistency={\"read\":\"THREE\"}"}), path,
                       {"", "/components/1/consistency/read", {"THREE", "needs 3"}});
}

TEST_CASE("bad input: a cache's memory limit, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/caching/redis-oom-restart.json");
  check_set_cases(path, {
      {"cache.memory.limit_mb=0", {"", "/components/1/memory/limit_mb", {"positive"}}},
      {"cache.memory.limit_mb=\"big\"", {"", "/components/1/memory/limit_mb", {"number"}}},
      {"cache.memory={\"base_mb\":8}", {"", "/components/1/memory/limit_mb", {}}},
      {"cache.memory.base_mb=600", {"", "/components/1/memory/base_mb", {"below limit_mb"}}},
      {"cache.memory.base_mb=-1", {"", "/components/1/memory/base_mb", {}}},
      {"cache.memory.limit_mb=150", {"", "/components/1/memory/limit_mb", {"maxmemory", "capacity_bytes"}}},
      {"cache.memory.per_request_mb=1", {"", "/components/1/memory/per_request_mb", {"unknown field"}}},
  });
  // A local cache lives in its callers' memory: the limit is theirs.
  const std::string l1 = archsim::e2e::source_path("scenarios/caching/l1-l2.json");
  check_semantic_error(run_bad(l1, {"--set", "l1.memory={\"limit_mb\":100}"}), l1,
                       {"", "/components/2/memory", {"local", "calling service"}});
}

TEST_CASE("bad input: a database's memory limit, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/databases/failover.json");
  check_set_cases(path, {
      {"db.memory={\"limit_mb\":0}", {"", "/components/1/memory/limit_mb", {"positive"}}},
      {"db.memory={\"limit_mb\":\"big\"}", {"", "/components/1/memory/limit_mb", {"number"}}},
      {"db.memory={\"base_mb\":8}", {"", "/components/1/memory/limit_mb", {}}},
      {"db.memory={\"limit_mb\":100,\"base_mb\":100}", {"", "/components/1/memory/base_mb", {"below limit_mb"}}},
      {"db.memory={\"limit_mb\":100,\"per_request_mb\":1}", {"", "/components/1/memory/per_request_mb", {"unknown field"}}},
  });
}
