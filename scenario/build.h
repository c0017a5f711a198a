// Building a simulation from a scenario: the registry of model factories, and what a
// factory may use while it builds (BuildContext) and once every component exists
// (ConnectContext). References between components are names in JSON, resolved to indices
// before t = 0: nothing is looked up by string during a run.
#pragma once
#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/component.h"
#include "sim/context.h"
#include "sim/continuation.h"
#include "scenario/params.h"
#include "sim/random.h"
#include "scenario/connection_budget.h"
#include "scenario/route_flow.h"

namespace archsim {

class Simulation;

class BuildContext {
 public:
  BuildContext(Simulation& sim, std::uint32_t index) : sim_(sim), index_(index) {}
  const std::string& id() const;
  std::uint32_t index() const { return index_; }
  std::uint64_t run_seed() const;
  // This component's own random stream; `purpose` separates independent streams.
  Rng rng(std::uint64_t purpose = 0) const { return Rng::stream(run_seed(), id(), purpose); }
  std::uint64_t stream_seed(std::uint64_t purpose = 0) const { return mix64(mix64(run_seed(), hash_name(id())), purpose + 0x51); }
  Metrics& metrics();
  Time duration() const;
  Time warmup() const;
  // The component id at `key` in `p`, to be resolved to a link once all components exist.
  RefId reference(Params& p, std::string_view key, RefKind kind);
  RefId reference_to(const std::string& target_id, const std::string& pointer, RefKind kind);
  // Interned route names: the same name gives the same index in every component.
  std::uint32_t route_index(const std::string& name);
  // Interned key formats (a client route's keys.format): the same string gives the same
  // index in every component, so one format used by two clients is one key space.
  std::uint32_t key_format_index(const std::string& format);
  // A component that ends client requests (Context::request_ended) names its two latency
  // histograms here, each with series or windowed (Metrics::windowed_histogram): `ok`
  // records now - req.start of exactly the requests it ends with Status::Ok, `other` of
  // every other request it ends. The end-to-end ("all") latency and latency_all are sums of
  // these histograms (sim/request_ledger.h), not a second record per request; with several
  // such components, each one's `ok` is also its own latency distribution (latency_cdf.csv).
  // `deadline`: the client's timeout (0: none), the deadline of its goodput in deadline
  // (sim/request_ledger.h client_deadline).
  void end_to_end_latency(HistogramId ok, HistogramId other, Time deadline = 0);
  // This component runs a test that ends (a fixed count of requests): the run ends when every
  // component that said so has called Context::test_ended, or at the scenario's duration,
  // whichever comes first (the duration is then a cap, as k6's maxDuration).
  void ends_run_when_done();
  // This component, which ends client requests, keeps an access log (sim/request_log.h): a
  // `sample` fraction (0 < sample <= 1) of the requests it ends, at most `max_lines` of them.
  // `format` is a label for reports/ (the engine does not read it).
  void log_requests(double sample, std::uint64_t max_lines, std::string format);
  // Route flow (scenario/route_flow.h), checked before t = 0: this component sends `route` over
  // `ref` (named at `pointer`); forwards what reaches it by `rule` (its `from` is set here);
  // serves only `routes`. A component that declares nothing serves every route.
  void sends_route(RefId ref, std::uint32_t route, std::string pointer);
  void forwards_routes(RouteFlow::Rule rule);
  void serves_only(std::vector<std::uint32_t> routes);
  // This component names `route` in a per-route `setting` at `pointer`: a warning before
  // t = 0 if the declared flow shows it never arrives (RouteFlow::unreached).
  void expects_route(std::uint32_t route, std::string pointer, std::string setting);
  // Connection budget (scenario/connection_budget.h), checked before t = 0 as a warning: each
  // instance of this component holds up to `size` connections over `ref` (a pool); this
  // component runs `count` instances; the one `ref` names may run up to `max` instances (an
  // autoscaler); this component accepts at most `max` connections (`what` names the limit).
  void holds_connections(RefId ref, std::uint64_t size, std::string pointer);
  void runs_instances(std::uint64_t count, std::string pointer);
  void scales_up_to(RefId ref, std::uint64_t max, std::string pointer);
  void limits_connections(std::uint64_t max, std::string pointer, std::string what);
  // Zone of this component ("" when none).
  const std::string& zone() const;
  // This component lives inside the processes of its callers (an in-process library):
  // links into it take no network latency (neither network.latency nor a zone or region
  // penalty) unless the scenario's "links" give one explicitly.
  void in_process();
  // A proxy runs beside this component (a service mesh's sidecar): every link crossing into
  // or out of it, requests and replies alike, takes `each` longer (added to the link's
  // latency, beside the other end's proxy if it has one). Not for in-process components.
  void proxies_crossings(Time each);
  // network.cross_zone_latency: the extra one-way delay between zones, for a model that
  // places parts of itself in several zones (a database's replicas).
  const Distribution& cross_zone_latency() const;
  // The scenario's components built so far (all of them, for a section component): ids,
  // types and zones by index, for references checked before t = 0.
  std::uint32_t component_count() const;
  const std::string& component_id(std::uint32_t i) const;
  const std::string& component_type(std::uint32_t i) const;
  const std::string& component_zone(std::uint32_t i) const;
  // Region of component i ("" when none), and the regions network.regions declares.
  const std::string& component_region(std::uint32_t i) const;
  const std::vector<std::string>& region_names() const;
  // What the reader of a top-level key returned (Registry::add_top_level, Stage::Settings),
  // e.g. models/server's instance catalogue; nullptr when no reader has that name.
  const std::any* top_level(std::string_view name) const;
  // Names of the failure causes, by value (Registry::add_cause), e.g. for a retry's "on".
  const std::vector<std::string>& cause_names() const;
  // Continuations (sim/continuation.h): the next sub-owner's token range and timer tag, for a
  // part of this component that gets replies or timers of its own (a CallPolicy of a call
  // step, the balancer's probes). Handed out in call order, k = 0, 1, ...; the component's own
  // numbers are ContinuationSpace::kOwnTokens / kOwnTags. Past the limit: a scenario error at `at`.
  SubOwner sub_owner(const Params& at) {
    try {
      return continuations_.sub_owner();
    } catch (const std::length_error& e) {
      at.fail_here(e.what());
    }
  }
  std::uint32_t sub_owners() const { return continuations_.sub_owners(); }
  // A block of `count` own timer tags for a part of this component that numbers its timers
  // (ContinuationSpace::own_tags): blocks never overlap and are handed out in call order, so
  // a part that needs fixed numbers (the server pool's, which run fingerprints hash) asks
  // first. When none is left: a scenario error at `at`.
  TagRange own_tags(std::uint16_t count, const Params& at) {
    try {
      return continuations_.own_tags(count);
    } catch (const std::length_error& e) {
      at.fail_here(e.what());
    }
  }

