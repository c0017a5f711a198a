#include "sim/simulation.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <nlohmann/json.hpp>

#include "sim/describe.h"
#include "sim/text_list.h"

namespace archsim {

using nlohmann::json;

// ---------------------------------------------------------------- building

Simulation::Simulation(const json& doc, const Registry& registry, std::optional<std::uint64_t> seed)
    : ctx_(*this, now_) {
  Params top(doc, "");
  parse_settings(top);
  if (seed) settings_.seed = *seed;
  metrics_ = std::make_unique<Metrics>(settings_.window, settings_.warmup);
  cause_names_ = registry.cause_names();
  requests_.emplace(*metrics_, cause_names_);
  read_top_level(top, registry, TopLevelKey::Stage::Settings);
  build_components(top, registry);
  build_sections(top, registry);
  resolve_references(top);
  route_flow_.check(
      static_cast<std::uint32_t>(comps_.size()), [&](RefId ref) { return refs_[ref].to; },
      [&](std::uint32_t r) { return requests_->route_name(r); }, [&](std::uint32_t c) { return comps_[c]->id(); });
  warnings_ = connection_budget_.check([&](RefId ref) { return refs_[ref].to; },
                                       [&](std::uint32_t c) { return comps_[c]->id(); });
  read_top_level(top, registry, TopLevelKey::Stage::Series);
  top.finish();
  check_call_cycles();
  for (auto& c : comps_) {
    ConnectContext cc(*this, c->index());
    c->connect(cc);
  }
  check_memory_budget();
  estimate_requests();
}

void Simulation::estimate_requests() {
  const double seconds = to_seconds(settings_.duration);
  double total = 0;
  for (const auto& c : comps_) {
    Description d;
    c->describe(d);
    if (d.kind != Description::Kind::Source) continue;
    const bool closed = d.peak_users > 0 || d.peak_rate_rps <= 0;
    total += closed ? d.mean_load * seconds / std::max(d.think_mean_s, 1e-3) : d.mean_load * seconds;
  }
  estimated_requests_ = total;
  if (total <= kRequestBudget) return;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "this run would simulate about %.2g requests, more than the budget of %.0g (at about a million "
                "requests per second, %.0f days); shorten the duration or lower the load",
                total, kRequestBudget, total / 1e6 / 86400);
  throw ScenarioError("/duration", buf);
}

static std::string gigabytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
  return buf;
}

// Before t = 0, so that a scenario too large for memory is an answer, not a bad_alloc an
// hour in. What is charged here is what the scenario's numbers fix before the run: the
// series (one double per series per window, held by the recorder, whose vectors grow by
// doubling, and copied once into the results: 24 bytes per value at most), the histograms
// (Metrics::histogram_bytes) and what each component says it will hold (its users, tables,
// cache entries: Component::memory_estimate). What depends on how the run goes, the requests
// in flight, is watched during the run instead (watch_in_flight).
void Simulation::check_memory_budget() {
  const std::uint64_t windows = static_cast<std::uint64_t>((settings_.duration + settings_.window - 1) / settings_.window);
  const std::uint64_t series = metrics_->series().size();
  const double series_bytes = static_cast<double>(series) * static_cast<double>(windows) * 24.0;
  const double histogram_bytes = static_cast<double>(metrics_->histogram_bytes());
  double total = series_bytes + histogram_bytes, largest = 0;
  std::size_t largest_at = 0;
  for (std::size_t i = 0; i < comps_.size(); ++i) {
    const double b = static_cast<double>(comps_[i]->memory_estimate());
    total += b;
    if (b > largest) largest = b, largest_at = i;
  }
  fixed_bytes_ = total;
  if (total <= static_cast<double>(kMemoryBudget)) return;
  const std::string what = "this run would hold about " + gigabytes(total) + " (the budget is " +
                           gigabytes(static_cast<double>(kMemoryBudget)) + "): ";
  if (series_bytes >= largest && series_bytes >= histogram_bytes)
    throw ScenarioError("/window", what + std::to_string(series) + " series x " + std::to_string(windows) +
                                       " windows of " + format_duration(settings_.window) + " take " + gigabytes(series_bytes) +
                                       "; use a longer window or a shorter duration");
  if (histogram_bytes >= largest)
    throw ScenarioError("/components", what + "the latency histograms of " + std::to_string(comps_.size()) +
                                           " components take " + gigabytes(histogram_bytes) + " (about " +
                                           std::to_string(Histogram::kBytes * 4 / 1000) +
                                           " kB a service); model fewer components");
  const std::string at = largest_at < hidden_from_ ? "/components/" + std::to_string(largest_at) : "";
  throw ScenarioError(at, what + "\"" + comps_[largest_at]->id() + "\" alone takes " + gigabytes(largest) +
                              "; ask for fewer users, sessions, replicas or entries");
}

// The requests in flight: each hop of each holds a call record, the callee's job or queue
// place, its timeout and its events, about kBytesPerCall (measured: peak RSS of an open loop
// into a saturated service with no timeout, 312 bytes per request in flight with one hop and
// 974 with three). Before the run they cannot be known: a stable system holds a few (Little's
// law: big-8x holds about 30 at 640 requests/s), an overloaded one with no timeout or a long
// one holds what arrives; charging arrivals x timeout refused stable scenarios with long
// timeouts. So they are counted as the run goes (Pool::live, one compare every 65,536 events)
// and the run stops, with the count and the time, when they and the fixed part would pass
// the budget.
void Simulation::watch_in_flight() const {
  const double held = fixed_bytes_ + static_cast<double>(calls_.live()) * kBytesPerCall;
  if (held <= static_cast<double>(kMemoryBudget)) return;
  throw std::runtime_error(
      "out of memory budget at t=" + format_duration(now_) + ": " + std::to_string(calls_.live()) +
      " calls in flight, about " + gigabytes(held) + " with the rest of the run (the budget is " +
      gigabytes(static_cast<double>(kMemoryBudget)) +
      "): the load outgrows what the system answers and its callers wait without a bound (no timeout, or a long "
      "one); lower the load, add capacity, or give the clients a timeout");
}

