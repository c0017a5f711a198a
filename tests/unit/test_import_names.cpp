// archsim import's name matching (tools/import/name_match.h) on small inventories and spans:
// one to one or not at all (several traced services in one container, as HotROD's `all`
// command runs them, stay unmatched and are said to), pod names back to their Deployment or
// StatefulSet, the words registries add, and a store named by its owner found from a call's
// db.system or from an untagged leaf's operation.
#include <doctest/doctest.h>

#include "tools/import/name_match.h"

using namespace archsim::import;

namespace {

Workload workload(const std::string& name, const std::string& image, std::vector<std::string> aliases = {}) {
  Workload w;
  w.name = name;
  w.kind = "compose service";
  w.image = image;
  w.aliases = std::move(aliases);
  return w;
}

Span span(const std::string& id, const std::string& parent, const std::string& service, const std::string& host,
          const std::string& name = "op") {
  Span s;
  s.trace = "t";
  s.id = id;
  s.parent = parent;
  s.service = service;
  s.host = host;
  s.name = name;
  return s;
}

std::string how(const NameMatches& m, const std::string& trace_name) {
  for (const auto& x : m.matched)
    if (x.trace_name == trace_name) return x.workload + ": " + x.how;
  return "";
}

}  // namespace

TEST_CASE("import names: several traced services in one container are left unmatched, each said with its candidates") {
  Inventory inv;
  inv.workloads = {workload("hotrod", "jaegertracing/example-hotrod:1.60"), workload("jaeger", "jaegertracing/jaeger:2")};
  TraceFile f;
  f.spans = {span("1", "", "frontend", "ac6a10db4918"), span("2", "1", "customer", "ac6a10db4918")};
  // Both report the container's host, which no workload is named: nothing to match.
  std::vector<TraceFile> traces{f};
  NameMatches m = match_names(inv, traces);
  CHECK(m.matched.empty());
  REQUIRE(m.unmatched_traced.size() == 2);
  CHECK(m.unmatched_workloads == std::vector<std::string>{"hotrod"});  // jaeger is infrastructure
  // With the container's hostname set, both claim hotrod: neither gets it.
  inv.workloads[0].aliases = {"ac6a10db4918"};
  traces = {f};
  m = match_names(inv, traces);
  CHECK(m.matched.empty());
  CHECK(m.unmatched_traced[0].second.find("it could be hotrod") != std::string::npos);
  CHECK(traces[0].spans[0].service == "frontend");
}

TEST_CASE("import names: a pod's name, a name with srv-, a hostname; spans rewritten to the workload's name") {
  Inventory inv;
  inv.workloads = {workload("ts-travel-service", "codewisdom/ts-travel-service"), workload("geo", "hotel:1"),
                   workload("db", "postgres:16"), workload("nginx-thrift", "yg397/openresty-thrift", {"nginx-thrift"})};
  inv.workloads.push_back(workload("kv", "redis:7"));
  inv.workloads.back().kind = "StatefulSet";
  TraceFile f;
  f.spans = {span("1", "", "travel", "ts-travel-service-859cf49b6c-b4sx9"), span("2", "1", "srv-geo", "3f9a1c2b7d41"),
             span("3", "1", "nginx-web-server", "nginx-thrift"), span("4", "1", "cache", "kv-0")};
  std::vector<TraceFile> traces{f};
  const NameMatches m = match_names(inv, traces);
  CHECK(how(m, "travel") == "ts-travel-service: its spans' host ts-travel-service-859cf49b6c-b4sx9, a pod of ts-travel-service");
  CHECK(how(m, "srv-geo") == "geo: the same name without srv/svc/service/server/app (geo)");
  CHECK(how(m, "nginx-web-server") == "nginx-thrift: its spans' host nginx-thrift (hostname tag)");
  CHECK(how(m, "cache") == "kv: its spans' host kv-0, a pod of kv");
  CHECK(traces[0].spans[0].service == "ts-travel-service");
  CHECK(traces[0].spans[1].service == "geo");
  CHECK(m.unmatched_workloads == std::vector<std::string>{"db"});
}

TEST_CASE("import names: a store named by its owner, from db.system or from a leaf span's operation, never a callee's own span") {
  Inventory inv;
  inv.workloads = {workload("post-storage-service", "dsb/social"), workload("post-storage-mongodb", "mongo:4.4.6"),
                   workload("post-storage-memcached", "memcached"), workload("mongodb-geo", "mongo:4.4.6"),
                   workload("geo", "dsb/hotel")};
  TraceFile f;
  f.spans = {span("1", "", "post-storage-service", "h1", "post_storage_read_posts_server"),
             span("2", "1", "post-storage-service", "h1", "post_storage_mmc_mget_client"),
             span("3", "1", "post-storage-service", "h1", "find"), span("4", "", "geo", "h2", "Nearby"),
             span("5", "4", "geo", "h2", "mongo.find"), span("6", "2", "post-storage-service", "h1", "memcached_inner")};
  f.spans[2].db_system = "mongodb";
  f.spans[2].kind = Span::Client;
  std::vector<TraceFile> traces{f};
  const NameMatches m = match_names(inv, traces);
  CHECK(traces[0].spans[1].peer.empty());  // not a leaf: its child 6 is below it
  CHECK(traces[0].spans[5].peer == "post-storage-memcached");
  CHECK(traces[0].spans[2].peer == "post-storage-mongodb");
  CHECK(traces[0].spans[4].peer == "mongodb-geo");
  CHECK(traces[0].spans[0].peer.empty());  // a serving span with children
  CHECK(how(m, "geo") == "geo: the same name");
  bool store = false;
  for (const auto& x : m.matched)
    if (x.store && x.trace_name == "geo")
      store = x.workload == "mongodb-geo" && x.how == "the store the traces' geo calls, named after its owner: 1 of its spans "
                                                      "with no callee span (a store's word in the operation mongo.find)";
  CHECK(store);
}