 private:
  Simulation& sim_;
  std::uint32_t index_;
  ContinuationSpace continuations_;
};

class ConnectContext {
 public:
  ConnectContext(Simulation& sim, std::uint32_t index) : sim_(sim), index_(index) {}
  Component& target(RefId ref) const;
  const std::string& pointer(RefId ref) const;
  [[noreturn]] void fail(RefId ref, const std::string& message) const;
  std::uint32_t route_count() const;
  const std::string& route_name(std::uint32_t i) const;
  // The component a reference resolved to, and the links of the topology: link i joins
  // links()[i].first (caller) to .second (callee). For fault injection (Context::set_link_fault).
  std::uint32_t target_index(RefId ref) const;
  Component& component(std::uint32_t index) const;
  // Every component (sections' hidden ones included), its region ("" when none), and the
  // mean one-way latency between two regions in seconds (0 within one region or for "").
  std::uint32_t component_count() const;
  const std::string& region(std::uint32_t index) const;
  double region_latency_s(const std::string& a, const std::string& b) const;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links() const;
  // The components with a link to `index` (its callers, and the controllers that reference
  // it: an autoscaler, a fault's target), in link order, each once. Indexed once for all
  // components: a model that looks for its peers here costs O(its callers), where a walk of
  // links() per component made a scenario of N autoscaled services quadratic to load.
  const std::vector<std::uint32_t>& callers(std::uint32_t index) const;
  // Every component's metrics exist by now: a model may resolve another's gauge by name.
  const Metrics& metrics() const;