Simulation::~Simulation() = default;

void Simulation::parse_settings(Params& top) {
  // Only version 1 exists; a newer file would be misread, not read.
  if (top.has("version") && top.integer("version", 1, 0, INT32_MAX) != 1)
    top.fail("version", "this archsim reads version 1 scenarios only");
  top.known("version");
  top.known("$schema");
  settings_.name = top.string("name", "scenario");
  settings_.description = top.string("description", "");
  settings_.seed = static_cast<std::uint64_t>(top.integer("seed", 1, 0, INT64_MAX));
  settings_.duration = top.duration("duration", kHour, kMillisecond, 3650 * kDay);
  settings_.warmup = top.duration("warmup", 0);
  if (settings_.warmup >= settings_.duration)
    top.fail("warmup", "must be shorter than the duration (" + format_duration(settings_.duration) + ")");
  // Default window: 10 s, or duration/300 rounded to whole seconds, so that a chart of a long
  // run has about 300 points.
  Time def_window = std::max<Time>(10 * kSecond, (settings_.duration / 300 + kSecond / 2) / kSecond * kSecond);
  settings_.window = top.duration("window", def_window, kMillisecond);
  if (settings_.duration / settings_.window > 2'000'000)
    top.fail("window", "gives more than 2 million windows for this duration; use a longer window");
  if (auto net = top.object_opt("network")) {
    settings_.network_latency = net->distribution("latency", Distribution::constant(0));
    settings_.cross_zone_latency = net->distribution("cross_zone_latency", Distribution::constant(0));
    if (auto regions = net->object_opt("regions")) read_regions(*regions);
  }
  // "faults" (and any other section) is built by a registry section (build_sections);
  // "instance_types", "cost", "slo" and "alerts" by their owners (read_top_level).
}

// network.regions: {"<name>": {"latency": {"<other>": dist, ...}}, ...}. Every two regions
// need a latency, given in either one's object (not both).
void Simulation::read_regions(Params& regions) {
  std::vector<std::string>& names = settings_.region_names;
  names = regions.keys();
  const std::size_t n = names.size();
  std::vector<Params> objs;
  for (const std::string& name : names) {
    if (name.empty()) regions.fail(name, "a region needs a name");
    objs.push_back(regions.object(name));
    settings_.region_pointers.push_back(regions.path(name));
  }
  settings_.region_latency.assign(n * n, Distribution::constant(0));
  std::vector<char> given(n * n, 0);
  for (std::size_t a = 0; a < n; ++a) {
    auto lat = objs[a].object_opt("latency");
    if (!lat) continue;
    for (const std::string& other : lat->keys()) {
      auto it = std::find(names.begin(), names.end(), other);
      if (it == names.end()) lat->fail(other, "unknown region \"" + other + "\"" + did_you_mean(other, names));
      const auto b = static_cast<std::size_t>(it - names.begin());
      if (b == a) lat->fail(other, "is this region itself (within a region, links take network.latency)");
      if (given[a * n + b]) lat->fail(other, "the latency between \"" + names[a] + "\" and \"" + other + "\" is given twice");
      settings_.region_latency[a * n + b] = settings_.region_latency[b * n + a] = lat->distribution(other);
      given[a * n + b] = given[b * n + a] = 1;
    }
  }
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = a + 1; b < n; ++b)
      if (!given[a * n + b])
        objs[a].fail_here("no latency between \"" + names[a] + "\" and \"" + names[b] + "\" (give it in either region's \"latency\")");
}

const Distribution& Simulation::region_latency(const std::string& a, const std::string& b) const {
  static const Distribution kZero = Distribution::constant(0);
  const std::vector<std::string>& names = settings_.region_names;
  auto ia = std::find(names.begin(), names.end(), a), ib = std::find(names.begin(), names.end(), b);
  if (a.empty() || b.empty() || ia == names.end() || ib == names.end()) return kZero;
  return settings_.region_latency[static_cast<std::size_t>(ia - names.begin()) * names.size() +
                                  static_cast<std::size_t>(ib - names.begin())];
}

void Simulation::read_top_level(Params& top, const Registry& registry, TopLevelKey::Stage stage) {
  std::vector<std::string> routes;
  if (stage == TopLevelKey::Stage::Series)
    for (std::uint32_t i = 0; i < requests_->route_count(); ++i) routes.push_back(requests_->route_name(i));
  for (const TopLevelKey& k : registry.top_level()) {
    if (k.stage != stage) continue;
    std::any v = k.read(top, *metrics_, routes);
    top.known(k.name);
    if (stage == TopLevelKey::Stage::Settings) top_level_.emplace_back(k.name, std::move(v));
    else if (const auto* p = std::any_cast<RequestPopulation>(&v)) set_population(*p);
  }
}

// A reader's population (sim/request_ledger.h RequestPopulation), resolved by the ledger.
void Simulation::set_population(const RequestPopulation& p) {
  std::vector<std::string> ids, types;
  for (const auto& c : comps_) {
    ids.push_back(c->id());
    types.push_back(c->type());
  }
  requests_->set_population(p, ids, types, ends_requests_);
}

