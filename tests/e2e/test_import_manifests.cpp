// archsim import of manifests without traces (docs/import.md, "Manifests without traces"),
// on fixtures in the shape of public microservice benchmarks' files (tests/data/import/
// manifests): a tracing agent and service discovery in every depends_on, gateways and
// debug ports published, a mesh proxy listed before the app's container, custom resources
// in a multi-document manifest, several Compose files with extends and interpolation.
// What must hold, checked on the written scenario itself, not on the importer's words:
// - no infrastructure is a component, and only the app's front door takes requests;
// - every call in the scenario that no trace showed is named in a warning of the list;
// - every component that no request reaches (walking the scenario's calls, balancer
//   targets and queue consumers from its clients) is named in a warning;
// - stderr carries the warnings even with --quiet.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::lines;
using archsim::e2e::read_text;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;
using nlohmann::json;

namespace {

std::string warnings_of(const std::string& guesses_path) {
  const std::string all = read_text(guesses_path);
  const auto at = all.find("\nwarning (");
  if (at == std::string::npos) return "";
  return all.substr(at, all.find("\n\n", at + 1) - at);
}

// Every (from, to) a request can take in the scenario: calls (nested in choice, parallel,
// on_miss), publishes, balancer targets, queue consumers, client targets.
void collect(const json& steps, const std::string& from, std::set<std::pair<std::string, std::string>>& out) {
  if (steps.is_array()) {
    for (const auto& s : steps) collect(s, from, out);
    return;
  }
  if (!steps.is_object()) return;
  for (const char* k : {"call", "publish"})
    if (steps.contains(k)) out.insert({from, steps[k].get<std::string>()});
  for (const auto& [k, v] : steps.items())
    if (v.is_array() || v.is_object()) collect(v, from, out);
}

std::set<std::pair<std::string, std::string>> edges(const json& doc) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& c : doc["components"]) {
    const std::string id = c["id"];
    // An autoscaler's target is the workload it scales, not a call.
    if (c.contains("target") && c["type"] != "autoscaler") out.insert({id, c["target"]});
    if (c.contains("targets"))
      for (const auto& t : c["targets"]) out.insert({id, t});
    if (c.contains("consumers")) out.insert({id, c["consumers"]["service"]});
    if (c.contains("groups"))
      for (const auto& gr : c["groups"]) out.insert({id, gr["service"]});
    if (c.contains("routes") && c["type"] != "client") collect(c["routes"], id, out);
  }
  return out;
}

std::set<std::string> ids(const json& doc) {
  std::set<std::string> out;
  for (const auto& c : doc["components"]) out.insert(c["id"]);
  return out;
}

// The laws of a manifest-only import: each call warned about, each unreached component warned about.
void check_honest(const json& doc, const std::string& warnings, const std::string& err) {
  const auto e = edges(doc);
  std::set<std::string> reached;
  for (const auto& c : doc["components"])
    if (c["type"] == "client") reached.insert(c["id"]);
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [from, to] : e)
      if (reached.count(from) && reached.insert(to).second) grew = true;
  }
  for (const auto& [from, to] : e) {
    if (doc["components"][0]["id"] == from) continue;  // the placeholder client's target is said as an entry
    bool client = false;
    for (const auto& c : doc["components"]) client = client || (c["id"] == from && c["type"] == "client");
    if (client) continue;
    const std::string caller = from, callee = to;  // clang 14 captures no structured binding
    CAPTURE(caller);
    CAPTURE(callee);
    bool said = warnings.find(from + " -> " + to) != std::string::npos;
    for (const std::string& l : lines(warnings))  // a balancer's backends, a queue's consumer
      said = said || (l.rfind("  " + from + ".", 0) == 0 && l.find(to) != std::string::npos);
    CHECK(said);
  }
  for (const auto& c : doc["components"]) {
    const std::string type = c["type"];
    if (type == "client" || type == "autoscaler" || reached.count(c["id"])) continue;
    CAPTURE(c["id"].get<std::string>());
    CHECK(warnings.find("  " + c["id"].get<std::string>() + ": receives no request") != std::string::npos);
    CHECK(err.find("warning: " + c["id"].get<std::string>() + ": receives no request") != std::string::npos);
  }
}