 private:
  Simulation& sim_;
  std::uint32_t index_;
};

using Factory = std::function<std::unique_ptr<Component>(Params&, BuildContext&)>;

// A key found on a scenario component that a section claims (e.g. "failures"): the index of
// the component and the key's object.
struct ComponentKey {
  std::uint32_t component = 0;
  Params params;
};
// Builds the hidden component behind a top-level section (e.g. "faults"). `top` is the
// scenario root: the factory reads its own section from it (top.objects(name)); `keys` are
// the claimed per-component keys. Called after every scenario component exists, only when
// the section is present and not empty or some component carries a claimed key.
using SectionFactory =
    std::function<std::unique_ptr<Component>(Params& top, std::vector<ComponentKey>& keys, BuildContext&)>;
struct Section {
  std::string name;
  std::vector<std::string> component_keys;
  SectionFactory factory;
};

// A top-level key of the scenario that the engine does not own: the instance catalogue (read by
// models/server), cost, SLO and alerts (reports/ledgers). The engine marks the key known
// and hands the scenario root to `read` while it builds, so that a scenario is validated
// whole before t = 0 (a bad value is a ScenarioError with its pointer; a key nobody reads
// is an unknown field). Stage::Settings: after the engine's own settings, before any
// component; what `read` returns is kept for the factories (BuildContext::top_level).
// Stage::Series: once every component and section exists, so names can be checked against
// the series they registered (`metrics`) and the routes they named (`routes`, every interned
// route name; empty at Stage::Settings); what it returns is dropped, unless it is a
// LedgerAsk (scenario/population.h): the engine then counts its population's requests apart
// (RunResult::population), after checking their names, and counts the answers within its
// deadline as goodput in deadline.
enum class TopLevelStage : std::uint8_t { Settings, Series };
struct TopLevelKey {
  using Stage = TopLevelStage;
  std::string name;
  Stage stage = Stage::Settings;
  std::function<std::any(Params& top, const Metrics& metrics, const std::vector<std::string>& routes)> read;
};

// What a Simulation holds while it is built beside the engine's own state (Simulation::build_):
// the keys sections claim, the top-level readers' values, and what the route flow and the
// connection budget check before t = 0.
struct BuildState {
  std::vector<std::vector<ComponentKey>> section_keys;  // per registry section
  std::vector<std::pair<std::string, std::any>> top_level;  // Stage::Settings readers' values
  RouteFlow route_flow;  // declared while building, checked once references resolve
  ConnectionBudget connection_budget;  // likewise; a warning, not an error
};

class Registry {
 public:
  Registry() : causes_{"ok", "timeout", "rejected", "error", "unavailable", "dropped", "degraded"} {}
  // Registers a failure cause and returns its value; the same name gives the same value.
  // Throws std::logic_error past kMaxCauses (a programming error, not bad input).
  Status add_cause(const std::string& name) {
    for (std::size_t i = 0; i < causes_.size(); ++i)
      if (causes_[i] == name) return static_cast<Status>(i);
    if (causes_.size() >= static_cast<std::size_t>(kMaxCauses)) throw std::logic_error("too many failure causes: " + name);
    causes_.push_back(name);
    return static_cast<Status>(causes_.size() - 1);
  }
  // Every cause's name, by value.
  const std::vector<std::string>& cause_names() const { return causes_; }

  void add(std::string type, Factory factory) { factories_[std::move(type)] = std::move(factory); }
  const Factory* find(const std::string& type) const {
    auto it = factories_.find(type);
    return it == factories_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : factories_) out.push_back(k);
    return out;
  }
  // A top-level section handled by a hidden component (sections are built in the order added).
  void add_section(std::string name, std::vector<std::string> component_keys, SectionFactory factory) {
    sections_.push_back(Section{std::move(name), std::move(component_keys), std::move(factory)});
  }
  const std::vector<Section>& sections() const { return sections_; }
  // A top-level key read by its owner (readers of one stage run in the order added).
  void add_top_level(std::string name, TopLevelKey::Stage stage,
                     std::function<std::any(Params& top, const Metrics& metrics, const std::vector<std::string>& routes)> read) {
    top_level_.push_back(TopLevelKey{std::move(name), stage, std::move(read)});
  }
  const std::vector<TopLevelKey>& top_level() const { return top_level_; }

 private:
  std::map<std::string, Factory> factories_;
  std::vector<std::string> causes_;
  std::vector<Section> sections_;
  std::vector<TopLevelKey> top_level_;
};

}  // namespace archsim