void Simulation::build_components(Params& top, const Registry& registry) {
  auto list = top.objects("components");
  if (!top.has("components")) top.fail("components", "is required: a scenario needs at least one component");
  if (list.empty()) top.fail("components", "is empty: a scenario needs at least one component");
  std::vector<std::string> types = registry.types();
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list.size(); ++i) {
    Params& cp = list[i];
    std::string id = cp.string("id");
    if (id.empty()) cp.fail("id", "must not be empty");
    if (id.find("->") != std::string::npos)
      cp.fail("id", "must not contain \"->\": \"a->b\" names the link from a to b (in faults and series)");
    if (!seen.insert(id).second) cp.fail("id", "duplicate component id \"" + id + "\"");
    std::string type = cp.string("type");
    const Factory* f = registry.find(type);
    if (!f) {
      const std::string list_s = join_items(types, ", ");
      cp.fail("type", "unknown component type \"" + type + "\"" + did_you_mean(type, types) + "; known types: " + list_s);
    }
    std::string zone = cp.string("zone", "");
    zones_.push_back(zone);
    std::string region = cp.string("region", "");
    if (!region.empty() || cp.has("region")) {
      const std::vector<std::string>& names = settings_.region_names;
      if (std::find(names.begin(), names.end(), region) == names.end())
        cp.fail("region", "unknown region \"" + region + "\"" + did_you_mean(region, names) +
                              (names.empty() ? " (declare it in network.regions)" : ""));
    }
    regions_.push_back(region);
    in_process_.push_back(0);
    // Keys a section claims (e.g. "failures") go to that section's hidden component.
    section_keys_.resize(registry.sections().size());
    for (std::size_t s = 0; s < registry.sections().size(); ++s)
      for (const std::string& key : registry.sections()[s].component_keys)
        if (cp.has(key)) section_keys_[s].push_back(ComponentKey{static_cast<std::uint32_t>(i), cp.object(key)});
    BuildContext bc(*this, static_cast<std::uint32_t>(i));
    // The id is needed by the factory (streams, metric names) before the component exists.
    pending_id_ = id;
    std::unique_ptr<Component> c = (*f)(cp, bc);
    c->id_ = id;
    c->type_ = type;
    c->index_ = static_cast<std::uint32_t>(i);
    comps_.push_back(std::move(c));
  }
  pending_id_.clear();
  for (std::size_t r = 0; r < settings_.region_names.size(); ++r)
    if (std::find(regions_.begin(), regions_.end(), settings_.region_names[r]) == regions_.end())
      throw ScenarioError(settings_.region_pointers[r], "region \"" + settings_.region_names[r] +
                                                            "\" has no components (give some component \"region\": \"" +
                                                            settings_.region_names[r] + "\", or remove it)");
}

// Each registry section with something to do becomes a hidden component, after the scenario's
// own components (so it may reference any of them) and left out of the per-component report.
void Simulation::build_sections(Params& top, const Registry& registry) {
  hidden_from_ = static_cast<std::uint32_t>(comps_.size());
  section_keys_.resize(registry.sections().size());
  for (std::size_t s = 0; s < registry.sections().size(); ++s) {
    const Section& sec = registry.sections()[s];
    const json& v = top.raw(sec.name);
    bool present = !v.is_null() && !(v.is_array() && v.empty()) && !(v.is_object() && v.empty());
    if (!present && section_keys_[s].empty()) continue;
    std::uint32_t index = static_cast<std::uint32_t>(comps_.size());
    std::string id = "$" + sec.name;
    zones_.emplace_back();
    regions_.emplace_back();
    in_process_.push_back(0);
    BuildContext bc(*this, index);
    pending_id_ = id;
    std::unique_ptr<Component> c = sec.factory(top, section_keys_[s], bc);
    c->id_ = id;
    c->type_ = sec.name;
    c->index_ = index;
    comps_.push_back(std::move(c));
  }
  pending_id_.clear();
}

