// The built-in kinds of scheduled fault (models/contracts/fault_kinds.h says how a kind is
// played), as chaos-engineering tools and service meshes inject them:
//   crash        Chaos Monkey / `kubectl delete pod`: instances die, drop what they hold, and
//                come back after the service's restart_time (+ startup_time). Instantaneous to
//                apply; reported as lasting until the last of those instances is ready again.
//   zone_outage  an AWS availability-zone failure: every instance in the zone is down until
//                the fault ends; balancers and other components placed in the zone are cut off.
//   region_outage  a whole cloud region down (AWS us-east-1, 2021-12-07, at the scale of a
//                region): every instance of every component placed in the region is down until
//                the fault ends; components there without instances (balancers, CDNs, DNS) are
//                cut off. Regions are declared in network.regions.
//                Neither reaches a client placed there: its users are not in the data centre
//                (they lose what they called there and fail over), unless the client is
//                "internal" (Placement, models/contracts/capabilities.h).
//   partition    a network partition between groups: calls and replies crossing groups are
//                lost, so callers can only time out (Jepsen's partitions).
//   latency      Istio HTTPFaultInjection.delay: `percent` of calls on a link ("a->b") or to a
//                component wait `add` more (Envoy fault filter, fixed_delay_percent).
//   error_rate   Istio HTTPFaultInjection.abort: a fraction of calls answered 5xx by the
//                caller's sidecar without reaching the callee; on a service, the service
//                itself answers 5xx (a dependency returning errors).
//   slowdown     service times x factor (slow queries, GC pauses).
//   cpu_throttle `docker update --cpus` / a CPU quota cut (the OSDI 2022 retry experiment's
//                trigger): the target keeps `factor` of its CPU (0.2 = an 80% drop), so its
//                work takes 1 / factor as long.
//   load_spike   an open-loop client's arrival rate x `factor` (the GC experiment's trigger).
//   cache_flush  a cache loses its `keys` hottest keys, or everything ("all", the default:
//                FLUSHALL, a node restarted empty, a deploy that clears a local cache).
//                Without "duration", at once: the cache refills from its callers' misses.
//                With one, as a delete script does it (the OSDI 2022 look-aside experiment
//                deletes the hot keys in sequential passes over seconds to minutes): the
//                keys are walked hottest first at an even pace, `passes` times in turn
//                over the duration, so keys refilled since the last pass are deleted again;
//                the walk moves in slices of at most 100 ms. "all" with a duration is a
//                FLUSHALL at the start of each pass.
//   key_shift    a workload change on an open-loop client: the hot set moves, rank r asking
//                for key (r + offset) mod the route's key count from "at" (until "duration"
//                ends, when one is given; without, for good). A cache holding the old hot
//                set misses the new one until it refills.
//   memory_leak  memory grows per request or per second until memory.limit_mb OOMKills the
//                instance; the kubelet restarts it with CrashLoopBackOff (models/service).
//   disk_full    writes (client routes with "write": true) fail with 5xx, reads work.
//   drain        `kubectl drain` of the node holding `instances` of the target's instances:
//                each is evicted when its PodDisruptionBudget allows, else retried every 5 s;
//                an evicted instance drains and is replaced (models/server/pool).
//                On a database, a planned switchover of its primaries (models/database/drain.cpp),
//                or with "role": "replica" a graceful stop and restart of replicas;
//                on a cache, a manual failover of its nodes to replicas, or without replicas
//                Redis's SHUTDOWN and a restart (models/cache/failover.cpp);
//                on a queue, Kafka's controlled shutdown of brokers (models/queue/queue.cpp).
// Sources read: Istio VirtualService HTTPFaultInjection and the Envoy fault filter docs
// (delay/abort percentages), Kubernetes pod lifecycle (restart back-off).
// Each acts through its target's capabilities (models/contracts/capabilities.h) or on links;
// none knows which family its target belongs to.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <string>
#include <vector>


#include "models/faults/faults.h"

