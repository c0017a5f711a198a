// What a component says about itself for analysis without simulation (`archsim analyze`,
// `archsim graph`): the few figures an open queueing network needs, filled by the model
// from the parameters it already parsed. The engine and the reports never read a model's
// internals; a model that does not describe itself is left out of the analytic estimate
// (its kind stays Unknown) but still appears in the topology.
//
// Units: seconds and requests per second, plain doubles (this is not a hot path).
// References are RefIds into Simulation::references(); routes are interned route indices
// (BuildContext::route_index).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/context.h"

namespace archsim {

struct Description {
  enum class Kind : std::uint8_t { Unknown, Source, Server, Forwarder, Broker };
  Kind kind = Kind::Unknown;
  // Lives inside its callers' processes (BuildContext::in_process): it fails with them, never
  // alone, so it is no single point of failure of its own.
  bool in_process = false;

  // ---- Source (a client): where its requests go and how many.
  RefId target = 0;
  double target_timeout_s = 0;  // the client gives up after this long (0 = never)
  std::string target_policy;    // its resilience policy in a few words, "" for none
  double peak_rate_rps = 0;     // open loop: the highest arrival rate of the profile
  double peak_users = 0;        // closed loop: the most concurrent users (peak_rate_rps is 0)
  double think_mean_s = 0;      // closed loop: mean think time
  double mean_load = 0;         // the run's mean arrival rate (open) or users (closed), for its length estimate
  // Its offered requests per second over the run as (seconds, rate) points, linear between
  // (Profile's reading); empty: constant. Where a run is cut into segments (tools/cli/segments.h).
  std::vector<std::pair<double, double>> load_profile;
  struct RouteShare {
    std::uint32_t route = 0;
    double weight = 0;
    bool write = false;       // the route writes: a cache does not count it among its reads
    std::uint64_t keys = 0;   // distinct data keys its requests carry (0: none)
    double zipf = 0;          // their popularity exponent (0: uniform)
  };
  std::vector<RouteShare> routes;  // request mix (weights, not normalised)

  // ---- Any kind: how long its state takes to forget how the run began, in seconds (0: it
  // declares none): the warm-up a segment of a time-parallel run needs (tools/cli/segments.h)
  // before its figures count. A cache's TTL counts too (cache_ttl_s).
  double memory_s = 0;

  // ---- Server (a service): instances, workers, zones and per-route work.
  std::uint32_t replicas = 0;      // instances at t = 0
  std::uint32_t concurrency = 0;   // workers per instance; kUnlimited: every request at once
  static constexpr std::uint32_t kUnlimited = UINT32_MAX;  // (M/G/inf: no wait, no blocking)
  std::uint32_t quorum = 0;        // instances that must be up to serve (a consensus majority); 0: one
  std::vector<std::string> zones;  // zones its instances are spread over (may be one "")
  long long queue_capacity = -1;   // waiting places per instance; -1 unbounded, 0 none
  bool io_async = false;           // workers are released while calls are outstanding (a call holds none)
  std::vector<std::uint32_t> pools;  // connections per instance of each connection pool its calls take
  struct Call {
    RefId ref = 0;
    bool same_route = true;   // the call carries the caller's route
    std::uint32_t route = 0;  // else this route
    double timeout_s = 0;     // the caller stops waiting after this long (0 = never)
    bool one_way = false;     // sent, not waited for (a publish without ack): traffic, no holding time
    bool optional = false;    // its failure is a miss, not the route's ("on_failure": "continue")
    std::string policy;       // its resilience policy in a few words ("retry x3, breaker"), "" for none
    std::uint32_t pool = 0;   // 1 + index into `pools`: the pool it takes a connection from; 0 none
  };
  // Calls made together: one call, or a parallel block that waits for `wait_for` of them.
  struct CallGroup {
    std::vector<Call> calls;
    std::uint32_t wait_for = 1;
  };
  // A route as the analysis walks it, when its steps branch, choose or repeat: each step goes
  // on to the next unless it says otherwise.
  struct FlowStep {
    enum class Kind : std::uint8_t { Work, Calls, Choice, Jump, Branch, Repeat } kind = Kind::Work;
    double work_s = 0, work_scv = 1;  // Work: mean (after `speed`) and squared coefficient of variation
    std::uint32_t group = 0;          // Calls: index into `groups`; Branch: the group whose reply decides
    std::uint32_t target = 0;         // Jump: where to; Branch: where when not taken; Repeat: back to
    std::vector<std::pair<double, std::uint32_t>> arms;  // Choice: (probability, first step) per arm
    bool on_miss = true;              // Branch: taken (go on) on a cache miss, else on a row not found
    double probability = 0;           // Repeat: the chance to go back
  };
  struct Program {
    bool any_route = false;  // the default program (routes without their own)
    std::uint32_t route = 0;
    double work_s = 0;       // mean CPU work per request, after `speed` (every step once)
    double work_scv = 1;     // squared coefficient of variation of the work (1 = exponential)
    std::vector<CallGroup> groups;  // in the order they are made
    std::vector<FlowStep> flow;     // the steps in order (empty: every work step and group once)
  };
  std::vector<Program> programs;

  // ---- A cache (a Server whose operations are reads and writes of keys): what its hit
  // ratio depends on, and the backend it reads through on a miss.
  bool is_cache = false;
  double cache_capacity = 0;       // entries; 0 unbounded
  double cache_ttl_s = 0;          // 0: entries do not expire
  std::string cache_eviction;      // "lru", "lfu", "fifo", "random", "sampled_lru", ...
  bool cache_reads_through = false;  // it calls `cache_backend` on a miss (read-through)
  RefId cache_backend = 0;

  // ---- Forwarder (a balancer): targets and their weights; no workers.
  struct Target {
    RefId ref = 0;
    double weight = 1;
  };
  std::vector<Target> targets;
  // Per route index: the targets (indices into `targets`) that route goes to; a route past
  // the end, or with an empty list, goes to all of them.
  std::vector<std::vector<std::uint32_t>> route_targets;
  double latency_s = 0;  // mean added delay
  double max_rps = 0;    // admission limit, 0 = none
  std::string algorithm; // how it picks a target ("least_connections"), for diagrams

  // ---- Broker (a queue): what it receives is delivered once to a consumer group, the ready
  // instances of `consumer`; a member processes one message at a time from the partitions
  // assigned to it (Kafka's range assignor), or, in a work queue (`partitions` 0), up to
  // `prefetch` from one shared FIFO.
  bool has_consumers = false;
  RefId consumer = 0;
  bool consumer_same_route = true;  // the message keeps its route
  std::uint32_t consumer_route = 0;  // else this route
  std::uint32_t partitions = 0;      // 0: a work queue
  std::uint32_t prefetch = 1;
  double ack_s = 0;            // mean wait of a producer that waits for the ack
  double delivery_delay_s = 0; // mean time before a message can be consumed (replication, outbox poll)

  // ---- A controller that resizes another component (an autoscaler): kind stays Unknown.
  bool scales = false;
  RefId scaled = 0;                // the component it resizes
  std::uint32_t max_replicas = 0;  // the most instances it will run
};

}  // namespace archsim
