// Bad scenarios are answered, never crashed on (docs/scenario-format.md): exit code 2, stdout empty,
// and exactly one line on stderr,
//     <file>: <json-pointer>: <message>          for a scenario that parses but is wrong
//     <file>:<line>:<column>: <message>          for malformed JSON
// Each input is a small file in tests/e2e/bad/ with exactly one fault; the test names the
// JSON location it must be reported at and words the message must contain.
#include <doctest/doctest.h>

#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::lines;
using archsim::e2e::run_archsim;
using archsim::e2e::RunResult;

namespace {

std::string bad(const std::string& file) { return archsim::e2e::source_path("tests/e2e/bad/" + file); }

// What the line starts with before the file name: nothing, so that editors and CI annotators
// that parse "<file>:<line>:<column>:" at the start of a line can jump to the fault.
constexpr const char* kLinePrefix = "";

// Bad input must not take long: validation happens before t = 0.
constexpr double kTimeout = 30;

RunResult run_bad(const std::string& path, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"run", path, "--json", "--quiet", "--out", archsim::e2e::scratch_dir("bad")};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_archsim(args, kTimeout);
}

// Exit 2, nothing on stdout, one line on stderr; returns that line (or "" after a failed check).
std::string one_error_line(const RunResult& r) {
  INFO(describe(r));
  CHECK(!r.timed_out);
  CHECK(r.signal == 0);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  const auto ls = lines(r.err);
  CHECK(ls.size() == 1);
  CHECK((!r.err.empty() && r.err.back() == '\n'));
  return ls.empty() ? std::string() : ls.front();
}

struct Case {
  const char* file;
  const char* pointer;             // the exact JSON pointer, or a prefix when `pointer_prefix`
  std::vector<const char*> words;  // must appear in the message (case-sensitive)
  bool pointer_prefix = false;
};

