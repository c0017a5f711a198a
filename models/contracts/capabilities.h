// Capabilities: what one model may ask of another, whatever family the other belongs to.
//
// An autoscaler scales "something Scalable", a fault injector crashes "something
// Crashable"; neither names the service model. A component offers capabilities by also
// deriving from HasCapabilities and returning pointers to the interfaces it implements
// (usually `this`); capabilities_of() finds them. Look them up once, in connect(), and keep
// the pointers: the lookup is a dynamic_cast, never done during a run.
//
// The interfaces are plain abstract classes, not Components: the pointers stay valid for
// the component's life (the whole run) and are never owned or deleted through them.
//
// Context switch (OMNeT++'s Enter_Method, include/omnetpp/ccontextswitcher.h): every method
// below that takes a Context makes the callee the acting component for its duration
// (Context::ActingAs), so the timers it schedules and the metrics it sets are its own.
// Callers call it as they are; an implementation must switch.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/time.h"

namespace archsim {

class Component;
class Context;

// What an autoscaler or a fault injector sees of one instance (cumulative figures: take
// differences between two readings).
struct InstanceStat {
  std::uint64_t serial = 0;     // stable identity of the instance
  bool ready = false;           // serving traffic
  bool starting = false;        // launched, not ready yet
  Time launched = 0, ready_since = 0;
  Time readiness_changed = 0;   // last change of ready (Kubernetes' Ready lastTransitionTime)
  double busy_area = 0;         // integral of held workers over time (worker-ns)
  double cpu_area = 0;          // integral of workers doing CPU work (worker-ns)
  std::uint64_t completed = 0;  // requests answered
  std::uint32_t busy = 0, queued = 0;
  double memory_mb = 0;
  std::uint32_t zone = 0;       // index into ZoneAware::zones()
  double speed = 1;             // work time divides by it (its instance type's speed)
  double cpu_request = 1;       // its CPU in cores (CpuRequests); cpu_area / (concurrency x dt) is a fraction of it
  bool outdated = false;        // launched with an older instance type (a rollout replaces it)
};

// Horizontal scaling: a set of identical instances whose count can be changed (a
// Deployment's replicas, as the HPA drives them).
class Scalable {
 public:
  virtual std::uint32_t replicas() const = 0;        // desired instances (starting + ready + restarting)
  virtual std::uint32_t ready_replicas() const = 0;
  virtual std::uint32_t concurrency() const = 0;     // workers per instance
  virtual double memory_limit_mb() const = 0;        // per instance; 0 when none is given
  virtual void scale_to(Context& ctx, std::uint32_t replicas) = 0;
  // Every instance that is not terminating, as of `now`; `out` is cleared first.
  virtual void instance_stats(Time now, std::vector<InstanceStat>& out) const = 0;

 protected:
  ~Scalable() = default;
};

// Vertical sizing (the autoscaler's vertical mode). Instances launched after
// set_instance_type() have the new type and speed; running ones keep theirs until a rollout
// replaces them (surge one, retire one outdated, as a Deployment's RollingUpdate with
// maxSurge 1 and maxUnavailable 0 does). Each instance is billed at the price of its own type.
class Resizable {
 public:
  virtual const std::string& instance_type() const = 0;
  virtual double speed() const = 0;
  virtual void set_instance_type(const std::string& type, double speed) = 0;
  // Launches one instance beyond the current count (the rollout's surge).
  virtual void surge(Context& ctx) = 0;
  // Retires one instance of an older type (not-ready first, then the oldest); false if none.
  virtual bool retire_outdated(Context& ctx) = 0;

 protected:
  ~Resizable() = default;
};

// Per-pod CPU requests, as the Vertical Pod Autoscaler's admission controller and updater
// change them: instances launched after set_cpu_request() get the new request (their cores);
// running ones keep theirs until they are evicted and replaced.
class CpuRequests {
 public:
  virtual bool has_cpu_request() const = 0;  // the scenario gave the component a CPU request
  virtual double cpu_request() const = 0;    // cores an instance launched now gets
  virtual void set_cpu_request(double cores) = 0;
  // Evicts the Ready instance `serial` (Kubernetes' eviction API): it drains as on scale-in
  // and a replacement with the current request starts at once. False when it is not Ready
  // or a disruption budget refuses.
  virtual bool evict(Context& ctx, std::uint64_t serial) = 0;