// `archsim import --quiet` of a fixture of tests/data/import/manifests, which must succeed.
struct Written {
  json doc;
  std::string guesses, warnings, err;
};
Written import_fixture(const std::string& fixture, const std::string& name) {
  const std::string dir = scratch_dir("import-" + name);
  auto r = run_archsim({"import", "--quiet", "-o", dir + "/" + name + ".json", source_path("tests/data/import/manifests/" + fixture)});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return {json::parse(read_text(dir + "/" + name + ".json")), read_text(dir + "/" + name + ".guesses.txt"),
          warnings_of(dir + "/" + name + ".guesses.txt"), r.err};
}

}  // namespace

TEST_CASE("import: a benchmark-shaped Compose file without traces puts no infrastructure on the request path and warns") {
  const std::string dir = scratch_dir("import-reviews");
  auto r = run_archsim({"import", "--quiet", "-o", dir + "/reviews.json",
                        source_path("tests/data/import/manifests/reviews-compose.yaml")});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(read_text(dir + "/reviews.json"));
  const std::string warnings = warnings_of(dir + "/reviews.guesses.txt");
  const std::set<std::string> got = ids(doc);
  CHECK(!got.count("tracing-agent"));
  CHECK(!got.count("discovery"));
  // One client, at the gateway: the static frontend's and the debug port's are not entries.
  std::set<std::string> targets;
  for (const auto& c : doc["components"])
    if (c["type"] == "client") targets.insert(c["target"].get<std::string>());
  CHECK(targets == std::set<std::string>{"gateway"});
  const std::string all = read_text(dir + "/reviews.guesses.txt");
  CHECK(all.find("tracing-agent (") != std::string::npos);
  CHECK(all.find("a tracing agent or collector, off the request path") != std::string::npos);
  CHECK(all.find("discovery (") != std::string::npos);
  CHECK(all.find("review-api publishes port 10002, taken as an admin or debug port") != std::string::npos);
  // The calls the manifests suggest are there, and each is warned about.
  const auto e = edges(doc);
  CHECK(e.count({"gateway", "review-api"}));
  CHECK(e.count({"review-api", "rating-service"}));
  CHECK(e.count({"book-api", "book-mongodb"}));  // from its environment
  CHECK(!e.count({"book-api", "discovery"}));
  check_honest(doc, warnings, r.err);
  CHECK(warnings.find("static-frontend: receives no request") != std::string::npos);
  CHECK(warnings.find("audit-service: receives no request") != std::string::npos);
}

TEST_CASE("import: a demo published from one repository, the component in the tag; flag daemon and agent management off the path") {
  const Written im = import_fixture("astro-compose.yaml", "astro");
  const json& doc = im.doc;
  const std::set<std::string> got = ids(doc);
  for (const char* infra : {"flagd", "flagd-ui", "opamp-server", "otel-collector", "log-server"}) {
    CAPTURE(infra);
    CHECK(!got.count(infra));
  }
  std::string kafka_type, valkey_type;
  for (const auto& c : doc["components"]) {
    if (c["id"] == "kafka") kafka_type = c["type"];
    if (c["id"] == "valkey-cart") valkey_type = c["type"];
  }
  CHECK(kafka_type == "queue");  // from "astro-shop:1.4.0-kafka"
  CHECK(valkey_type == "cache");
  const auto e = edges(doc);
  CHECK(e.count({"checkout", "kafka"}));
  CHECK(e.count({"kafka", "accounting"}));
  CHECK(!e.count({"fraud-check", "kafka"}));  // a second consumer group, not a publisher
  bool grouped = false;
  for (const auto& c : doc["components"])
    if (c["id"] == "kafka" && c.contains("groups"))
      for (const auto& gr : c["groups"]) grouped = grouped || gr["service"] == "fraud-check";
  CHECK(grouped);
  for (const auto& [from, to] : e) {
    const std::string caller = from, callee = to;  // clang 14 captures no structured binding
    CAPTURE(caller);
    CAPTURE(callee);
    CHECK(to.find("flagd") == std::string::npos);
  }
  CHECK(im.guesses.find("feature flags (configuration), off the request path") != std::string::npos);
  CHECK(im.guesses.find("telemetry agents' management (OpAMP), off the request path") != std::string::npos);
  CHECK(im.guesses.find("a log server (the fluentd logging driver of") != std::string::npos);
  CHECK(im.warnings.find("search-store: receives no request") != std::string::npos);
  check_honest(doc, im.warnings, im.err);
}