void Simulation::resolve_references(Params& top) {
  std::map<std::string, std::uint32_t> by_id;
  std::vector<std::string> ids;
  for (const auto& c : comps_) {
    by_id[c->id()] = c->index();
    ids.push_back(c->id());
  }
  // Explicit links override the default latency of an edge; each names an edge once, and
  // an edge some call uses (checked below).
  std::map<std::pair<std::uint32_t, std::uint32_t>, Distribution> explicit_links;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::string> link_pointer;
  for (Params& lp : top.objects("links")) {
    auto resolve = [&](const char* key) {
      std::string id = lp.string(key);
      auto it = by_id.find(id);
      if (it == by_id.end()) lp.fail(key, "unknown component \"" + id + "\"" + did_you_mean(id, ids));
      return it->second;
    };
    std::uint32_t a = resolve("from"), b = resolve("to");
    if (!link_pointer.emplace(std::make_pair(a, b), lp.pointer()).second)
      lp.fail("to", "a second link from \"" + comps_[a]->id() + "\" to \"" + comps_[b]->id() + "\" (the first is " +
                        link_pointer[{a, b}] + ")");
    explicit_links[{a, b}] = lp.distribution("latency", Distribution::constant(0));
  }
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> link_of;
  for (Reference& r : refs_) {
    auto it = by_id.find(r.to_id);
    if (it == by_id.end())
      throw ScenarioError(r.pointer, "unknown component \"" + r.to_id + "\"" + did_you_mean(r.to_id, ids));
    r.to = it->second;
    if (r.to == r.from && r.kind == RefKind::SyncCall)
      throw ScenarioError(r.pointer, "a component cannot call itself synchronously");
    if (r.kind != RefKind::Control && !comps_[r.to]->accepts_calls())
      throw ScenarioError(r.pointer, "\"" + r.to_id + "\" is a " + comps_[r.to]->type() + " and cannot be called");
    auto key = std::make_pair(r.from, r.to);
    auto lk = link_of.find(key);
    if (lk != link_of.end()) {
      r.link = lk->second;
      continue;
    }
    Link l;
    l.from = r.from;
    l.to = r.to;
    auto ex = explicit_links.find(key);
    if (ex != explicit_links.end()) {
      l.latency = ex->second;
    } else if (in_process_[r.to]) {
      l.latency = Distribution::constant(0);  // inside the caller's process: no network
    } else {
      l.latency = settings_.network_latency;
      const std::string &za = zones_[r.from], &zb = zones_[r.to];
      if (!za.empty() && !zb.empty() && za != zb && !settings_.cross_zone_latency.is_constant_zero()) {
        // Same-zone latency plus the cross-zone penalty; both constant is the common case.
        if (l.latency.kind == Distribution::Kind::Constant && settings_.cross_zone_latency.kind == Distribution::Kind::Constant)
          l.latency = Distribution::constant(l.latency.p1 + settings_.cross_zone_latency.p1);
        else
          l.latency = settings_.cross_zone_latency;
      }
      // Between regions: the region latency on top (a sum of constants stays constant;
      // otherwise the inter-region distribution alone, which dominates).
      const std::string &ra = regions_[r.from], &rb = regions_[r.to];
      if (!ra.empty() && !rb.empty() && ra != rb) {
        const Distribution& rl = region_latency(ra, rb);
        if (l.latency.kind == Distribution::Kind::Constant && rl.kind == Distribution::Kind::Constant)
          l.latency = Distribution::constant(l.latency.p1 + rl.p1);
        else
          l.latency = rl;
      }
    }
    l.rng = Rng::stream(settings_.seed, comps_[r.from]->id() + "->" + comps_[r.to]->id(), 7);
    // A constant's sample_time() reads no generator: taking it once here draws what every
    // crossing would.
    l.zero = l.latency.is_constant_zero();
    l.fixed = l.zero ? 0 : l.latency.kind == Distribution::Kind::Constant ? l.latency.sample_time(l.rng) : -1;
    l.fault_rng = Rng::stream(settings_.seed, comps_[r.from]->id() + "->" + comps_[r.to]->id(), 8);
    links_.push_back(std::move(l));
    r.link = static_cast<std::uint32_t>(links_.size() - 1);
    link_of[key] = r.link;
  }
  for (const auto& [key, pointer] : link_pointer)
    if (!link_of.count(key)) {
      const bool reverse = link_of.count({key.second, key.first}) > 0;
      throw ScenarioError(pointer, "no component calls \"" + comps_[key.second]->id() + "\" from \"" + comps_[key.first]->id() +
                                       "\": this link changes nothing" +
                                       (reverse ? " (calls go the other way: \"from\" is the caller, and replies use the same link)" : ""));
    }
}

namespace {
struct CycleFinder : boost::default_dfs_visitor {
  std::vector<std::pair<std::size_t, std::size_t>>* back_edges;
  template <class Edge, class Graph>
  void back_edge(Edge e, const Graph& g) {
    back_edges->emplace_back(boost::source(e, g), boost::target(e, g));
  }
};
}  // namespace

void Simulation::check_call_cycles() {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  Graph g(comps_.size());
  for (const Reference& r : refs_)
    if (r.kind == RefKind::SyncCall) boost::add_edge(r.from, r.to, g);
  std::vector<std::pair<std::size_t, std::size_t>> back;
  CycleFinder vis;
  vis.back_edges = &back;
  boost::depth_first_search(g, boost::visitor(vis));
  if (back.empty()) return;
  // Name the cycle: from the back edge's target, follow sync calls back to its source.
  const std::size_t u = back.front().first, v = back.front().second;  // lambdas capture no bindings before clang 16
  std::vector<std::size_t> path{v};
  std::set<std::size_t> seen{v};
  std::function<bool(std::size_t)> walk = [&](std::size_t x) {
    if (x == u) return true;
    for (const Reference& r : refs_) {
      if (r.kind != RefKind::SyncCall || r.from != x || seen.count(r.to)) continue;
      seen.insert(r.to);
      path.push_back(r.to);
      if (walk(r.to)) return true;
      path.pop_back();
    }
    return false;
  };
  walk(v);
  std::string names;
  for (std::size_t x : path) names += comps_[x]->id() + " -> ";
  names += comps_[v]->id();
  std::string pointer;
  for (const Reference& r : refs_)
    if (r.kind == RefKind::SyncCall && r.from == u && r.to == v) {
      pointer = r.pointer;
      break;
    }
  throw ScenarioError(pointer, "synchronous calls form a cycle: " + names + " (a request would wait on itself)");
}

// ---------------------------------------------------------------- BuildContext

const std::string& BuildContext::id() const { return sim_.pending_id_; }
std::uint64_t BuildContext::run_seed() const { return sim_.settings_.seed; }
Metrics& BuildContext::metrics() { return *sim_.metrics_; }
Time BuildContext::duration() const { return sim_.settings_.duration; }
Time BuildContext::warmup() const { return sim_.settings_.warmup; }
const std::string& BuildContext::zone() const { return sim_.zones_[index_]; }
void BuildContext::in_process() { sim_.in_process_[index_] = 1; }
const Distribution& BuildContext::cross_zone_latency() const { return sim_.settings_.cross_zone_latency; }
std::uint32_t BuildContext::component_count() const { return static_cast<std::uint32_t>(sim_.comps_.size()); }
const std::string& BuildContext::component_id(std::uint32_t i) const { return sim_.comps_[i]->id(); }
const std::string& BuildContext::component_type(std::uint32_t i) const { return sim_.comps_[i]->type(); }
const std::string& BuildContext::component_zone(std::uint32_t i) const { return sim_.zones_[i]; }
const std::string& BuildContext::component_region(std::uint32_t i) const { return sim_.regions_[i]; }
const std::vector<std::string>& BuildContext::region_names() const { return sim_.settings_.region_names; }
const std::vector<std::string>& BuildContext::cause_names() const { return sim_.cause_names_; }
const std::any* BuildContext::top_level(std::string_view name) const {
  for (const auto& [k, v] : sim_.top_level_)
    if (k == name) return &v;
  return nullptr;
}