 protected:
  ~CpuRequests() = default;
};

// Instances that can die: crashed on purpose (Chaos Monkey) or failed at random (an
// MTBF/MTTR process per instance slot), and the record of how many were ready over time.
class Crashable {
 public:
  // Crashes up to `count` serving instances (all when count >= replicas); they restart.
  // Returns how many were crashed.
  virtual std::uint32_t crash(Context& ctx, std::uint32_t count) = 0;
  // Instance slots that exist (some may be gone); random failures address instances by slot.
  virtual std::uint32_t instance_slots() const = 0;
  // Takes the instance in `slot` down (its work is dropped) with no restart until
  // repair_instance(); false when the slot holds no live instance.
  virtual bool fail_instance(Context& ctx, std::uint32_t slot) = 0;
  // Restarts a failed instance (start-up time applies).
  virtual void repair_instance(Context& ctx, std::uint32_t slot) = 0;
  // Seconds since warm-up spent with each number of ready instances (index = ready count),
  // outages (no ready instance) since warm-up and their total length, OOM kills.
  struct ReadyHistory {
    std::vector<double> seconds_at;
    std::uint32_t outages = 0, oom_kills = 0;
    double outage_seconds = 0;
  };
  virtual ReadyHistory ready_history(Time now, Time warmup) const = 0;
  // How long a crash() at `at` lasted: the moment the last instance it took down was ready
  // again (or removed); `now` while one is still down; `at` when it took none down.
  virtual Time crash_over(Time at, Time now) const = 0;

 protected:
  ~Crashable() = default;
};

// Instances placed in availability zones, which can fail as a whole.
class ZoneAware {
 public:
  // The zones its instances are spread over (its component's zone, possibly "", when it
  // names none).
  virtual const std::vector<std::string>& zones() const = 0;
  // Crashes every instance in `zone` and keeps them down until restore_zone().
  virtual void fail_zone(Context& ctx, const std::string& zone) = 0;
  virtual void restore_zone(Context& ctx, const std::string& zone) = 0;

 protected:
  ~ZoneAware() = default;
};

// Partial failures: the component keeps running but serves worse.
class Degradable {
 public:
  // Service times multiply by `factor` (slow query, GC pause); 1 = normal.
  virtual void set_slowdown(double factor) = 0;
  // A fraction of requests answer 5xx at once (Istio fault abort); 0 = none.
  virtual void set_error_rate(double rate) = 0;
  // Whether a memory leak can get an instance killed (a memory limit exists).
  virtual bool oom_killable() const = 0;
  // Every serving instance leaks `per_request_mb` per request answered and `per_second_mb`
  // per second; one whose memory passes its limit is OOMKilled and restarts with the
  // kubelet's CrashLoopBackOff. Zero rates stop the leak. False when !oom_killable().
  virtual bool set_memory_leak(Context& ctx, double per_request_mb, double per_second_mb) = 0;
  // Requests that write (RequestInfo::write) fail with Status::Error; reads still work.
  virtual void set_disk_full(bool full) = 0;

 protected:
  ~Degradable() = default;
};

// Voluntary disruptions (Kubernetes' eviction API, kubectl drain): instances evicted to
// free their node, each replaced elsewhere, as far as the component's disruption budget allows.
class Disruptable {
 public:
  // Drains the node holding `count` of its serving instances: each is evicted when its
  // budget allows (it drains as on scale-in and a replacement starts), else the eviction is
  // retried every 5 s until it is. Returns how many instances the drain concerns.
  virtual std::uint32_t drain(Context& ctx, std::uint32_t count) = 0;
  // A drain of replicas rather than primaries (a database's; the fault's "role": "replica"):
  // whether the component has replicas to drain, and the drain of `count` of them.
  virtual bool drains_replicas() const { return false; }
  virtual std::uint32_t drain_replicas(Context&, std::uint32_t) { return 0; }

 protected:
  ~Disruptable() = default;
};

// Where a component runs against the data centre's failures. A zone or region outage takes
// down what runs in the data centre; the users a client stands for are not in it (they
// reach the site from outside, and fail over when it answers badly), unless the scenario
// says the client runs inside (an internal caller, a batch job). A component that does not
// offer this runs in the data centre.
class Placement {
 public:
  virtual bool in_data_centre() const = 0;