TEST_CASE("import: services whose images say they are traced with Jaeger are the app, Jaeger itself is not") {
  const Written im = import_fixture("train-jaeger.yaml", "train-jaeger");
  const std::set<std::string> got = ids(im.doc);
  CHECK(got.count("ts-ui-dashboard"));
  CHECK(got.count("ts-travel-service"));
  CHECK(got.count("ts-route-service"));
  CHECK(!got.count("jaeger"));
  CHECK(!edges(im.doc).count({"ts-travel-service", "jaeger"}));
  check_honest(im.doc, im.warnings, im.err);
}

TEST_CASE("import: every service publishing its port, no gateway: the one named as the front door is the entry") {
  const Written im = import_fixture("train-ports-compose.yaml", "train-ports");
  std::set<std::string> targets;
  for (const auto& c : im.doc["components"])
    if (c["type"] == "client") targets.insert(c["target"].get<std::string>());
  CHECK(targets == std::set<std::string>{"ts-ui-dashboard"});
  CHECK(im.guesses.find("ts-auth-service publishes port 12340, taken as a debug port") != std::string::npos);
  check_honest(im.doc, im.warnings, im.err);
  CHECK(im.warnings.find("ts-user-service: receives no request") != std::string::npos);
}

TEST_CASE("import: without a gateway the app's published port is the entry; services found through discovery are idle") {
  const std::string dir = scratch_dir("import-travel");
  auto r = run_archsim({"import", "--quiet", "-o", dir + "/travel.json",
                        source_path("tests/data/import/manifests/travel-compose.yaml")});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(read_text(dir + "/travel.json"));
  const std::set<std::string> got = ids(doc);
  for (const char* infra : {"discovery", "collector", "dashboards"}) CHECK(!got.count(infra));
  CHECK(doc["components"][0]["target"] == "frontend");
  const std::string warnings = warnings_of(dir + "/travel.guesses.txt");
  check_honest(doc, warnings, r.err);
  for (const char* idle : {"search", "rate", "mongodb-rate", "memcached-rate"})
    CHECK(warnings.find(std::string("  ") + idle + ": receives no request") != std::string::npos);
  // --entry says otherwise; a name that is no workload is refused.
  auto e = run_archsim({"import", "--quiet", "-o", dir + "/t2.json", "--entry", "rate",
                        source_path("tests/data/import/manifests/travel-compose.yaml")});
  REQUIRE(e.exit_code == 0);
  CHECK(json::parse(read_text(dir + "/t2.json"))["components"][0]["target"] == "rate");
  auto bad = run_archsim({"import", "--quiet", "-o", dir + "/t3.json", "--entry", "nope",
                          source_path("tests/data/import/manifests/travel-compose.yaml")});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("\"nope\" is no workload") != std::string::npos);
}

TEST_CASE("import: Kubernetes manifests with a sidecar first, custom resources and a load generator") {
  const std::string dir = scratch_dir("import-k8s-shop");
  auto r = run_archsim({"import", "--quiet", "-o", dir + "/shop.json", source_path("tests/data/import/manifests/k8s")});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(read_text(dir + "/shop.json"));
  const std::string all = read_text(dir + "/shop.guesses.txt");
  const std::set<std::string> got = ids(doc);
  CHECK(!got.count("loadgenerator"));
  CHECK(doc["components"][0]["target"] == "frontend");
  for (const auto& c : doc["components"])
    if (c["id"] == "frontend") {
      CHECK(c["speed"] == 0.2);  // the app container's 200m limit, not the proxy's 2 cores
      CHECK(c["memory"]["limit_mb"] == 128);
    }
  CHECK(all.find("container server modelled (named as the workload") == std::string::npos);
  CHECK(all.find("container server modelled (the first that is no sidecar and has ports); left out: istio-proxy (a sidecar)") !=
        std::string::npos);
  CHECK(all.find("VirtualService frontend") != std::string::npos);
  CHECK(all.find("a custom resource of networking.istio.io") != std::string::npos);
  CHECK(all.find("a custom resource of monitoring.coreos.com") != std::string::npos);
  const auto e = edges(doc);
  CHECK(e.count({"frontend", "cartservice"}));
  CHECK(e.count({"cartservice", "redis-cart"}));
  check_honest(doc, warnings_of(dir + "/shop.guesses.txt"), r.err);
  CHECK(r.err.find("warning: emailservice: receives no request") != std::string::npos);
}