RefId BuildContext::reference_to(const std::string& target_id, const std::string& pointer, RefKind kind) {
  sim_.refs_.push_back(Simulation::Reference{index_, target_id, pointer, kind});
  return static_cast<RefId>(sim_.refs_.size() - 1);
}

RefId BuildContext::reference(Params& p, std::string_view key, RefKind kind) {
  std::string target = p.string(key);
  if (target.empty()) p.fail(key, "must name a component");
  return reference_to(target, p.path(key), kind);
}

std::uint32_t BuildContext::route_index(const std::string& name) { return sim_.requests_->route_index(name); }
void BuildContext::ends_run_when_done() { ++sim_.tests_running_; }
void Context::test_ended() {
  assert(sim_.tests_running_ > 0 && "test_ended() without ends_run_when_done(), or twice");
  // An engine event after what is already due now: the run ends once this instant is done.
  if (--sim_.tests_running_ == 0) sim_.sched_.push(Event{sim_.now_, 0, Simulation::kEndRun, 0, 0});
}
void BuildContext::end_to_end_latency(HistogramId ok, HistogramId other) {
  sim_.requests_->latency_source(ok, other);
  if (sim_.ends_requests_.size() <= index_) sim_.ends_requests_.resize(index_ + 1, 0);
  sim_.ends_requests_[index_] = 1;
}
void BuildContext::sends_route(RefId ref, std::uint32_t route, std::string pointer) {
  sim_.route_flow_.source(index_, ref, route, std::move(pointer));
}
void BuildContext::forwards_routes(RouteFlow::Rule rule) {
  rule.from = index_;
  if (rule.pointer.empty()) rule.pointer = sim_.refs_[rule.ref].pointer;
  sim_.route_flow_.rule(std::move(rule));
}
void BuildContext::serves_only(std::vector<std::uint32_t> routes) { sim_.route_flow_.serves(index_, std::move(routes)); }
void BuildContext::holds_connections(RefId ref, std::uint64_t size, std::string pointer) {
  sim_.connection_budget_.pool(index_, ref, size, std::move(pointer));
}
void BuildContext::runs_instances(std::uint64_t count, std::string pointer) {
  sim_.connection_budget_.instances(index_, count, std::move(pointer));
}
void BuildContext::scales_up_to(RefId ref, std::uint64_t max, std::string pointer) {
  sim_.connection_budget_.scaler(ref, max, std::move(pointer));
}
void BuildContext::limits_connections(std::uint64_t max, std::string pointer, std::string what) {
  sim_.connection_budget_.limit(index_, max, std::move(pointer), std::move(what));
}

Component& ConnectContext::target(RefId ref) const { return *sim_.comps_[sim_.refs_[ref].to]; }
const Metrics& ConnectContext::metrics() const { return *sim_.metrics_; }
const std::string& ConnectContext::pointer(RefId ref) const { return sim_.refs_[ref].pointer; }
void ConnectContext::fail(RefId ref, const std::string& message) const {
  throw ScenarioError(sim_.refs_[ref].pointer, message);
}
std::uint32_t ConnectContext::route_count() const { return sim_.requests_->route_count(); }
const std::string& ConnectContext::route_name(std::uint32_t i) const { return sim_.requests_->route_name(i); }
std::uint32_t ConnectContext::target_index(RefId ref) const { return sim_.refs_[ref].to; }
Component& ConnectContext::component(std::uint32_t index) const { return *sim_.comps_[index]; }
std::uint32_t ConnectContext::component_count() const { return static_cast<std::uint32_t>(sim_.comps_.size()); }
const std::string& ConnectContext::region(std::uint32_t index) const { return sim_.regions_[index]; }
double ConnectContext::region_latency_s(const std::string& a, const std::string& b) const {
  return sim_.region_latency(a, b).mean() / 1e9;
}
std::vector<std::pair<std::uint32_t, std::uint32_t>> ConnectContext::links() const {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (const auto& l : sim_.links_) out.emplace_back(l.from, l.to);
  return out;
}

// ---------------------------------------------------------------- Context

Time Context::end_time() const { return sim_.stopped_ || sim_.ended_early_ ? sim_.reached_ : sim_.settings_.duration; }
Time Context::warmup() const { return sim_.settings_.warmup; }
Metrics& Context::metrics() { return *sim_.metrics_; }