void check_semantic_error(const RunResult& r, const std::string& path, const Case& c) {
  const std::string line = one_error_line(r);
  INFO("stderr line: ", line);
  const std::string head = kLinePrefix + path + ": " + c.pointer;
  if (c.pointer_prefix) {
    CHECK(line.rfind(head, 0) == 0);
  } else {
    CHECK(line.rfind(head + ": ", 0) == 0);
  }
  for (const char* w : c.words) {
    CAPTURE(w);
    CHECK(line.find(w) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("bad input: malformed JSON is reported with its line and column") {
  // tests/e2e/bad/malformed.json lacks the comma at the end of line 3; a JSON reader first
  // notices at the string that opens line 4.
  const std::string path = bad("malformed.json");
  for (const char* cmd : {"run", "validate"}) {
    CAPTURE(cmd);
    const auto r = std::string(cmd) == "run" ? run_bad(path) : run_archsim({"validate", path}, kTimeout);
    const std::string line = one_error_line(r);
    INFO("stderr line: ", line);
    CHECK(line.rfind(kLinePrefix + path + ":", 0) == 0);
    // Either "<file>:4:<col>: ..." or a message with "line 4, column <col>".
    std::smatch m;
    const bool compact = std::regex_search(line, m, std::regex("^.*?:([0-9]+):([0-9]+): "));
    const bool words = !compact && std::regex_search(line, m, std::regex("line ([0-9]+),? column ([0-9]+)"));
    REQUIRE((compact || words));
    CHECK(m[1].str() == "4");
    CHECK(std::stoi(m[2].str()) >= 1);
  }
}

TEST_CASE("bad input: each fault is named at its JSON location") {
  const std::vector<Case> cases = {
      // A misspelt required field: the typo is the fault to name, not the missing field.
      {"unknown_field.json", "/components/1/servce_time", {"did you mean", "service_time"}},
      {"unknown_optional_field.json", "/components/1/concurency", {"did you mean", "concurrency"}},
      {"unknown_type.json", "/components/1/type", {"servise"}},
      {"missing_reference.json", "/components/0/target", {"wbe"}},
      {"negative_rate.json", "/components/0/arrivals/rate", {}},
      {"negative_duration.json", "/duration", {}},
      {"negative_service_time.json", "/components/1/service_time/mean", {}},
      {"unknown_unit.json", "/components/0/timeout", {"parsecs"}},
      {"wrong_type.json", "/components/1/replicas", {}},
      {"empty_components.json", "/components", {}},
      {"sync_cycle.json", "/components", {"cycle", "alpha", "beta"}, true},
      {"fixed_count_open_loop.json", "/components/0/iterations", {"users", "arrivals"}},
      {"access_log_sample_zero.json", "/components/0/access_log/sample", {"above 0"}},
  };
  for (const Case& c : cases) {
    const std::string path = bad(c.file);
    CAPTURE(path);
    check_semantic_error(run_bad(path), path, c);
    // validate reads the same way and says the same thing.
    const auto v = run_archsim({"validate", path}, kTimeout);
    check_semantic_error(v, path, c);
  }
}

TEST_CASE("bad input: a run that would exhaust memory is refused") {
  // 1e12 closed-loop users would need terabytes of per-user state: refuse before t = 0.
  const std::string path = bad("huge_users.json");
  check_semantic_error(run_bad(path), path, {"huge_users.json", "/components/0/users", {"memory"}});
  const auto v = run_archsim({"validate", path}, kTimeout);
  INFO(describe(v));
  CHECK((v.exit_code == 0 || v.exit_code == 2));  // a static check may or may not catch it
}

TEST_CASE("bad input: --set is validated like the file") {
  // A typo in an override is as wrong as one in the file. Where the message points (the
  // file's JSON location or the --set argument) is the engine's choice; the words are not.
  const std::string path = archsim::e2e::basic_scenario("mm1.json");
  {
    const std::string line = one_error_line(run_bad(path, {"--set", "web.concurency=4"}));
    INFO("stderr line: ", line);
    CHECK(line.find("concurency") != std::string::npos);
    CHECK(line.find("did you mean") != std::string::npos);
    CHECK(line.find("concurrency") != std::string::npos);
  }
  {
    const std::string line = one_error_line(run_bad(path, {"--set", "users.arrivals.rate=-1"}));
    INFO("stderr line: ", line);
    CHECK(line.find("rate") != std::string::npos);
  }
}

TEST_CASE("--set PATH=null makes the field absent, and validate takes --set") {
  // The scenario format says a null field counts as absent (its default applies), whatever
  // the mode: an open-loop client has no think_time, and null must not put one there.
  const std::string path = archsim::e2e::basic_scenario("mm1.json");
  const std::string out = archsim::e2e::scratch_dir("set-null");
  RunResult ok = run_archsim({"run", path, "--json", "--quiet", "--out", out, "--set", "duration=2m",
                              "--set", "users.think_time=null", "--set", "web.queue_capacity=null",
                              "--set", "web.memory.limit_mb=null"}, kTimeout);
  INFO(describe(ok));
  CHECK(ok.exit_code == 0);
  RunResult v = run_archsim({"validate", path, "--set", "users.think_time=null"}, kTimeout);
  INFO(describe(v));
  CHECK(v.exit_code == 0);
  CHECK(v.out.find(": ok") != std::string::npos);
  // validate applies the overrides as run does: a bad one is the same one-line error.
  const std::string line = one_error_line(run_archsim({"validate", path, "--set", "web.concurency=4"}, kTimeout));
  CHECK(line.find("did you mean") != std::string::npos);
  // A null item of an array stays there (and is refused where an item is needed).
  one_error_line(run_archsim({"validate", path, "--set", "components.1=null"}, kTimeout));
}

TEST_CASE("bad input: a missing scenario file") {
  const std::string path = bad("no_such_file.json");
  const std::string line = one_error_line(run_bad(path));
  INFO("stderr line: ", line);
  CHECK(line.find(path) != std::string::npos);
}

TEST_CASE("bad input: a mistake on the command line is one line naming the command") {
  const std::string mm1 = archsim::e2e::source_path("scenarios/basics/mm1.json");
  struct CommandLineCase {
    std::vector<std::string> args;
    const char* starts;  // the line's beginning: the command as far as it was understood
    const char* word;    // what the line must say
  };
  const CommandLineCase cases[] = {
      {{}, "archsim: ", "expected a command first: run, compare, plan, metastability, validate, report, graph, analyze or import"},
      {{"simulate", mm1}, "archsim: ", "unknown command \"simulate\""},
      {{"run"}, "archsim run: ", "scenario is required"},
      {{"run", mm1, "--no-such-flag"}, "archsim run: ", "--no-such-flag"},
      {{"run", mm1, "--threads", "999"}, "archsim run: ", "--threads"},
      {{"compare", mm1}, "archsim compare: ", "--vary"},
  };
  for (const auto& c : cases) {
    const std::string line = one_error_line(run_archsim(c.args, kTimeout));
    INFO("stderr line: ", line);
    CHECK(line.rfind(c.starts, 0) == 0);
    CHECK(line.find(c.word) != std::string::npos);
    CHECK(line.find("--help") != std::string::npos);
  }
}

TEST_CASE("bad input: Envoy least_request and NGINX upstream settings are checked, and refused where they do not apply") {
  auto scenario = [](const std::string& algorithm, const nlohmann::json& extra) {
    nlohmann::json lb = {{"id", "lb"}, {"type", "balancer"}, {"algorithm", algorithm}, {"targets", {"a", "b"}}};
    lb.update(extra);
    return nlohmann::json{{"duration", "10s"},
                          {"components",
                           {{{"id", "users"}, {"type", "client"}, {"target", "lb"}, {"arrivals", {{"rate", 10}}}},
                            lb,
                            {{"id", "a"}, {"type", "service"}, {"service_time", "1ms"}},
                            {{"id", "b"}, {"type", "service"}, {"service_time", "1ms"}}}}};
  };
  struct BadField {
    const char* name;
    std::string algorithm;
    nlohmann::json extra;
    const char* pointer;
    const char* word;
  };
  const std::vector<BadField> cases = {
      {"choice-count-zero", "power_of_two", {{"choice_count", 0}}, "/components/1/choice_count", "choice_count"},
      {"choice-count-huge", "power_of_two", {{"choice_count", 101}}, "/components/1/choice_count", "choice_count"},
      {"bias-negative", "power_of_two", {{"active_request_bias", -1}}, "/components/1/active_request_bias",
       "active_request_bias"},
      {"choice-count-rr", "round_robin", {{"choice_count", 2}}, "/components/1/choice_count", "power_of_two"},
      {"bias-ketama", "ketama", {{"active_request_bias", 1}}, "/components/1/active_request_bias", "power_of_two"},
      {"max-fails-negative", "round_robin", {{"max_fails", -1}}, "/components/1/max_fails", "max_fails"},
      {"fail-timeout-bad", "round_robin", {{"fail_timeout", "10 parsecs"}}, "/components/1/fail_timeout", "fail_timeout"},
      {"next-upstream-unknown", "round_robin", {{"next_upstream", {"error", "http_501"}}}, "/components/1/next_upstream/1",
       "http_501"},
      {"next-upstream-tries-alone", "round_robin", {{"next_upstream_tries", 2}}, "/components/1/next_upstream_tries",
       "next_upstream"},
      {"next-upstream-timeout-negative", "round_robin", {{"next_upstream", {"error"}}, {"next_upstream_timeout", "-1s"}},
       "/components/1/next_upstream_timeout", "next_upstream_timeout"},
      {"distinct-rr", "round_robin", {{"distinct_choices", true}}, "/components/1/distinct_choices", "power_of_two"},
      {"distinct-not-bool", "power_of_two", {{"distinct_choices", "yes"}}, "/components/1/distinct_choices", "true or false"},
      {"distinct-three", "power_of_two", {{"distinct_choices", true}, {"choice_count", 3}}, "/components/1/choice_count",
       "random two"},
      {"workers-zero", "least_connections", {{"workers", 0}}, "/components/1/workers", "workers"},
      {"shared-zone-one-worker", "least_connections", {{"shared_zone", true}}, "/components/1/shared_zone", "workers"},
      {"accept-one-worker", "least_connections", {{"accept", "reuseport"}}, "/components/1/accept", "workers"},
      {"accept-unknown", "least_connections", {{"workers", 2}, {"accept", "fifo"}}, "/components/1/accept", "reuseport"},
      {"max-conn-zero", "round_robin", {{"max_conn", 0}}, "/components/1/max_conn", "max_conn"},
      {"max-conn-hash", "ketama", {{"max_conn", 1}}, "/components/1/max_conn", "hashed"},
      {"max-conn-workers", "round_robin", {{"max_conn", 1}, {"workers", 4}}, "/components/1/max_conn", "workers"},
      {"max-conn-routes", "round_robin", {{"max_conn", 1}, {"routes", {{"static", {"a"}}}}}, "/components/1/routes",
       "own balancer"},
      {"queue-timeout-alone", "round_robin", {{"queue_timeout", "1s"}}, "/components/1/queue_timeout", "max_conn"},
      {"queue-timeout-bad", "round_robin", {{"max_conn", 1}, {"queue_timeout", "soon"}}, "/components/1/queue_timeout",
       "queue_timeout"},
      {"target-max-conn-negative", "round_robin", {{"targets", {"a", {{"id", "b"}, {"max_conn", -1}}}}},
       "/components/1/targets/1/max_conn", "max_conn"},
  };
  for (const BadField& c : cases) {
    CAPTURE(c.name);
    const std::string path = archsim::e2e::write_scenario(c.name, scenario(c.algorithm, c.extra));
    const std::string line = one_error_line(run_bad(path));
    INFO("stderr line: ", line);
    CHECK(line.rfind(path + ": " + c.pointer + ": ", 0) == 0);
    CHECK(line.find(c.word) != std::string::npos);
  }
  // The same balancer with valid settings runs.
  const RunResult ok = run_bad(archsim::e2e::write_scenario(
      "least-request-ok", scenario("power_of_two", {{"choice_count", 3}, {"active_request_bias", 0.5}})));
  INFO(describe(ok));
  CHECK(ok.exit_code == 0);
  const RunResult nginx = run_bad(archsim::e2e::write_scenario(
      "nginx-upstream-ok", scenario("round_robin", {{"max_fails", 3}, {"fail_timeout", "30s"},
                                                    {"next_upstream", {"error", "timeout"}}, {"next_upstream_tries", 2},
                                                    {"next_upstream_timeout", "5s"}})));
  INFO(describe(nginx));
  CHECK(nginx.exit_code == 0);
  const RunResult mechanisms = run_bad(archsim::e2e::write_scenario(
      "balancer-mechanisms-ok", scenario("power_of_two", {{"distinct_choices", true}, {"workers", 4}})));
  INFO(describe(mechanisms));
  CHECK(mechanisms.exit_code == 0);
  const RunResult queue = run_bad(archsim::e2e::write_scenario(
      "proxy-queue-ok", scenario("least_connections", {{"max_conn", 2}, {"queue_timeout", "5s"}})));
  INFO(describe(queue));
  CHECK(queue.exit_code == 0);
}

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

TEST_CASE("bad input: a service's wait_thresholds, each fault at its pointer") {
  const std::string path = archsim::e2e::basic_scenario("mmc.json");
  const Case cases[] = {
      {"[]", "/components/1/wait_thresholds", {"one or more durations"}},
      {"[\"0s\"]", "/components/1/wait_thresholds/0", {"positive duration"}},
      {"[\"10ms\",\"5ms\"]", "/components/1/wait_thresholds/1", {"ascending"}},
      {"[\"10ms\",\"10ms\"]", "/components/1/wait_thresholds/1", {"each once"}},
      {"\"10ms\"", "/components/1/wait_thresholds", {"expected an array"}},
      {"[\"1ms\",\"2ms\",\"3ms\",\"4ms\",\"5ms\",\"6ms\",\"7ms\",\"8ms\",\"9ms\"]", "/components/1/wait_thresholds",
       {"at most 8"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.file);
    check_semantic_error(run_bad(path, {"--set", std::string("web.wait_thresholds=") + c.file}), path, c);
  }
}

TEST_CASE("bad input: a client's internal placement is a boolean") {
  const std::string path = archsim::e2e::basic_scenario("mmc.json");
  check_semantic_error(run_bad(path, {"--set", "users.internal=\"yes\""}), path,
                       {"", "/components/0/internal", {"true or false"}});
}

TEST_CASE("bad input: a fixed-count load test's iterations and executor, each fault at its pointer") {
  const std::string path = archsim::e2e::basic_scenario("load-test.json");
  struct SetCase {
    std::vector<std::string> set;
    Case c;
  };
  const SetCase cases[] = {
      {{"users.iterations=0"}, {"", "/components/0/iterations", {}}},
      {{"users.iterations=5"}, {"", "/components/0/iterations", {"fewer than the 10 users", "per_vu_iterations"}}},
      {{"users.executor=\"constant-vus\""}, {"", "/components/0/executor", {"shared_iterations"}}},
      {{"users.iterations=null"}, {"", "/components/0/executor", {"iterations"}}},
      {{"warmup=1s"}, {"", "/components/0/iterations", {"warm-up"}}},
      {{"users.users=[[\"0s\",1],[\"1m\",10]]"}, {"", "/components/0/users", {"profile"}}},
  };
  for (const SetCase& sc : cases) {
    std::vector<std::string> extra;
    for (const auto& a : sc.set) extra.insert(extra.end(), {"--set", a});
    CAPTURE(sc.set.front());
    check_semantic_error(run_bad(path, extra), path, sc.c);
  }
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

TEST_CASE("bad input: an access log's and a business counter's fields, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/operations/access-log-counters.json");
  struct SetCase {
    std::vector<std::string> set;
    Case c;
  };
  const SetCase cases[] = {
      {{"users.access_log.sample=0"}, {"", "/components/0/access_log/sample", {"above 0"}}},
      {{"users.access_log.sample=1.5"}, {"", "/components/0/access_log/sample", {}}},
      {{"users.access_log.format=\"apache\""}, {"", "/components/0/access_log/format", {"combined", "json"}}},
      {{"users.access_log.max_lines=0"}, {"", "/components/0/access_log/max_lines", {}}},
      {{"users.access_log.max_lines=2000000"}, {"", "/components/0/access_log/max_lines", {}}},
      {{"users.access_log.every=2"}, {"", "/components/0/access_log/every", {}}},
      {{"users.routes.1.counters.orders_placed=\"on_win\""}, {"", "/components/0/routes/1/counters/orders_placed", {"on_success", "on_error"}}},
      {{"users.routes.1.counters={\"orders placed\":\"on_success\"}"}, {"", "/components/0/routes/1/counters/orders placed", {"letters, digits or underscores"}}},
      {{"users.routes.1.counters={}"}, {"", "/components/0/routes/1/counters", {"names no counter"}}},
      {{"users.routes.1.counters=7"}, {"", "/components/0/routes/1/counters", {}}},
  };
  for (const SetCase& sc : cases) {
    std::vector<std::string> extra;
    for (const auto& a : sc.set) extra.insert(extra.end(), {"--set", a});
    CAPTURE(sc.set.front());
    check_semantic_error(run_bad(path, extra), path, sc.c);
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

TEST_CASE("bad input: on_timeout on a client and a call step, a service's queue rules, each fault at its pointer") {
  const std::string mmc = archsim::e2e::basic_scenario("mmc.json");
  const std::string tier = archsim::e2e::basic_scenario("web-tier.json");
  struct SetCase {
    std::string path;
    std::vector<std::string> set;
    Case c;
  };
  const SetCase cases[] = {
      {mmc, {"users.on_timeout=\"abort\""}, {"", "/components/0/on_timeout", {"continue, cancel"}}},
      {mmc, {"users.on_timeout=\"cancel\"", "users.timeout=0"}, {"", "/components/0/on_timeout", {"\"timeout\""}}},
      {tier, {"web.routes.browse.1.on_timeout=\"later\""}, {"", "/components/1/routes/browse/1/on_timeout", {"continue, cancel"}}},
      {tier, {"web.routes.browse.1.on_timeout=\"cancel\"", "web.routes.browse.1.timeout=0"},
       {"", "/components/1/routes/browse/1/on_timeout", {"\"timeout\""}}},
      {mmc, {"web.queue=3"}, {"", "/components/1/queue", {"object"}}},
      {mmc, {"web.queue.drop_expired=\"yes\""}, {"", "/components/1/queue/drop_expired", {"true or false"}}},
      {mmc, {"web.queue.order=\"lifo\""}, {"", "/components/1/queue/order", {"adaptive_lifo"}}},
      {mmc, {"web.queue.codel.target=\"200ms\""}, {"", "/components/1/queue/codel/target", {"shorter than interval"}}},
      {mmc, {"web.queue.codel.interval=\"0s\""}, {"", "/components/1/queue/codel/interval", {}}},
      {mmc, {"web.queue.size=3"}, {"", "/components/1/queue/size", {"unknown field"}}},
  };
  for (const SetCase& sc : cases) {
    std::vector<std::string> extra;
    for (const auto& a : sc.set) extra.insert(extra.end(), {"--set", a});
    CAPTURE(sc.set.front());
    check_semantic_error(run_bad(sc.path, extra), sc.path, sc.c);
  }
}

TEST_CASE("bad input: a call's connection set-up, each fault at its pointer") {
  const std::string mmc = archsim::e2e::basic_scenario("mmc.json");
  const std::string tier = archsim::e2e::basic_scenario("web-tier.json");
  struct SetCase {
    std::string path;
    std::string set;
    Case c;
  };
  const SetCase cases[] = {
      {tier, "web.routes.browse.1.connect={}", {"", "/components/1/routes/browse/1/connect/setup", {}}},
      {tier, "web.routes.browse.1.connect={\"setup\":\"-1ms\"}", {"", "/components/1/routes/browse/1/connect/setup", {}, true}},
      {tier, "web.routes.browse.1.connect={\"setup\":\"1ms\",\"reuse\":1}", {"", "/components/1/routes/browse/1/connect/reuse", {"true or false"}}},
      {tier, "web.routes.browse.1.connect={\"setup\":\"1ms\",\"keepalive\":true}", {"", "/components/1/routes/browse/1/connect/keepalive", {"unknown field"}}},
      {mmc, "users.connect=\"1ms\"", {"", "/components/0/connect", {"object"}}},
      {mmc, "web.connect={\"setup\":\"1ms\"}", {"", "/components/1/connect", {"pool"}}},
  };
  for (const SetCase& sc : cases) {
    CAPTURE(sc.set);
    check_semantic_error(run_bad(sc.path, {"--set", sc.set}), sc.path, sc.c);
  }
}

TEST_CASE("bad input: a service's garbage-collection cost, each fault at its pointer") {
  const std::string mmc = archsim::e2e::basic_scenario("mmc.json");
  struct SetCase {
    std::string set;
    Case c;
  };
  const SetCase cases[] = {
      {"web.memory={\"gc_cost\":0.5}", {"", "/components/1/memory/gc_cost", {"limit_mb", "heap"}}},
      {"web.memory={\"limit_mb\":256,\"gc_cost\":-1}", {"", "/components/1/memory/gc_cost", {}, true}},
      {"web.memory={\"limit_mb\":256,\"gc_cost\":5000}", {"", "/components/1/memory/gc_cost", {}, true}},
      {"web.memory={\"limit_mb\":256,\"gc_cost\":\"high\"}", {"", "/components/1/memory/gc_cost", {"number"}}},
  };
  for (const SetCase& sc : cases) {
    CAPTURE(sc.set);
    check_semantic_error(run_bad(mmc, {"--set", sc.set}), mmc, sc.c);
  }
}

TEST_CASE("bad input: a cache's route_value_bytes, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/caching/maxmemory.json");
  struct SetCase {
    const char* set;
    Case c;
  };
  const SetCase cases[] = {
      {"cache.route_value_bytes=100", {"", "/components/2/route_value_bytes", {"object"}}},
      {"cache.route_value_bytes={\"set\":0}", {"", "/components/2/route_value_bytes/set", {}}},
      {"cache.route_value_bytes={\"set\":\"big\"}", {"", "/components/2/route_value_bytes/set", {}}},
      {"cache.route_value_bytes={\"set\":{\"dist\":\"uniform\",\"min\":10,\"max\":2}}", {"", "/components/2/route_value_bytes/set/max", {"min"}}},
  };
  for (const SetCase& sc : cases) {
    CAPTURE(sc.set);
    check_semantic_error(run_bad(path, {"--set", sc.set}), path, sc.c);
  }
}

TEST_CASE("bad input: a serverless function's fields and its prices, each fault at its pointer") {
  const std::string file = bad("function_memory_too_small.json");
  check_semantic_error(run_bad(file), file, {"function_memory_too_small.json", "/components/1/memory_mb", {"128"}});
  const std::string fn = archsim::e2e::source_path("scenarios/serverless/cold-starts.json");
  struct SetCase {
    std::string set;
    Case c;
  };
  const SetCase cases[] = {
      {"fn.memory_mb=20000", {"", "/components/1/memory_mb", {"128", "10240"}}},
      {"fn.memory_mb=\"big\"", {"", "/components/1/memory_mb", {}}},
      {"fn.duration=\"-5ms\"", {"", "/components/1/duration", {}}},
      {"fn.duration=null", {"", "/components/1/duration", {}}},
      {"fn.init_duration=\"-1ms\"", {"", "/components/1/init_duration", {}}},
      {"fn.idle_timeout=\"2d\"", {"", "/components/1/idle_timeout", {"1d"}}},
      {"fn.concurrency=0", {"", "/components/1/concurrency", {}}},
      {"fn.provisioned=-1", {"", "/components/1/provisioned", {}}},
      {"fn.provisioned=30", {"", "/components/1/provisioned", {"concurrency"}}},
      {"fn.reserved=5", {"", "/components/1/reserved", {"unknown field"}}},
      {"fn.scaling_rate=0", {"", "/components/1/scaling_rate", {}}},
      {"fn.scaling_rate=2.5", {"", "/components/1/scaling_rate", {}}},
      {"cost.per_million_invocations=-1", {"", "/cost/per_million_invocations", {"between"}}},
      {"cost.per_gb_second=\"cheap\"", {"", "/cost/per_gb_second", {"number"}}},
      {"cost.per_gb_second_provisioned=-1", {"", "/cost/per_gb_second_provisioned", {"between"}}},
  };
  for (const SetCase& sc : cases) {
    CAPTURE(sc.set);
    check_semantic_error(run_bad(fn, {"--set", sc.set}), fn, sc.c);
  }
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

TEST_CASE("bad input: a service's CPU request and a vpa's fields, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/autoscaling/vpa-rightsizing.json");
  struct SetCase {
    std::string set;
    Case c;
  };
  const SetCase cases[] = {
      {"api.resources={\"requests\":{\"cpu\":0}}", {"", "/components/1/resources/requests/cpu", {}}},
      {"api.resources={\"requests\":{\"cpu\":\"500 mcores\"}}", {"", "/components/1/resources/requests/cpu", {"500m"}}},
      {"api.resources={\"requests\":{\"cpu\":\"0.5m\"}}", {"", "/components/1/resources/requests/cpu", {"0.001"}}},
      {"api.resources={\"requests\":{\"cpu\":true}}", {"", "/components/1/resources/requests/cpu", {"CPU quantity"}}},
      {"api.resources={\"requests\":{}}", {"", "/components/1/resources/requests/cpu", {}}},
      {"api.resources={\"limits\":{\"cpu\":1}}", {"", "/components/1/resources/requests", {}}},
      {"api.resources={\"requests\":{\"cpu\":1,\"memory\":512}}", {"", "/components/1/resources/requests/memory", {"unknown field"}}},
      {"api.cores=4", {"", "/components/1/cores", {"resources.requests.cpu"}}},
      {"api.resources=null", {"", "/components/2/target", {"resources", "requests"}}},
      {"api-vpa.target=\"users\"", {"", "/components/2/target", {"service"}}},
      {"api-vpa.mode=\"Auto\"", {"", "/components/2/mode", {"Recreate"}}},
      {"api-vpa.interval=\"10ms\"", {"", "/components/2/interval", {"1s"}}},
      {"api-vpa.half_life=\"0s\"", {"", "/components/2/half_life", {"24h"}}},
      {"api-vpa.target_percentile=0.3", {"", "/components/2/target_percentile", {"lower_bound_percentile"}}},
      {"api-vpa.target_percentile=2", {"", "/components/2/target_percentile", {}}},
      {"api-vpa.lower_bound_percentile=0", {"", "/components/2/lower_bound_percentile", {"above 0"}}},
      {"api-vpa.upper_bound_percentile=0.8", {"", "/components/2/upper_bound_percentile", {"target_percentile"}}},
      {"api-vpa.safety_margin=-1", {"", "/components/2/safety_margin", {}}},
      {"api-vpa.min_cpu=\"a lot\"", {"", "/components/2/min_cpu", {"number"}}},
      {"api-vpa.min_replicas=0", {"", "/components/2/min_replicas", {}}},
      {"api-vpa.eviction_tolerance=2", {"", "/components/2/eviction_tolerance", {}}},
      {"api-vpa.update_mode=\"Off\"", {"", "/components/2/update_mode", {"unknown field"}}},
  };
  for (const SetCase& sc : cases) {
    CAPTURE(sc.set);
    check_semantic_error(run_bad(path, {"--set", sc.set}), path, sc.c);
  }
}

TEST_CASE("bad input: TLS on a connection, a service's handshake and JWT CPU, a token cache, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/security/tls-and-jwt.json");
  struct SetCase {
    std::vector<std::string> sets;
    Case c;
  };
  const SetCase cases[] = {
      {{"users.connect.tls=true"}, {"", "/components/0/connect/tls", {"object"}}},
      {{"users.connect.tls.version=\"1.1\""}, {"", "/components/0/connect/tls/version", {"1.2", "1.3"}}},
      {{"users.connect.tls.version=\"1.2\"", "users.connect.tls.early_data=true"},
       {"", "/components/0/connect/tls/early_data", {"TLS 1.3"}}},
      {{"users.connect.tls.resumption=false", "users.connect.tls.early_data=true"},
       {"", "/components/0/connect/tls/early_data", {"resumption"}}},
      {{"users.connect.tls.resumption=\"yes\""}, {"", "/components/0/connect/tls/resumption", {"true or false"}}},
      {{"users.connect.tls.mutual=1"}, {"", "/components/0/connect/tls/mutual", {"true or false"}}},
      {{"users.connect.tls.ticket_lifetime=\"8d\""}, {"", "/components/0/connect/tls/ticket_lifetime", {}}},
      {{"users.connect.tls.rtt=\"-1ms\""}, {"", "/components/0/connect/tls/rtt", {}}},
      {{"users.connect.tls.cipher=\"aes\""}, {"", "/components/0/connect/tls/cipher", {"unknown field"}}},
      {{"orders.tls.certificate=\"rsa1024\""}, {"", "/components/3/tls/certificate", {"rsa2048"}}},
      {{"orders.tls.sign_cpu=\"-1ms\""}, {"", "/components/3/tls/sign_cpu", {}}},
      {{"orders.tls.verify_cpu=\"slow\""}, {"", "/components/3/tls/verify_cpu", {}}},
      {{"orders.tls.key_exchange_cpu=-1"}, {"", "/components/3/tls/key_exchange_cpu", {}}},
      {{"orders.tls.session_cache=1"}, {"", "/components/3/tls/session_cache", {"unknown field"}}},
      {{"gateway.jwt.alg=\"none\""}, {"", "/components/1/jwt/alg", {"RS256", "HS256"}}},
      {{"gateway.jwt.verify_cpu=\"-1ms\""}, {"", "/components/1/jwt/verify_cpu", {}}},
      {{"gateway.jwt.kid=1"}, {"", "/components/1/jwt/kid", {"unknown field"}}},
      {{"gateway.jwt=\"RS256\""}, {"", "/components/1/jwt", {"object"}}},
      {{"gateway.routes.browse.0.token_cache.ttl=\"0s\""}, {"", "/components/1/routes/browse/0/token_cache/ttl", {"positive"}}},
      {{"gateway.routes.browse.0.token_cache={}"}, {"", "/components/1/routes/browse/0/token_cache/ttl", {}}},
      {{"gateway.routes.browse.0.token_cache.size=5"}, {"", "/components/1/routes/browse/0/token_cache/size", {"unknown field"}}},
      {{"gateway.routes.browse.0.on_miss=[{\"work\":\"1ms\"}]"}, {"", "/components/1/routes/browse/0/token_cache", {"branch"}}},
      {{"gateway.routes.browse.0={\"parallel\":[{\"call\":\"auth\",\"token_cache\":{\"ttl\":\"1s\"}}]}"},
       {"", "/components/1/routes/browse/0/parallel/0/token_cache", {"parallel"}}},
  };
  for (const SetCase& sc : cases) {
    std::vector<std::string> args;
    for (const std::string& s : sc.sets) {
      args.push_back("--set");
      args.push_back(s);
    }
    CAPTURE(sc.sets.back());
    check_semantic_error(run_bad(path, args), path, sc.c);
  }
}

TEST_CASE("bad input: a saga's fields, each fault at its pointer") {
  const std::string file = archsim::e2e::source_path("scenarios/transactions/saga.json");
  struct SetCase {
    std::string set;
    Case c;
  };
  const SetCase cases[] = {
      {"orders.routes.place.1.saga=[]", {"", "/components/1/routes/place/1/saga", {"non-empty"}}},
      {"orders.routes.place.1.saga.2={\"work\":\"1ms\"}", {"", "/components/1/routes/place/1/saga/2", {"is a call"}}},
      {"orders.routes.place.1.saga.2.on_failure=\"continue\"", {"", "/components/1/routes/place/1/saga/2/on_failure", {"saga"}}},
      {"orders.routes.place.1.saga.2.on_miss=[]", {"", "/components/1/routes/place/1/saga/2/on_miss", {"saga"}}},
      {"orders.routes.place.1.saga.0.compensate={\"work\":\"1ms\"}", {"", "/components/1/routes/place/1/saga/0/compensate", {"is a call"}}},
      {"orders.routes.place.1.saga.0.compensate.call=\"nobody\"", {"", "/components/1/routes/place/1/saga/0/compensate/call", {"nobody"}}},
      {"orders.routes.place.1.saga.0.compensate.retry.max_attempts=0", {"", "/components/1/routes/place/1/saga/0/compensate/retry/max_attempts", {}}},
      {"orders.routes.place.1.saga.0.compensate.timeout=\"-1s\"", {"", "/components/1/routes/place/1/saga/0/compensate/timeout", {}}},
      {"orders.routes.place.1.saga.0.compensation={}", {"", "/components/1/routes/place/1/saga/0/compensation", {"compensate"}}},
  };
  for (const SetCase& sc : cases) {
    CAPTURE(sc.set);
    check_semantic_error(run_bad(file, {"--set", sc.set}), file, sc.c);
  }
}

TEST_CASE("bad input: a consensus group's fields and its own faults, each fault at its pointer") {
  const std::string file = bad("consensus_too_many_members.json");
  check_semantic_error(run_bad(file), file, {"consensus_too_many_members.json", "/components/1/members", {"9"}});
  const std::string path = archsim::e2e::source_path("scenarios/consensus/raft-partition.json");
  struct SetCase {
    std::string set;
    Case c;
  };
  const SetCase cases[] = {
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
  };
  for (const SetCase& sc : cases) {
    CAPTURE(sc.set);
    check_semantic_error(run_bad(path, {"--set", sc.set}), path, sc.c);
  }
}

TEST_CASE("bad input: a drain on a cache is refused at its target, naming what it needs (a database's is a switchover)") {
  const std::string path = archsim::e2e::source_path("scenarios/caching/maxmemory.json");
  check_semantic_error(run_bad(path, {"--set", "faults=[{\"at\":\"10s\",\"kind\":\"drain\",\"target\":\"cache\"}]"}), path,
                       {"", "/faults/0/target", {"is a cache", "a service or a database"}});
}

TEST_CASE("bad input: a cache's memory limit, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/caching/redis-oom-restart.json");
  struct SetCase {
    const char* set;
    Case c;
  };
  const SetCase cases[] = {
      {"cache.memory.limit_mb=0", {"", "/components/1/memory/limit_mb", {"positive"}}},
      {"cache.memory.limit_mb=\"big\"", {"", "/components/1/memory/limit_mb", {"number"}}},
      {"cache.memory={\"base_mb\":8}", {"", "/components/1/memory/limit_mb", {}}},
      {"cache.memory.base_mb=600", {"", "/components/1/memory/base_mb", {"below limit_mb"}}},
      {"cache.memory.base_mb=-1", {"", "/components/1/memory/base_mb", {}}},
      {"cache.memory.limit_mb=150", {"", "/components/1/memory/limit_mb", {"maxmemory", "capacity_bytes"}}},
      {"cache.memory.per_request_mb=1", {"", "/components/1/memory/per_request_mb", {"unknown field"}}},
  };
  for (const SetCase& sc : cases) {
    CAPTURE(sc.set);
    check_semantic_error(run_bad(path, {"--set", sc.set}), path, sc.c);
  }
  // A local cache lives in its callers' memory: the limit is theirs.
  const std::string l1 = archsim::e2e::source_path("scenarios/caching/l1-l2.json");
  check_semantic_error(run_bad(l1, {"--set", "l1.memory={\"limit_mb\":100}"}), l1,
                       {"", "/components/2/memory", {"local", "calling service"}});
}

TEST_CASE("bad input: a database's memory limit, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/databases/failover.json");
  struct SetCase {
    const char* set;
    Case c;
  };
  const SetCase cases[] = {
      {"db.memory={\"limit_mb\":0}", {"", "/components/1/memory/limit_mb", {"positive"}}},
      {"db.memory={\"limit_mb\":\"big\"}", {"", "/components/1/memory/limit_mb", {"number"}}},
      {"db.memory={\"base_mb\":8}", {"", "/components/1/memory/limit_mb", {}}},
      {"db.memory={\"limit_mb\":100,\"base_mb\":100}", {"", "/components/1/memory/base_mb", {"below limit_mb"}}},
      {"db.memory={\"limit_mb\":100,\"per_request_mb\":1}", {"", "/components/1/memory/per_request_mb", {"unknown field"}}},
  };
  for (const SetCase& sc : cases) {
    CAPTURE(sc.set);
    check_semantic_error(run_bad(path, {"--set", sc.set}), path, sc.c);
  }
}
