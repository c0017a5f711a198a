// Bad input on balancers, services, serverless functions, call policies, security and the
// operational views: each fault at its JSON pointer, one line, exit 2 (tests/e2e/bad_input.h).
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/bad_input.h"
#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::RunResult;
using namespace archsim::e2e::bad_input;

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
  check_set_cases(mmc, {
      {"web.memory={\"gc_cost\":0.5}", {"", "/components/1/memory/gc_cost", {"limit_mb", "heap"}}},
      {"web.memory={\"limit_mb\":256,\"gc_cost\":-1}", {"", "/components/1/memory/gc_cost", {}, true}},
      {"web.memory={\"limit_mb\":256,\"gc_cost\":5000}", {"", "/components/1/memory/gc_cost", {}, true}},
      {"web.memory={\"limit_mb\":256,\"gc_cost\":\"high\"}", {"", "/components/1/memory/gc_cost", {"number"}}},
  });
}

TEST_CASE("bad input: a service's garbage-collection pauses, each field at its pointer") {
  const std::string mmc = archsim::e2e::basic_scenario("mmc.json");
  const std::string g1 = "\"heap_mb\":4096,\"alloc_per_request_mb\":2";
  const std::string zgc = "\"collector\":\"zgc\",\"heap_mb\":4096,\"live_mb\":1024,\"alloc_per_request_mb\":2";
  const std::string go = "\"collector\":\"go\",\"live_mb\":1024,\"alloc_per_request_mb\":2";
  auto gc = [](const std::string& fields) { return "web.gc={" + fields + "}"; };
  check_set_cases(mmc, {
      {gc("\"collector\":\"cms\"," + g1), {"", "/components/1/gc/collector", {"g1", "zgc"}}},
      {gc("\"alloc_per_request_mb\":2"), {"", "/components/1/gc/heap_mb", {"required"}}},
      {gc("\"heap_mb\":-1,\"alloc_per_request_mb\":2"), {"", "/components/1/gc/heap_mb", {}, true}},
      {gc("\"heap_mb\":4096"), {"", "/components/1/gc/alloc_per_request_mb", {"required"}}},
      {gc("\"heap_mb\":4096,\"alloc_per_request_mb\":0"), {"", "/components/1/gc/alloc_per_request_mb", {}, true}},
      {gc(g1 + ",\"young_mb\":5000"), {"", "/components/1/gc/young_mb", {"heap_mb - live_mb"}}},
      {gc(g1 + ",\"young_mb\":0"), {"", "/components/1/gc/young_mb", {"positive"}}},
      {gc(g1 + ",\"live_mb\":4096"), {"", "/components/1/gc/live_mb", {"smaller than heap_mb"}}},
      {gc(g1 + ",\"survival\":2"), {"", "/components/1/gc/survival", {}, true}},
      {gc(g1 + ",\"max_pause\":\"0ms\""), {"", "/components/1/gc/max_pause", {"positive"}}},
      {gc(g1 + ",\"young_mb\":512,\"max_pause\":\"50ms\""), {"", "/components/1/gc/max_pause", {"-Xmn"}}},
      {gc(g1 + ",\"trace_per_second_mb\":0"), {"", "/components/1/gc/trace_per_second_mb", {}, true}},
      {gc(g1 + ",\"pause\":\"1ms\""), {"", "/components/1/gc/pause", {"zgc and go only"}}},
      {gc(g1 + ",\"gogc\":50"), {"", "/components/1/gc/gogc", {"go only"}}},
      {gc(zgc + ",\"max_pause\":\"10ms\""), {"", "/components/1/gc/max_pause", {"g1 only"}}},
      {gc(zgc + ",\"young_mb\":512"), {"", "/components/1/gc/young_mb", {"g1 and parallel only"}}},
      {gc(zgc + ",\"pause\":\"0ms\""), {"", "/components/1/gc/pause", {"positive"}}},
      {gc(zgc + ",\"concurrent_cpu\":0.95"), {"", "/components/1/gc/concurrent_cpu", {}, true}},
      {gc("\"collector\":\"zgc\",\"heap_mb\":4096,\"alloc_per_request_mb\":2"), {"", "/components/1/gc/live_mb", {"required"}}},
      {gc("\"collector\":\"zgc\",\"heap_mb\":1024,\"live_mb\":1024,\"alloc_per_request_mb\":2"),
       {"", "/components/1/gc/live_mb", {"smaller than heap_mb"}}},
      {gc(go + ",\"gogc\":0"), {"", "/components/1/gc/gogc", {}, true}},
      {gc(go + ",\"heap_mb\":1024"), {"", "/components/1/gc/heap_mb", {"gogc"}}},
      {gc(g1 + ",\"heap\":4096"), {"", "/components/1/gc/heap", {"unknown field"}}},
  });
}

TEST_CASE("bad input: a service's execution_timeout, each fault at its pointer") {
  const std::string mmc = archsim::e2e::basic_scenario("mmc.json");
  check_set_cases(mmc, {
      {"web.execution_timeout=\"0s\"", {"", "/components/1/execution_timeout", {"positive", "request_terminate_timeout"}}},
      {"web.execution_timeout=\"-1s\"", {"", "/components/1/execution_timeout", {}, true}},
      {"web.execution_timeout=\"soon\"", {"", "/components/1/execution_timeout", {}, true}},
  });
}