 protected:
  ~Placement() = default;
};

// A component that bounds what producers may hand it and makes them wait for room (Kafka's
// producer: send() blocks while its buffer is full, up to max.block.ms). A one-way sender
// asks before it sends: while full() holds, it sends a call instead, marked
// RequestInfo::send_only, and waits for its reply (Ok once the message is in, or a failure).
class Backpressure {
 public:
  // Whether a message for sub-address `topic` would wait now.
  virtual bool full(std::uint16_t topic) const = 0;

 protected:
  ~Backpressure() = default;
};

// A source of offered load (an open-loop client): a load spike multiplies its arrival rate.
class LoadSource {
 public:
  // Arrivals from now on come at `factor` times the scenario's rate (1 = as written). The
  // next arrival already drawn keeps its time; the ones after it follow the new rate (a
  // Poisson process is memoryless, so nothing else changes). False when the source cannot
  // (a closed-loop population, whose load follows its replies).
  virtual bool set_load_factor(Context& ctx, double factor) = 0;
  // A workload change (a hot-key shift): from now on a key route's rank r asks for key
  // (r + offset) mod its key count, so the hot set moves to keys that were cold (0: as
  // written). False when the source draws no keys.
  virtual bool set_key_shift(Context& ctx, std::uint64_t offset) = 0;
  // Whether some route of the source draws keys (a key_shift has something to move).
  virtual bool draws_keys() const = 0;

 protected:
  ~LoadSource() = default;
};

// Stored keys that a fault can drop (a cache's contents: FLUSHALL, a node restarted empty, a
// deploy that clears a local cache, a delete of the hottest keys).
class KeyedStore {
 public:
  static constexpr std::uint64_t kAllKeys = ~std::uint64_t{0};
  // Drops keys first .. end-1 from every copy the component holds (end = kAllKeys with
  // first = 0: everything). A Zipf route's rank r is key r (models/client, without
  // "scramble"), so [0, k) are its k most popular keys; a delete script walking them in
  // slices drops [first, end) at each step. Returns how many entries were dropped.
  virtual std::uint64_t drop_keys(Context& ctx, std::uint64_t first, std::uint64_t end) = 0;

 protected:
  ~KeyedStore() = default;
};

// Named sub-addresses of a component (a queue's topics): a request's `topic` is the index of
// one. A publisher resolves a name once, in connect().
class Topics {
 public:
  virtual int topic_index(std::string_view name) const = 0;  // -1 when there is none by that name
  virtual std::vector<std::string> topic_names() const = 0;

 protected:
  ~Topics() = default;
};

// A store of record that knows when each key was last written (a database's commit), so
// that a cache in front of it can tell a copy older than the latest write even when the
// writer went around the cache (updated the database without invalidating).
class KeyWrites {
 public:
  // From connect(): the reader will ask; the store keeps its write times from then on
  // (a store nobody reads keeps none).
  virtual void keep_write_times() = 0;
  // The time of the latest committed write of `key`, or -1 if it has none. O(1), no allocation.
  virtual Time last_write(std::uint64_t key) const = 0;

 protected:
  ~KeyWrites() = default;
};

// A participant of two-phase commit (PostgreSQL's PREPARE TRANSACTION): it holds a prepared
// transaction, with its locks, from its yes vote to the coordinator's decision, and may vote
// no. A coordinator accepts no other participant: a component that answers "prepare" as any
// call (a cache, a plain service) would vote yes without preparing anything.
class PreparedTransactions {
 public:
  virtual std::uint32_t max_prepared_transactions() const = 0;

 protected:
  ~PreparedTransactions() = default;
};

// What a component offers; nullptr for what it does not.
struct Capabilities {
  Scalable* scalable = nullptr;
  Resizable* resizable = nullptr;
  Crashable* crashable = nullptr;
  ZoneAware* zone_aware = nullptr;
  Degradable* degradable = nullptr;
  Disruptable* disruptable = nullptr;
  Topics* topics = nullptr;
  Placement* placement = nullptr;
  Backpressure* backpressure = nullptr;
  KeyWrites* key_writes = nullptr;
  LoadSource* load_source = nullptr;
  KeyedStore* keyed_store = nullptr;
  CpuRequests* cpu_requests = nullptr;
  PreparedTransactions* prepared_transactions = nullptr;
};

// A model with capabilities derives from this as well as from Component.
class HasCapabilities {
 public:
  virtual Capabilities capabilities() = 0;

 protected:
  ~HasCapabilities() = default;
};

// The capabilities `c` offers (all null for a component without any). One dynamic_cast:
// call it in connect(), not during the run.
Capabilities capabilities_of(Component& c);

}  // namespace archsim
