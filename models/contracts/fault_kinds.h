// Fault kinds: what a scheduled fault ({"at", "duration", "kind", "target", ...} in the
// scenario's "faults") does, as entries of a table. The fault injector (models/faults)
// reads "at", "duration" and "kind", then hands the rest to the kind's entry, and plays it:
// apply() when the fault begins, revert() when it ends, the kind's LinkEffect on the links
// it resolved meanwhile. The built-in kinds are registered by models/faults
// (register_fault_kinds); a family whose components can suffer a fault of their own adds
// its kind to the same table from models/register_builtin.cpp, without touching the
// injector. Entries are plain data and function pointers, read before t = 0; nothing is
// looked up by name during the run.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/contracts/capabilities.h"
#include "sim/distribution.h"
#include "scenario/params.h"

namespace archsim {

class Context;

// What the scenario's components are to a fault kind; the fault injector fills it.
struct FaultWorld {
  std::vector<std::string> ids, types, zones;  // by component index, at build time
  std::vector<std::string> regions;            // by component index ("" when none)
  std::vector<std::string> region_names;       // network.regions, declared
  // At connect time (empty while reading):
  std::vector<Capabilities> caps;                               // by component index
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links;   // link i: caller -> callee

  // The index of the component `id`, named at `key` of `p`; fails (with a "did you mean")
  // when there is none.
  std::uint32_t component(Params& p, std::string_view key, const std::string& id) const;
};

// One scheduled fault as its kind reads and resolves it. Each kind uses the fields it
// documents; a new kind with numbers of its own adds fields here.
struct FaultPlan {
  std::string pointer;                         // JSON location of the fault object
  std::string label;                           // as reports show it: "<kind> <target> ..."
  std::int64_t target = -1, link_from = -1;    // component indices (link_from >= 0: a link "a->b")
  std::uint32_t instances = 0;                 // crash, drain: how many (UINT32_MAX = all)
  bool replicas = false;                       // drain: a database's replicas ("role": "replica")
  std::string zone;                            // zone_outage
  std::string region;                          // region_outage
  std::vector<std::vector<std::uint32_t>> groups;  // partition
  Distribution add;                            // latency: the delay added
  double fraction = 1;                         // latency: share delayed; error_rate: share aborted
  double factor = 1;                           // slowdown; cpu_throttle: the CPU left; load_spike: x rate
  std::uint64_t keys = 0;                      // cache_flush: the hottest keys dropped (KeyedStore::kAllKeys: all)
  std::uint32_t passes = 1;                    // cache_flush over a "duration": how often the keys are walked
  std::uint64_t offset = 0;                    // key_shift: ranks move by this many keys
  Time span = 0;                               // the fault's "duration" (0: none), set before read()
  double per_request_mb = 0, per_second_mb = 0;  // memory_leak
  // Resolved at connect.
  bool direct = false;                         // acts on its target through a capability
  std::vector<std::uint32_t> links;            // links suffering the kind's LinkEffect
  std::vector<std::uint32_t> members;          // other components it acts on (zone_outage, region_outage)

  std::uint32_t target_index() const { return static_cast<std::uint32_t>(target); }
};

// What the links a fault resolved suffer while it is active. Several active faults on one
// link compose: lost if any loses, aborts combine as independent chances, the latest
// delay wins.
enum class LinkEffect : std::uint8_t { None, Lose, Abort, Delay };

// The capability a kind needs on its target. The injector checks it at connect (failing
// with "\"<id>\" is a <type>; this fault needs a service") and sets FaultPlan::direct.
enum class Need : std::uint8_t { None, Scalable, Resizable, Crashable, ZoneAware, Degradable, Disruptable, LoadSource, KeyedStore };

// Whether `c` offers what `need` names (always for Need::None).
bool offers(const Capabilities& c, Need need);

struct FaultKind {
  std::string name;                     // the scenario's "kind"
  Need need = Need::None;
  LinkEffect effect = LinkEffect::None;
  // Non-null for an instantaneous kind: it takes no "duration", and this is the error
  // given when one is there.
  const char* instantaneous = nullptr;
  // Reads the kind's own fields of the fault object (its target too); f.label holds the
  // kind's name on entry. Required.
  void (*read)(Params& p, const FaultWorld& w, FaultPlan& f) = nullptr;
  // At connect, after `need` was checked: further checks (ScenarioError), links, members.
  void (*resolve)(const FaultWorld& w, FaultPlan& f) = nullptr;
  // When the fault begins and ends (before its links change). Methods of capabilities
  // taking a Context switch to their component themselves (capabilities.h).
  void (*apply)(Context& ctx, const FaultWorld& w, const FaultPlan& f) = nullptr;
  void (*revert)(Context& ctx, const FaultWorld& w, const FaultPlan& f) = nullptr;
  // An instantaneous kind whose harm outlasts its instant (a crash: until the instances it
  // took down are ready again): when the fault that began at `at` ended, `now` (the end of
  // the run) while it goes on. Null: it ends where it began. Called once, at the end of the run.
  Time (*lasted_until)(const FaultWorld& w, const FaultPlan& f, Time at, Time now) = nullptr;
  // A kind that acts in steps spread over its duration (a delete script walking the keys):
  // how many steps the plan takes (0: none), and step i of n, played at at + i x span / n,
  // after apply() at the same instant for i = 0. Null: no steps.
  std::uint32_t (*steps)(const FaultPlan& f) = nullptr;
  void (*step)(Context& ctx, const FaultWorld& w, const FaultPlan& f, std::uint32_t i, std::uint32_t n) = nullptr;
};

class FaultKindRegistry {
 public:
  // Throws std::logic_error for a second kind of the same name or an entry without read().
  void add(FaultKind kind);
  const FaultKind* find(std::string_view name) const;
  // In the order added (the order an unknown kind's error lists them in).
  std::vector<std::string> names() const;

 private:
  std::vector<FaultKind> kinds_;
};

}  // namespace archsim