TEST_CASE("bad input: a service's event_sourcing, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/transactions/event-sourcing.json");
  check_set_cases(path, {
      {"orders.event_sourcing={\"events\":5}", {"", "/components/1/event_sourcing/apply", {"required"}}},
      {"orders.event_sourcing.apply=\"0s\"", {"", "/components/1/event_sourcing/apply", {"positive"}}},
      {"orders.event_sourcing.events=-1", {"", "/components/1/event_sourcing/events", {}, true}},
      {"orders.event_sourcing.snapshot_every=0", {"", "/components/1/event_sourcing/snapshot_every", {}, true}},
      {"orders.event_sourcing.snapshot_load=\"1s\"", {"", "/components/1/event_sourcing/snapshot_load", {"snapshot_every"}}},
      {"orders.event_sourcing.snapshots=10", {"", "/components/1/event_sourcing/snapshots", {"unknown field"}}},
  });
}

TEST_CASE("bad input: a service's sidecar, each fault at its pointer") {
  const std::string mmc = archsim::e2e::basic_scenario("mmc.json");
  check_set_cases(mmc, {
      {"web.sidecar={\"latency\":\"-1ms\"}", {"", "/components/1/sidecar/latency", {}, true}},
      {"web.sidecar={\"cpu\":\"fast\"}", {"", "/components/1/sidecar/cpu", {}, true}},
      {"web.sidecar={\"memory_mb\":-5}", {"", "/components/1/sidecar/memory_mb", {}, true}},
      {"web.sidecar={\"retry\":2}", {"", "/components/1/sidecar/retry", {"unknown field"}}},
      {"web.sidecar=true", {"", "/components/1/sidecar", {"object"}}},
      {"web.sidecar={\"retries\":{\"attempts\":11}}", {"", "/components/1/sidecar/retries/attempts", {}, true}},
      {"web.sidecar={\"retries\":{}}", {"", "/components/1/sidecar/retries/attempts", {}, true}},
      {"web.sidecar={\"retries\":{\"attempts\":2,\"on\":[\"eror\"]}}", {"", "/components/1/sidecar/retries/on/0", {"unknown cause", "error"}}},
      {"web.sidecar={\"retries\":{\"attempts\":2,\"per_try_timeout\":\"0ms\"}}", {"", "/components/1/sidecar/retries/per_try_timeout", {}, true}},
      {"web.sidecar={\"retries\":{\"attempts\":2,\"per_try_timeout\":\"soon\"}}", {"", "/components/1/sidecar/retries/per_try_timeout", {}, true}},
      {"web.sidecar={\"timeout\":\"-5s\"}", {"", "/components/1/sidecar/timeout", {}, true}},
      {"web.sidecar={\"timeout\":\"2h\"}", {"", "/components/1/sidecar/timeout", {}, true}},
      {"web.sidecar={\"retries\":{\"attempts\":2,\"backoff\":\"0s\"}}", {"", "/components/1/sidecar/retries/backoff", {}, true}},
      {"web.sidecar={\"retries\":{\"attempts\":2,\"backoff\":\"50ms\",\"backoff_max\":\"10ms\"}}", {"", "/components/1/sidecar/retries/backoff_max", {}, true}},
  });
}

TEST_CASE("bad input: a serverless function's fields and its prices, each fault at its pointer") {
  const std::string file = bad("function_memory_too_small.json");
  check_semantic_error(run_bad(file), file, {"function_memory_too_small.json", "/components/1/memory_mb", {"128"}});
  const std::string fn = archsim::e2e::source_path("scenarios/serverless/cold-starts.json");
  check_set_cases(fn, {
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
  });
}

TEST_CASE("bad input: a service's CPU request and a vpa's fields, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/autoscaling/vpa-rightsizing.json");
  check_set_cases(path, {
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
  });
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
  check_set_cases(file, {
      {"orders.routes.place.1.saga=[]", {"", "/components/1/routes/place/1/saga", {"non-empty"}}},
      {"orders.routes.place.1.saga.2={\"work\":\"1ms\"}", {"", "/components/1/routes/place/1/saga/2", {"is a call"}}},
      {"orders.routes.place.1.saga.2.on_failure=\"continue\"", {"", "/components/1/routes/place/1/saga/2/on_failure", {"saga"}}},
      {"orders.routes.place.1.saga.2.on_miss=[]", {"", "/components/1/routes/place/1/saga/2/on_miss", {"saga"}}},
      {"orders.routes.place.1.saga.0.compensate={\"work\":\"1ms\"}", {"", "/components/1/routes/place/1/saga/0/compensate", {"is a call"}}},
      {"orders.routes.place.1.saga.0.compensate.call=\"nobody\"", {"", "/components/1/routes/place/1/saga/0/compensate/call", {"nobody"}}},
      {"orders.routes.place.1.saga.0.compensate.retry.max_attempts=0", {"", "/components/1/routes/place/1/saga/0/compensate/retry/max_attempts", {}}},
      {"orders.routes.place.1.saga.0.compensate.timeout=\"-1s\"", {"", "/components/1/routes/place/1/saga/0/compensate/timeout", {}}},
      {"orders.routes.place.1.saga.0.compensation={}", {"", "/components/1/routes/place/1/saga/0/compensation", {"compensate"}}},
  });
}