CallId Context::call(RefId ref, const RequestInfo& req, std::uint64_t token, Time timeout, std::uint32_t from_instance) {
  Simulation& s = sim_;
  const Simulation::Reference& r = s.refs_[ref];
  CallId h = s.calls_.alloc();
  Simulation::CallRecord& c = s.calls_[h];
  c.assign(req, token, s.now_, self_, r.to, r.link, from_instance);
  if (s.tracer_) [[unlikely]]
    s.tracer_->call(h, req, self_, r.to, s.now_, false);
  Simulation::Link& l = s.links_[r.link];
  if (l.faulted) [[unlikely]] {
    if (l.fault.lose || (l.fault.abort > 0 && l.fault_rng.uniform() < l.fault.abort)) {
      c.callee_done = true;  // never reaches the callee
      if (l.fault.lose) {
        c.reply_lost = true;  // only the caller's timeout ends it
      } else {
        c.status = Status::Error;  // Istio abort: answered by the caller's sidecar
        s.sched_.push(Event{s.now_, self_, Simulation::kReply, 0, h});
      }
      if (timeout > 0) s.arm_timeout(timeout, h);
      return h;
    }
    Time extra = 0;
    if (l.fault.delay_fraction > 0 && l.fault_rng.uniform() < l.fault.delay_fraction)
      extra = l.fault.delay.sample_time(l.fault_rng);
    s.sched_.push(Event{after(after(s.now_, s.link_delay(r.link)), extra), r.to, Simulation::kDeliver, 0, h});
  } else {
    s.sched_.push(Event{after(s.now_, s.link_delay(r.link)), r.to, Simulation::kDeliver, 0, h});
  }
  if (timeout > 0) s.arm_timeout(timeout, h);
  return h;
}

void Context::send(RefId ref, const RequestInfo& req, std::uint32_t from_instance) {
  Simulation& s = sim_;
  const Simulation::Reference& r = s.refs_[ref];
  CallId h = s.calls_.alloc();
  Simulation::CallRecord& c = s.calls_[h];
  c.assign(req, 0, s.now_, self_, r.to, r.link, from_instance);
  c.one_way = true;
  c.caller_done = true;  // nobody waits: the callee's reply ends the record
  if (s.tracer_) [[unlikely]]
    s.tracer_->call(h, req, self_, r.to, s.now_, true);
  Simulation::Link& l = s.links_[r.link];
  Time extra = 0;
  if (l.faulted) [[unlikely]] {
    if (l.fault.lose || (l.fault.abort > 0 && l.fault_rng.uniform() < l.fault.abort)) {
      s.calls_.free_unreset(h);  // lost on the way: nobody is told
      return;
    }
    if (l.fault.delay_fraction > 0 && l.fault_rng.uniform() < l.fault.delay_fraction)
      extra = l.fault.delay.sample_time(l.fault_rng);
  }
  s.sched_.push(Event{after(after(s.now_, s.link_delay(r.link)), extra), r.to, Simulation::kDeliver, 0, h});
}

void Context::reply(CallId h, Status status, Result result) {
  Simulation& s = sim_;
  Simulation::CallRecord& c = s.calls_[h];
  // The common case on its own, so that it keeps few registers (the rest is a tail call):
  // the caller waits, on a healthy link, and nothing traces. reply_otherwise() ends the same
  // way when it gets that far.
  if (!c.callee_done && !c.caller_done && !s.tracer_ && !s.links_[c.link].faulted) [[likely]] {
    c.callee_done = true;
    c.status = status;
    c.result = result;
    s.sched_.push(Event{after(s.now_, s.link_delay(c.link)), c.caller, Simulation::kReply, 0, h});
    return;
  }
  reply_otherwise(h, status, result);
}

void Context::reply_otherwise(CallId h, Status status, Result result) {
  Simulation& s = sim_;
  Simulation::CallRecord& c = s.calls_[h];
  if (c.callee_done) throw std::logic_error("component " + s.comps_[self_]->id() + " answered a call twice at t=" + format_duration(s.now_));
  c.callee_done = true;
  c.status = status;
  c.result = result;
  if (s.tracer_) [[unlikely]]
    s.tracer_->replied(h, s.now_, status, c.caller_done);
  if (c.caller_done) {  // the caller gave up: the reply is dropped here
    s.calls_.free_unreset(h);
    return;
  }
  if (s.links_[c.link].faulted && s.links_[c.link].fault.lose) [[unlikely]] {
    c.reply_lost = true;  // partitioned: the caller's timeout will end the call
    return;
  }
  s.sched_.push(Event{after(s.now_, s.link_delay(c.link)), c.caller, Simulation::kReply, 0, h});
}

RequestInfo Context::request(CallId h) const { return sim_.calls_[h].req; }
Result Context::result(CallId h) const { return sim_.calls_[h].result; }
bool Context::abandoned(CallId h) const { return sim_.calls_[h].caller_done; }
bool Context::one_way(CallId h) const { return sim_.calls_[h].one_way; }
Time Context::sent_at(CallId h) const { return sim_.calls_[h].sent; }
std::uint32_t Context::caller(CallId h) const { return sim_.calls_[h].caller; }
std::uint32_t Context::caller_instance(CallId h) const { return sim_.calls_[h].from_instance; }

void Context::schedule(Time delay, std::uint16_t tag, std::uint64_t data) {
  sim_.sched_.push(Event{after(sim_.now_, delay), self_, Simulation::kTimer, tag, data});
}

void Context::set_link_fault(std::uint32_t link, const LinkFault& fault) {
  Simulation::Link& l = sim_.links_[link];
  l.fault = fault;
  l.faulted = fault.active();
}

std::uint64_t Context::next_request_id() { return sim_.next_request_id_++; }

void Context::request_sent(const RequestInfo&) { sim_.requests_->sent(); }

void Context::request_ended(const RequestInfo& req, Status status) {
  // The "all" latency is the sum of the declared histograms: an undeclared caller's answers
  // would be missing from it without a sign (asserts are on in the sanitizer build).
  assert(self_ < sim_.ends_requests_.size() && sim_.ends_requests_[self_] &&
         "a component ending requests must name its latency histogram (BuildContext::end_to_end_latency)");
  sim_.requests_->ended(req, status, sim_.now_, self_);
  if (sim_.tracer_) [[unlikely]]
    sim_.tracer_->request_ended(req, self_, sim_.now_, status);
}