TEST_CASE("import: several Compose files merged in order, with extends, interpolation and an env file") {
  const std::string dir = scratch_dir("import-multi");
  const std::string m = source_path("tests/data/import/manifests/multi/");
  auto r = run_archsim({"import", "--quiet", "-o", dir + "/multi.json", m + "compose.yaml", m + "compose.prod.yaml",
                        "--env-file", m + "prod.env"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(read_text(dir + "/multi.json"));
  for (const auto& c : doc["components"]) {
    if (c["id"] == "api") {
      CHECK(c["replicas"] == 4);        // ${API_REPLICAS:-2} from the env file
      CHECK(c["concurrency"] == 6);     // WEB_CONCURRENCY: ${WORKERS:?...}, exported in the env file
      CHECK(c["cores"] == 2);           // 1.5 CPUs, from the second file
      CHECK(c["memory"]["limit_mb"] == 2048);  // 2GiB
      CHECK(c["probes"]["readiness"]["period"] == "10s");  // the healthcheck extends brought
    }
    if (c["id"] == "web") {
      CHECK(c["type"] == "balancer");
      CHECK(c["targets"] == json::array({"api"}));
    }
  }
  const std::string all = read_text(dir + "/multi.guesses.txt");
  CHECK(all.find("Compose files merged in the order given") != std::string::npos);
  // Without the env file, the variable the second file requires is missing.
  auto bad = run_archsim({"import", "--quiet", "-o", dir + "/m2.json", m + "compose.yaml", m + "compose.prod.yaml"});
  CHECK(bad.exit_code == 2);
  CHECK(lines(bad.err).size() == 1);
  CHECK(bad.err.find(m + "compose.prod.yaml:6:") == 0);
  CHECK(bad.err.find("required variable WORKERS is not set: set WORKERS in the env file") != std::string::npos);
}

TEST_CASE("import: a thousand services in a depends_on cycle, and sixteen thousand services, are answered in one short line") {
  const std::string dir = scratch_dir("import-scale");
  {
    std::ofstream f(dir + "/cycle.yaml");
    f << "services:\n";
    for (int i = 0; i < 1000; ++i) f << "  service-" << i << ": {image: example/app, depends_on: [service-" << (i + 1) % 1000 << "]}\n";
  }
  auto c = run_archsim({"import", "--quiet", "-o", dir + "/c.json", dir + "/cycle.yaml"}, 60);
  INFO(describe(c));
  CHECK(c.exit_code == 2);
  REQUIRE(lines(c.err).size() == 1);
  CHECK(c.err.size() < 500);
  CHECK(c.err.find("a cycle of depends_on") != std::string::npos);
  {
    std::ofstream f(dir + "/many.yaml");
    f << "services:\n  gateway:\n    image: nginx\n    ports: [\"80:80\"]\n    depends_on:\n";
    for (int i = 0; i < 16000; ++i) f << "      - service-" << i << "\n";
    for (int i = 0; i < 16000; ++i) f << "  service-" << i << ": {image: example/app:1}\n";
  }
  auto m = run_archsim({"import", "--quiet", "-o", dir + "/m.json", dir + "/many.yaml"}, 300, std::size_t{6} << 30);
  INFO(describe(m));
  if (m.exit_code == 0) {
    CHECK(m.out.find("16001 components") != std::string::npos);
  } else {
    CHECK(m.exit_code == 2);
    REQUIRE(lines(m.err).size() == 1);
    CHECK(m.err.rfind(dir + "/many.yaml: ", 0) == 0);
    CHECK(m.err.find("GB") != std::string::npos);
  }
}

// Names matched between traces and manifests (docs/import.md), on Compose files and Jaeger
// exports in the shape of public benchmarks' (tests/data/import/make_named_traces.py): the
// trace's name for a program is not always the manifest's, and a store the traces see only
// through its owner's calls is named after that owner in the manifest.
namespace {

struct Imported {
  json doc;
  std::string guesses;
};

// `archsim import MANIFEST --traces TRACES` (both under tests/data/import/): the scenario and its list.
Imported import_with_traces(const std::string& manifest, const std::string& traces) {
  const std::string dir = scratch_dir("import-names");
  auto r = run_archsim({"import", "--quiet", "-o", dir + "/s.json", source_path("tests/data/import/" + manifest), "--traces",
                        source_path("tests/data/import/" + traces)});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return {json::parse(read_text(dir + "/s.json")), read_text(dir + "/s.guesses.txt")};
}

}  // namespace

TEST_CASE("import: trace names matched to a social network's Compose services by hostname, and its stores by owner") {
  const auto [doc, all] = import_with_traces("manifests/social-compose.yaml", "social-home-timeline.json");
  const std::set<std::string> got = ids(doc);
  // nginx-web-server reported from the host nginx-thrift is that Compose service, not a sixth component.
  CHECK(!got.count("nginx-web-server"));
  CHECK(!got.count("jaeger-agent"));
  const auto e = edges(doc);
  CHECK(e.count({"users", "nginx-thrift"}));
  CHECK(e.count({"nginx-thrift", "home-timeline-service"}));
  CHECK(e.count({"home-timeline-service", "post-storage-service"}));
  // Untagged leaf spans named after their store (..._redis_..., _mmc_, _mongo_) call the owner's store.
  CHECK(e.count({"home-timeline-service", "home-timeline-redis"}));
  CHECK(e.count({"post-storage-service", "post-storage-memcached"}));
  CHECK(e.count({"post-storage-service", "post-storage-mongodb"}));
  CHECK(all.find("nginx-thrift: the traces' nginx-web-server is nginx-thrift: its spans' host nginx-thrift") != std::string::npos);
  CHECK(all.find("home-timeline-service: the traces' home-timeline-service is home-timeline-service: the same name") !=
        std::string::npos);
  CHECK(all.find("post-storage-mongodb: the store the traces' post-storage-service calls, named after its owner: 6 of its "
                 "spans with no callee span (a store's word in the operation post_storage_mongo_find_client)") != std::string::npos);
  // Every component is reached: nothing is left idle by a name spelt two ways.
  CHECK(all.find("receives no request") == std::string::npos);
  CHECK(all.find("no workload has its name") == std::string::npos);
  CHECK(all.find("it could be") == std::string::npos);
}

TEST_CASE("import: a hotel site's srv-geo is Compose's geo, its db.system calls reach mongodb-geo; unmatched names listed") {
  const auto [doc, all] = import_with_traces("manifests/hotel-compose.yaml", "hotel-search.json");
  const std::set<std::string> got = ids(doc);
  for (const char* traced_only : {"srv-geo", "srv-rate", "mongodb", "memcached"}) CHECK(!got.count(traced_only));
  const auto e = edges(doc);
  CHECK(e.count({"frontend", "geo"}));
  CHECK(e.count({"frontend", "rate"}));
  CHECK(e.count({"geo", "mongodb-geo"}));
  CHECK(e.count({"rate", "memcached-rate"}));
  CHECK(e.count({"rate", "mongodb-rate"}));
  CHECK(all.find("geo: the traces' srv-geo is geo: the same name without srv/svc/service/server/app (geo)") != std::string::npos);
  CHECK(all.find("memcached-rate: the store the traces' rate calls, named after its owner: 18 of its spans with no callee "
                 "span (db.system memcached)") != std::string::npos);
  CHECK(all.find("receives no request") == std::string::npos);

  // Without the Compose file's geo, srv-geo matches nothing and is said to: a component of its
  // own, whose store is still found by its owner's name.
  const std::string dir = scratch_dir("import-names-hotel");
  std::string compose = read_text(source_path("tests/data/import/manifests/hotel-compose.yaml"));
  const auto at = compose.find("  geo:\n");
  compose.replace(at, compose.find("  rate:\n") - at, "");
  std::ofstream(dir + "/no-geo.yaml") << compose;
  auto n = run_archsim({"import", "--quiet", "-o", dir + "/n.json", dir + "/no-geo.yaml", "--traces",
                        source_path("tests/data/import/hotel-search.json")});
  INFO(describe(n));
  REQUIRE(n.exit_code == 0);
  CHECK(n.err.find("warning: srv-geo: the traces' service srv-geo: no workload has its name") != std::string::npos);
  const json no_geo = json::parse(read_text(dir + "/n.json"));
  CHECK(ids(no_geo).count("srv-geo"));
  CHECK(edges(no_geo).count({"srv-geo", "mongodb-geo"}));
}

TEST_CASE("import: Java tracers' short names matched to Kubernetes Deployments by their pods' names") {
  const auto [doc, all] = import_with_traces("manifests/train-route.yaml", "route-k8s.json");
  CHECK(ids(doc) == std::set<std::string>{"users", "ts-travel-service", "ts-route-service"});
  CHECK(edges(doc).count({"ts-travel-service", "ts-route-service"}));
  CHECK(all.find("the traces' travel is ts-travel-service: its spans' host ts-travel-service-") != std::string::npos);
  CHECK(all.find(", a pod of ts-travel-service") != std::string::npos);
  CHECK(all.find("the traces' route is ts-route-service") != std::string::npos);
}

TEST_CASE("import: a demo app published by a tracing project's organisation is the app, not a tracer") {
  const std::string dir = scratch_dir("import-demo-app");
  auto r = run_archsim({"import", "--quiet", "-o", dir + "/d.json", source_path("tests/data/import/manifests/hotrod-compose.yaml")});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);  // the app skipped as a tracer left no component: an invalid scenario
  const json doc = json::parse(read_text(dir + "/d.json"));
  CHECK(ids(doc) == std::set<std::string>{"users", "rides"});
  CHECK(read_text(dir + "/d.guesses.txt").find("tracer (") != std::string::npos);
}

// A RabbitMQ broker in Compose (tests/data/import/manifests/rabbit-compose.yaml) named for its
// role: a queue component, its publisher and consumer guessed from the services' environment
// without traces, and read from PRODUCER / CONSUMER spans with messaging.system rabbitmq with them.
TEST_CASE("import: a RabbitMQ container is a queue, its producer and consumer from env vars or from messaging spans") {
  const std::string dir = scratch_dir("import-rabbit");
  const std::string compose = source_path("tests/data/import/manifests/rabbit-compose.yaml");
  for (const bool traced : {false, true}) {
    CAPTURE(traced);
    std::vector<std::string> args = {"import", "--quiet", "-o", dir + "/r.json", compose};
    if (traced) args.insert(args.end(), {"--traces", source_path("tests/data/import/rabbit-orders.json")});
    auto r = run_archsim(args);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const json doc = json::parse(read_text(dir + "/r.json"));
    CHECK(ids(doc) == std::set<std::string>{"users", "web", "broker", "shipping"});  // no second "rabbitmq"
    for (const auto& c : doc["components"])
      if (c["id"] == "broker") {
        CHECK(c["type"] == "queue");
        CHECK(c["consumers"]["service"] == "shipping");
        CHECK(c["partitions"] == 1);
      }
    const auto e = edges(doc);
    CHECK(e.count({"web", "broker"}));
    CHECK(e.count({"broker", "shipping"}));
    const std::string all = read_text(dir + "/r.guesses.txt");
    CHECK(all.find("Kafka") == std::string::npos);
    CHECK(all.find("receives no request") == std::string::npos);
    if (traced)
      CHECK(all.find("broker: the broker the traces' messaging spans name (messaging.system rabbitmq, 48 spans)") !=
            std::string::npos);
    else
      CHECK(all.find("guessed consumer shipping") != std::string::npos);
  }
}
