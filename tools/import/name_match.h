// Names matched between traces and manifests (`archsim import app.yaml --traces t.json`): the
// service names tracing clients report are often not the names the manifests give the same
// program, and a store the traces only see from its owner's calls is named after that owner in
// the manifests. Real applications show each case:
// - the same name (DeathStarBench's social network: compose-post-service in both);
// - a Compose hostname or container_name, a Kubernetes Service's name (the workload's aliases);
// - the host the spans came from: a Jaeger process's `hostname` tag (or OTLP host.name) is the
//   container's hostname (DeathStarBench's nginx-web-server runs in Compose service
//   nginx-thrift, `hostname: nginx-thrift`), or a pod's name, `<Deployment>-<ReplicaSet hash>-
//   <suffix>` or `<StatefulSet>-<ordinal>` (Train-Ticket's ts-travel-service-859cf49b6c-b4sx9);
// - the name without the words a registry or tracer adds (hotel reservation's `srv-geo`
//   registers the Compose service `geo`): srv, svc, service, server, app;
// - the image's name (jaegertracing/example-hotrod runs as `hotrod`);
// - a store named by its owner, `<owner>-<store>` or `<store>-<owner>` (post-storage-mongodb,
//   mongodb-geo, user-timeline-redis), for a call whose callee left no span: named by its
//   db.system / messaging.system / peer.service, or, for a leaf span of OpenTracing-era clients
//   that carries no tag at all, by a store's word in its operation (post_storage_mmc_mget_client,
//   read_home_timeline_redis_find_client);
// - a broker named by the messaging spans' messaging.system (rabbitmq, kafka, nats): the one
//   workload whose image or name is that broker, whatever it is called (`broker`, `mq`).
// A match must be one to one: a trace name two workloads could be (or a workload two trace
// names claim, as one container running several traced services does) is left unmatched.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "tools/import/inventory.h"
#include "tools/import/traces.h"

namespace archsim::import {

struct NameMatches {
  struct Match {
    std::string workload, trace_name, how;
    bool store = false;  // a store or broker the traces reach only through calls: `how` says it whole
  };
  std::vector<Match> matched;                   // services, and stores named by their owner
  std::vector<std::pair<std::string, std::string>> unmatched_traced;  // traced services no workload is: (name, why)
  std::vector<std::string> unmatched_workloads; // workloads no trace names
};

// Matches the traces' service names (and the callees their calls name) to the manifests'
// workloads and rewrites the spans to the workloads' names, so that the calibration and the
// scenario speak of one component per program. Deterministic: names are tried in order.
NameMatches match_names(const Inventory& inv, std::vector<TraceFile>& traces);

}  // namespace archsim::import