void Context::record_trace_span(CallId call, TraceSpan::Kind kind, Time begin, Time end) {
  sim_.tracer_->span(call, kind, begin, end);
}

void Context::record_trace_mark(const RequestInfo& req, TraceSpan::Kind kind, Time begin, Time end) {
  sim_.tracer_->mark(req, self_, kind, begin, end);
}

void Simulation::enable_trace(std::uint32_t n) {
  tracer_ = n ? std::make_unique<Tracer>(n, estimated_requests_) : nullptr;
  ctx_.tracing_ = tracer_ != nullptr;
}

// ---------------------------------------------------------------- running

inline void Simulation::dispatch(const Event& e) {
  switch (e.kind) {
    case kDeliver:
      fingerprint(e.target, kDeliver, 0);
      if (tracer_) [[unlikely]]
        tracer_->delivered(e.data, now_);
      ctx_.self_ = e.target;
      comps_[e.target]->on_request(ctx_, e.data);
      break;
    case kReply: {
      CallRecord& c = calls_[e.data];
      if (!c.caller_done) {
        c.caller_done = true;
        if (c.timed) timeouts_.answered();  // the entry is dead once the record is freed below
        fingerprint(c.caller, kReply, static_cast<std::uint16_t>(c.status));
        if (tracer_) [[unlikely]]
          tracer_->answered(e.data, now_, c.status);
        ctx_.self_ = c.caller;
        comps_[c.caller]->on_reply(ctx_, e.data, c.status, c.token);
      }
      calls_.free_unreset(e.data);
      break;
    }
    case kTimeouts:
      expire_timeouts();
      break;
    case kTimer:
      fingerprint(e.target, kTimer, e.tag);
      ctx_.self_ = e.target;
      comps_[e.target]->on_timer(ctx_, e.tag, e.data);
      break;
    case kWindow:
      metrics_->close_window(now_);
      if (now_ + settings_.window < settings_.duration)
        sched_.push(Event{now_ + settings_.window, 0, kWindow, 0, 0});
      break;
    case kWarmup:
      metrics_->reset_whole_run(now_);
      requests_->end_warmup();
      break;
    case kEndRun:  // every fixed-count test ended (Context::test_ended): nothing else runs
      sched_.clear();
      ended_early_ = true;
      break;
  }
}

void Simulation::arm_timeout(Time timeout, CallId h) {
  const Time deadline = after(now_, timeout);
  calls_[h].timed = true;
  timeouts_.push(deadline, timeout, h);
  // Outside expire_timeouts the armed event stands at or before the earliest deadline
  // (rearm_timeouts keeps it so, an answered call only raises the earliest), so a deadline
  // no earlier than it changes nothing: the common case of a fixed timeout skips the
  // store's front(). kTimeMax is what expire_timeouts leaves while it fires: there the full
  // check runs, as it always did.
  if (deadline < timeouts_armed_at_ || timeouts_armed_at_ == kTimeMax) rearm_timeouts();
}

// Keeps a scheduler event at the earliest pending deadline. An event whose time is no longer
// timeouts_armed_at_ (an earlier deadline came and went) is stale and ignored.
void Simulation::rearm_timeouts() {
  const auto* first = timeouts_.front();
  if (!first || first->deadline >= timeouts_armed_at_) return;
  timeouts_armed_at_ = first->deadline;
  sched_.push(Event{timeouts_armed_at_, 0, kTimeouts, 0, 0});
}

void Simulation::expire_timeouts() {
  if (now_ != timeouts_armed_at_) return;
  timeouts_armed_at_ = kTimeMax;
  // A callback may arm new timeouts; they end after now (timeouts are positive).
  for (const auto* first = timeouts_.front(); first && first->deadline <= now_; first = timeouts_.front()) {
    const CallId h = first->call;
    timeouts_.pop_front();
    fire_timeout(h);
  }
  rearm_timeouts();
}

void Simulation::fire_timeout(CallId h) {
  CallRecord& c = calls_[h];
  c.caller_done = true;
  c.status = Status::Timeout;
  c.result = Result{};
  fingerprint(c.caller, kReply, static_cast<std::uint16_t>(Status::Timeout));
  if (tracer_) [[unlikely]]
    tracer_->answered(h, now_, Status::Timeout);
  ctx_.self_ = c.caller;
  comps_[c.caller]->on_reply(ctx_, h, Status::Timeout, c.token);
  // The call record lives on until the callee answers (or its reply arrives) and frees it;
  // a call or reply lost on a faulted link has nothing more to come.
  if (calls_[h].reply_lost) calls_.free_unreset(h);
}

// Names the components acting at the stuck instant (from the next events) and stops the run.
void Simulation::stuck() {
  std::map<std::string, std::set<std::string>> acting;  // component -> what it was handed
  auto note = [&](const Event& e) {
    if (e.kind == kDeliver) acting[comps_[e.target]->id()].insert("requests");
    else if (e.kind == kTimer) acting[comps_[e.target]->id()].insert("timers");
    else if (e.kind == kReply && calls_.valid(e.data)) acting[comps_[calls_[e.data].caller]->id()].insert("replies");
  };
  for (int k = 0; k < 1000 && !sched_.empty() && sched_.next_time() == now_; ++k) {
    Event e = sched_.pop_front();
    note(e);
    now_ = e.time;
    dispatch(e);  // keep the loop turning: what it schedules at this instant is what we look at
  }
  std::string names;
  for (const auto& [id, kinds] : acting) {
    const std::string k = join_items(kinds, ", ");
    append_item(names, "; ", id + " (" + k + ")");
  }
  throw std::runtime_error("no simulated time passed for about 10 million events at t=" + format_duration(now_) + ": " +
                           names + " keep acting at the same instant (a request answered in zero time in a "
                           "closed loop, or another zero-delay cycle); give the work or the think time a duration");
}