namespace archsim {
namespace {

// ---- reading ----

void read_target(Params& p, const FaultWorld& w, FaultPlan& f) {
  std::string id = p.string("target");
  f.target = w.component(p, "target", id);
  f.label += " " + id;
}

// "b" (every link into b) or "a->b" (the link from a to b).
void read_link_target(Params& p, const FaultWorld& w, FaultPlan& f) {
  std::string t = p.string("target");
  auto arrow = t.find("->");
  if (arrow != std::string::npos) {
    std::string a = t.substr(0, arrow), b = t.substr(arrow + 2);
    f.link_from = w.component(p, "target", a);
    f.target = w.component(p, "target", b);
  } else {
    f.target = w.component(p, "target", t);
  }
  f.label += " " + t;
}

void read_crash(Params& p, const FaultWorld& w, FaultPlan& f) {
  read_target(p, w, f);
  const Params::Value n = p.value("instances");
  const std::optional<std::int64_t> count = n.as_integer();
  if (n.shape() == Params::Shape::absent) {
    f.instances = 1;
  } else if (n.as_string() == "all") {
    f.instances = UINT32_MAX;
  } else if (count && *count >= 1) {
    f.instances = static_cast<std::uint32_t>(std::min<std::int64_t>(*count, UINT32_MAX - 1));
  } else {
    p.fail("instances", "expected a positive whole number or \"all\"");
  }
  f.label += f.instances == UINT32_MAX ? " (all instances)" : " (" + std::to_string(f.instances) + " instance" + (f.instances > 1 ? "s)" : ")");
}

void read_drain(Params& p, const FaultWorld& w, FaultPlan& f) {
  read_crash(p, w, f);
  f.replicas = p.choice("role", "primary", {"primary", "replica"}) == "replica";
  if (f.replicas) f.label += " replicas";
}

void resolve_drain(const FaultWorld& w, FaultPlan& f) {
  if (f.replicas && !w.caps[f.target_index()].disruptable->drains_replicas())
    throw ScenarioError(f.pointer + "/role", "\"" + w.ids[f.target_index()] +
                                                 "\" has no replicas to drain on their own: \"role\": \"replica\" needs a database with replicas");
}

void apply_drain(Context& ctx, const FaultWorld& w, const FaultPlan& f) {
  Disruptable* d = w.caps[f.target_index()].disruptable;
  if (f.replicas) d->drain_replicas(ctx, f.instances);
  else d->drain(ctx, f.instances);
}

void read_zone_outage(Params& p, const FaultWorld&, FaultPlan& f) {
  f.zone = p.string("zone");  // checked at connect, where zone-aware components' zone lists are known
  f.label += " " + f.zone;
}

void read_region_outage(Params& p, const FaultWorld& w, FaultPlan& f) {
  f.region = p.string("region");
  if (std::find(w.region_names.begin(), w.region_names.end(), f.region) == w.region_names.end())
    p.fail("region", "unknown region \"" + f.region + "\"" + did_you_mean(f.region, w.region_names) +
                         (w.region_names.empty() ? " (declare it in network.regions)" : ""));
  f.label += " " + f.region;
}

void read_partition(Params& p, const FaultWorld& w, FaultPlan& f) {
  const Params::Value g = p.value("groups");
  if (g.shape() != Params::Shape::array || g.items().size() < 2)
    p.fail("groups", "expected at least two groups: [[\"a\", \"b\"], [\"c\"]]");
  std::vector<char> used(w.ids.size(), 0);
  for (const Params::Value& group : g.items()) {
    if (group.shape() != Params::Shape::array || group.items().empty())
      group.fail("expected a non-empty array of component ids");
    std::vector<std::uint32_t> members;
    for (const Params::Value& item : group.items()) {
      const std::optional<std::string> id = item.as_string();
      if (!id) item.fail("expected a component id");
      auto it = std::find(w.ids.begin(), w.ids.end(), *id);
      if (it == w.ids.end()) item.fail("unknown component \"" + *id + "\"" + did_you_mean(*id, w.ids));
      std::uint32_t idx = static_cast<std::uint32_t>(it - w.ids.begin());
      if (used[idx]) item.fail("\"" + *id + "\" is in more than one group");
      used[idx] = 1;
      members.push_back(idx);
    }
    f.groups.push_back(std::move(members));
  }
}

void read_latency(Params& p, const FaultWorld& w, FaultPlan& f) {
  read_link_target(p, w, f);
  f.add = p.distribution("add");
  f.fraction = p.number("percent", 100.0, 0.0, 100.0) / 100.0;
}

void read_error_rate(Params& p, const FaultWorld& w, FaultPlan& f) {
  read_link_target(p, w, f);
  f.fraction = p.require_number("rate", 0.0, 1.0);
}

void read_slowdown(Params& p, const FaultWorld& w, FaultPlan& f) {
  read_target(p, w, f);
  f.factor = p.require_number("factor", 1e-3, 1e6);
}

void read_cpu_throttle(Params& p, const FaultWorld& w, FaultPlan& f) {
  read_target(p, w, f);
  f.factor = p.require_number("factor", 1e-3, 1.0);
  f.label += " (" + std::to_string(static_cast<int>(std::lround(f.factor * 100))) + "% CPU)";
}

void read_load_spike(Params& p, const FaultWorld& w, FaultPlan& f) {
  read_target(p, w, f);
  f.factor = p.require_number("factor", 0.01, 1e4);
  char buf[32];
  std::snprintf(buf, sizeof buf, " (x%g)", f.factor);
  f.label += buf;
}

void read_cache_flush(Params& p, const FaultWorld& w, FaultPlan& f) {
  read_target(p, w, f);
  const Params::Value k = p.value("keys");
  const std::optional<std::int64_t> n = k.as_integer();
  if (k.shape() == Params::Shape::absent || k.as_string() == "all") f.keys = KeyedStore::kAllKeys;
  else if (n && *n >= 1) f.keys = static_cast<std::uint64_t>(*n);
  else p.fail("keys", "expected the number of hottest keys to drop (a positive whole number) or \"all\"");
  f.label += f.keys == KeyedStore::kAllKeys ? " (all keys)" : " (" + std::to_string(f.keys) + " hottest keys)";
  if (f.span > 0) {
    f.passes = static_cast<std::uint32_t>(p.integer("passes", 1, 1, 1000));
    f.label += " over " + format_duration(f.span) + (f.passes > 1 ? " in " + std::to_string(f.passes) + " passes" : "");
  } else if (p.has("passes")) {
    p.fail("passes", "counts the passes of a deletion spread over a \"duration\": give one, or drop \"passes\"");
  }
}

void read_key_shift(Params& p, const FaultWorld& w, FaultPlan& f) {
  read_target(p, w, f);
  const Params::Value v = p.value("offset");
  const std::optional<std::uint64_t> n = v.as_unsigned();
  if (v.shape() == Params::Shape::absent) p.missing("offset");
  if (!n || *n == 0) p.fail("offset", "expected how many keys the hot set moves by (a positive whole number)");
  f.offset = *n;
  f.label += " (+" + std::to_string(f.offset) + " keys)";
}

void read_memory_leak(Params& p, const FaultWorld& w, FaultPlan& f) {
  read_target(p, w, f);
  f.per_request_mb = p.number("per_request_mb", 0.0, 0.0, 1e9);
  f.per_second_mb = p.number("per_second_mb", 0.0, 0.0, 1e9);
  if (f.per_request_mb <= 0 && f.per_second_mb <= 0)
    p.fail_here("a memory_leak needs \"per_request_mb\" or \"per_second_mb\" (positive)");
}

// ---- resolving, at connect ----

void resolve_memory_leak(const FaultWorld& w, FaultPlan& f) {
  if (!w.caps[f.target_index()].degradable->oom_killable())
    throw ScenarioError(f.pointer + "/target",
                        "\"" + w.ids[f.target_index()] +
                            "\" has no memory limit a leak could reach: set its memory.limit_mb (the container limit "
                            "of a service, a queue's brokers, a shared cache's or a database's nodes)");
}

// A hot-key shift moves the keys a client draws: one that draws none is refused, not ignored.
void resolve_key_shift(const FaultWorld& w, FaultPlan& f) {
  if (!w.caps[f.target_index()].load_source->draws_keys())
    throw ScenarioError(f.pointer + "/target", "\"" + w.ids[f.target_index()] +
                                                   "\" draws no keys: a key_shift moves the keys of a client's routes "
                                                   "(give a route \"keys\")");
}

// Users' clients placed in a failed zone or region stay up: they are outside the data centre.
bool outside_data_centre(const FaultWorld& w, std::uint32_t c) {
  const Placement* p = w.caps[c].placement;
  return p && !p->in_data_centre();
}

// Zone-aware components with instances in the zone fail those instances; any other
// component placed in the zone (but a client outside the data centre) loses its links.
void resolve_zone_outage(const FaultWorld& w, FaultPlan& f) {
  bool found = false;
  std::vector<std::string> known;
  for (std::uint32_t c = 0; c < w.ids.size(); ++c) {
    ZoneAware* s = w.caps[c].zone_aware;
    const std::vector<std::string>* zs = s ? &s->zones() : nullptr;
    bool in_zone = false;
    if (zs) {
      for (const auto& z : *zs) {
        if (!z.empty()) known.push_back(z);
        in_zone = in_zone || z == f.zone;
      }
    } else {
      if (!w.zones[c].empty()) known.push_back(w.zones[c]);
      in_zone = w.zones[c] == f.zone;
    }
    if (!in_zone) continue;
    found = true;
    if (outside_data_centre(w, c)) continue;
    if (s) {
      f.members.push_back(c);
    } else {
      for (std::uint32_t l = 0; l < w.links.size(); ++l)
        if (w.links[l].first == c || w.links[l].second == c) f.links.push_back(l);
    }
  }
  if (!found) {
    std::sort(known.begin(), known.end());
    known.erase(std::unique(known.begin(), known.end()), known.end());
    throw ScenarioError(f.pointer + "/zone", "no component is in zone \"" + f.zone + "\"" + did_you_mean(f.zone, known));
  }
}

// Every component placed in the region: zone-aware ones lose all their instances (each of
// their zones fails), the others lose their links. The loader guarantees a region has some.
void resolve_region_outage(const FaultWorld& w, FaultPlan& f) {
  for (std::uint32_t c = 0; c < w.ids.size(); ++c) {
    if (w.regions[c] != f.region || outside_data_centre(w, c)) continue;
    if (w.caps[c].zone_aware) {
      f.members.push_back(c);
    } else {
      for (std::uint32_t l = 0; l < w.links.size(); ++l)
        if (w.links[l].first == c || w.links[l].second == c) f.links.push_back(l);
    }
  }
}

void resolve_partition(const FaultWorld& w, FaultPlan& f) {
  std::vector<int> group(w.ids.size(), -1);
  for (std::size_t g = 0; g < f.groups.size(); ++g)
    for (std::uint32_t c : f.groups[g]) group[c] = static_cast<int>(g);
  for (std::uint32_t l = 0; l < w.links.size(); ++l) {
    int a = group[w.links[l].first], b = group[w.links[l].second];
    if (a >= 0 && b >= 0 && a != b) f.links.push_back(l);
  }
}

// The links into the target (from link_from only, when given).
void resolve_links_to_target(const FaultWorld& w, FaultPlan& f) {
  const std::uint32_t to = f.target_index();
  for (std::uint32_t l = 0; l < w.links.size(); ++l)
    if (w.links[l].second == to && (f.link_from < 0 || w.links[l].first == static_cast<std::uint32_t>(f.link_from)))
      f.links.push_back(l);
  if (f.links.empty())
    throw ScenarioError(f.pointer + "/target", f.link_from >= 0 ? "no link from \"" + w.ids[static_cast<std::size_t>(f.link_from)] +
                                                                       "\" to \"" + w.ids[to] + "\" (the first does not call the second)"
                                                                 : "nothing calls \"" + w.ids[to] + "\"");
}

void resolve_error_rate(const FaultWorld& w, FaultPlan& f) {
  if (f.link_from < 0 && w.caps[f.target_index()].degradable) {
    f.direct = true;  // the service answers 5xx itself
    return;
  }
  resolve_links_to_target(w, f);
}

// ---- playing ----

Degradable& degradable(const FaultWorld& w, const FaultPlan& f) { return *w.caps[f.target_index()].degradable; }

void apply_crash(Context& ctx, const FaultWorld& w, const FaultPlan& f) {
  w.caps[f.target_index()].crashable->crash(ctx, f.instances);
}
// A crash lasts until the last instance it took down is ready again (restart_time, start-up,
// a CrashLoopBackOff if it is killed again on the way), not the instant it was applied.
Time crash_lasted(const FaultWorld& w, const FaultPlan& f, Time at, Time now) {
  return w.caps[f.target_index()].crashable->crash_over(at, now);
}

void apply_zone_outage(Context& ctx, const FaultWorld& w, const FaultPlan& f) {
  for (std::uint32_t m : f.members) w.caps[m].zone_aware->fail_zone(ctx, f.zone);
}
void revert_zone_outage(Context& ctx, const FaultWorld& w, const FaultPlan& f) {
  for (std::uint32_t m : f.members) w.caps[m].zone_aware->restore_zone(ctx, f.zone);
}

void apply_region_outage(Context& ctx, const FaultWorld& w, const FaultPlan& f) {
  for (std::uint32_t m : f.members) {
    const std::vector<std::string> zones = w.caps[m].zone_aware->zones();  // a copy: failing may not change it, but be safe
    for (const std::string& z : zones) w.caps[m].zone_aware->fail_zone(ctx, z);
  }
}
void revert_region_outage(Context& ctx, const FaultWorld& w, const FaultPlan& f) {
  for (std::uint32_t m : f.members) {
    const std::vector<std::string> zones = w.caps[m].zone_aware->zones();
    for (const std::string& z : zones) w.caps[m].zone_aware->restore_zone(ctx, z);
  }
}

void apply_error_rate(Context&, const FaultWorld& w, const FaultPlan& f) {
  if (f.direct) degradable(w, f).set_error_rate(f.fraction);
}
void revert_error_rate(Context&, const FaultWorld& w, const FaultPlan& f) {
  if (f.direct) degradable(w, f).set_error_rate(0);
}

void apply_slowdown(Context&, const FaultWorld& w, const FaultPlan& f) { degradable(w, f).set_slowdown(f.factor); }
void revert_slowdown(Context&, const FaultWorld& w, const FaultPlan& f) { degradable(w, f).set_slowdown(1.0); }

void apply_cpu_throttle(Context&, const FaultWorld& w, const FaultPlan& f) { degradable(w, f).set_slowdown(1.0 / f.factor); }

void apply_load_spike(Context& ctx, const FaultWorld& w, const FaultPlan& f) {
  w.caps[f.target_index()].load_source->set_load_factor(ctx, f.factor);
}
void revert_load_spike(Context& ctx, const FaultWorld& w, const FaultPlan& f) {
  w.caps[f.target_index()].load_source->set_load_factor(ctx, 1.0);
}

void apply_cache_flush(Context& ctx, const FaultWorld& w, const FaultPlan& f) {
  if (f.span == 0) w.caps[f.target_index()].keyed_store->drop_keys(ctx, 0, f.keys);  // else in steps
}

// A pass walks the keys in slices of at most 100 ms each (at least one key per slice);
// "all" is one FLUSHALL per pass.
std::uint32_t cache_flush_slices(const FaultPlan& f) {
  if (f.keys == KeyedStore::kAllKeys) return 1;
  const Time per_pass = f.span / f.passes;
  const auto by_time = static_cast<std::uint64_t>(std::max<Time>(1, (per_pass + 100 * kMillisecond - 1) / (100 * kMillisecond)));
  return static_cast<std::uint32_t>(std::min<std::uint64_t>({by_time, f.keys, 100000}));
}
std::uint32_t cache_flush_steps(const FaultPlan& f) { return f.span == 0 ? 0 : f.passes * cache_flush_slices(f); }
void cache_flush_step(Context& ctx, const FaultWorld& w, const FaultPlan& f, std::uint32_t i, std::uint32_t) {
  KeyedStore& store = *w.caps[f.target_index()].keyed_store;
  if (f.keys == KeyedStore::kAllKeys) {
    store.drop_keys(ctx, 0, KeyedStore::kAllKeys);
    return;
  }
  const std::uint64_t n = cache_flush_slices(f), s = i % n;
  store.drop_keys(ctx, f.keys * s / n, f.keys * (s + 1) / n);
}

void apply_key_shift(Context& ctx, const FaultWorld& w, const FaultPlan& f) {
  w.caps[f.target_index()].load_source->set_key_shift(ctx, f.offset);
}
void revert_key_shift(Context& ctx, const FaultWorld& w, const FaultPlan& f) {
  w.caps[f.target_index()].load_source->set_key_shift(ctx, 0);
}

void apply_memory_leak(Context& ctx, const FaultWorld& w, const FaultPlan& f) {
  degradable(w, f).set_memory_leak(ctx, f.per_request_mb, f.per_second_mb);
}
void revert_memory_leak(Context& ctx, const FaultWorld& w, const FaultPlan& f) { degradable(w, f).set_memory_leak(ctx, 0, 0); }

void apply_disk_full(Context&, const FaultWorld& w, const FaultPlan& f) { degradable(w, f).set_disk_full(true); }
void revert_disk_full(Context&, const FaultWorld& w, const FaultPlan& f) { degradable(w, f).set_disk_full(false); }

}  // namespace

void register_fault_kinds(FaultKindRegistry& k) {
  k.add({.name = "crash",
         .need = Need::Crashable,
         .instantaneous = "a crash is instantaneous: instances come back after the service's restart_time",
         .read = read_crash,
         .apply = apply_crash,
         .lasted_until = crash_lasted});
  k.add({.name = "zone_outage",
         .effect = LinkEffect::Lose,
         .read = read_zone_outage,
         .resolve = resolve_zone_outage,
         .apply = apply_zone_outage,
         .revert = revert_zone_outage});
  k.add({.name = "region_outage",
         .effect = LinkEffect::Lose,
         .read = read_region_outage,
         .resolve = resolve_region_outage,
         .apply = apply_region_outage,
         .revert = revert_region_outage});
  k.add({.name = "partition", .effect = LinkEffect::Lose, .read = read_partition, .resolve = resolve_partition});
  k.add({.name = "latency", .effect = LinkEffect::Delay, .read = read_latency, .resolve = resolve_links_to_target});
  k.add({.name = "error_rate",
         .effect = LinkEffect::Abort,
         .read = read_error_rate,
         .resolve = resolve_error_rate,
         .apply = apply_error_rate,
         .revert = revert_error_rate});
  k.add({.name = "slowdown", .need = Need::Degradable, .read = read_slowdown, .apply = apply_slowdown, .revert = revert_slowdown});
  k.add({.name = "memory_leak",
         .need = Need::Degradable,
         .read = read_memory_leak,
         .resolve = resolve_memory_leak,
         .apply = apply_memory_leak,
         .revert = revert_memory_leak});
  k.add({.name = "disk_full", .need = Need::Degradable, .read = read_target, .apply = apply_disk_full, .revert = revert_disk_full});
  k.add({.name = "drain",
         .need = Need::Disruptable,
         .instantaneous = "a drain is instantaneous: its evictions go on until every instance concerned is replaced",
         .read = read_drain,  // the crash's target and "instances", and "role"
         .resolve = resolve_drain,
         .apply = apply_drain});
  k.add({.name = "cpu_throttle", .need = Need::Degradable, .read = read_cpu_throttle, .apply = apply_cpu_throttle,
         .revert = revert_slowdown});
  k.add({.name = "load_spike", .need = Need::LoadSource, .read = read_load_spike, .apply = apply_load_spike,
         .revert = revert_load_spike});
  k.add({.name = "cache_flush",
         .need = Need::KeyedStore,
         .read = read_cache_flush,
         .apply = apply_cache_flush,
         .steps = cache_flush_steps,
         .step = cache_flush_step});
  k.add({.name = "key_shift", .need = Need::LoadSource, .read = read_key_shift, .resolve = resolve_key_shift,
         .apply = apply_key_shift, .revert = revert_key_shift});
}

}  // namespace archsim