void Simulation::run(const std::function<void(double)>& progress, const std::atomic<bool>* stop) {
  auto wall_start = std::chrono::steady_clock::now();
  Time end = settings_.duration;
  // Engine events go first at their times: they were pushed before any model's.
  if (settings_.warmup > 0) sched_.push(Event{settings_.warmup, 0, kWarmup, 0, 0});
  if (settings_.window < end) sched_.push(Event{settings_.window, 0, kWindow, 0, 0});
  for (auto& c : comps_) {
    ctx_.self_ = c->index();
    c->start(ctx_);
  }
  std::uint64_t n = 0;
  // Watchdog: a model that answers in zero time inside a closed loop (or any zero-delay
  // cycle) acts forever at one instant, and the scheduler's same-time bucket grows until
  // memory runs out. Checked once every 2^20 events, off the per-event path: when ten
  // checks in a row (about 10 million events) find the clock where it was, the run stops
  // with the components seen acting, rather than hang (a few hundred MB by then).
  Time checked_at = -1;
  int still = 0;
  // The run is [0, duration): an event at the end instant itself belongs to no window (a
  // request sent then could never be answered, and the last window would hold it).
  while (!sched_.empty() && sched_.next_time() < end) {
    Event e = sched_.pop_front();
    now_ = e.time;
    dispatch(e);
    if ((++n & 0xffff) == 0) [[unlikely]] {
      // An interrupt (the CLI's SIGINT/SIGTERM) ends the run here, at the current time.
      if (stop && stop->load(std::memory_order_relaxed)) {
        end = now_;
        stopped_ = true;
        break;
      }
      watch_in_flight();
      if ((n & 0xfffff) == 0) {
        if (progress) progress(static_cast<double>(now_) / static_cast<double>(end));
        if (now_ != checked_at) {
          checked_at = now_;
          still = 0;
        } else if (++still >= 10) {
          stuck();
        }
      }
    }
  }
  if (ended_early_) end = now_;
  now_ = end;
  reached_ = end;
  if (metrics_->window_ends().empty() || metrics_->window_ends().back() < end) metrics_->close_window(end);
  events_ = n;
  wall_time_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (progress) progress(1.0);
}

LatencyStats LatencyStats::from(const Histogram& h) {
  LatencyStats s;
  s.count = h.count();
  if (s.count == 0) return s;
  s.mean = h.mean() / 1e6;
  static constexpr double kQs[] = {50, 90, 95, 99, 99.9};
  double p[5];
  h.percentiles(kQs, p);
  s.p50 = p[0] / 1e6;
  s.p90 = p[1] / 1e6;
  s.p95 = p[2] / 1e6;
  s.p99 = p[3] / 1e6;
  s.p999 = p[4] / 1e6;
  s.max = static_cast<double>(h.max()) / 1e6;
  auto bounds = [&](double q) {
    const auto [lo, hi] = h.percentile_bounds(q);
    return Bounds{static_cast<double>(lo) / 1e6, static_cast<double>(hi) / 1e6};
  };
  s.p50_bounds = bounds(50);
  s.p90_bounds = bounds(90);
  s.p95_bounds = bounds(95);
  s.p99_bounds = bounds(99);
  s.p999_bounds = bounds(99.9);
  return s;
}

RunResult Simulation::result() {
  RunResult r;
  r.scenario = settings_.name;
  r.cause_names = cause_names_;
  r.description = settings_.description;
  r.seed = settings_.seed;
  r.duration_s = to_seconds(settings_.duration);
  r.warmup_s = to_seconds(settings_.warmup);
  r.measured_s = to_seconds(settings_.duration - settings_.warmup);
  if (stopped_) {
    // Before the warm-up ended the whole-run figures never restarted: they cover [0, reached).
    r.partial = true;
    r.simulated_s = to_seconds(reached_);
    r.measured_s = to_seconds(reached_ > settings_.warmup ? reached_ - settings_.warmup : reached_);
  } else if (ended_early_) {
    // Every fixed-count test ended before the duration: the figures cover [0, reached).
    r.ended_early = true;
    r.simulated_s = to_seconds(reached_);
    r.measured_s = to_seconds(reached_ > settings_.warmup ? reached_ - settings_.warmup : reached_);
  } else {
    r.simulated_s = r.duration_s;
  }
  {
    std::vector<std::string> ids;  // the population's clients are named by them
    for (const auto& c : comps_) ids.push_back(c->id());
    requests_->fill(r, ids);
  }
  r.warmup = settings_.warmup;
  for (auto& c : comps_) {
    ComponentResult cr;
    cr.id = c->id();
    cr.type = c->type();
    ctx_.self_ = c->index();
    c->finish(ctx_, cr.report);
    (c->index() >= hidden_from_ ? r.sections : r.components).push_back(std::move(cr));
  }
  r.window_s = to_seconds(settings_.window);
  r.window_ends = metrics_->window_ends();
  r.series = metrics_->series();
  r.states = metrics_->states();
  r.wall_time_s = wall_time_s_;
  r.events = events_;
  r.fingerprint = fingerprint_;
  for (std::uint32_t i = 0; i < requests_->route_count(); ++i) r.route_names.push_back(requests_->route_name(i));
  if (tracer_) {
    std::vector<std::string> ids;
    for (const auto& c : comps_) ids.push_back(c->id());
    r.trace = tracer_->take(std::move(ids), settings_.duration);
    tracer_.reset();
    ctx_.tracing_ = false;
  }
  return r;
}

}  // namespace archsim
