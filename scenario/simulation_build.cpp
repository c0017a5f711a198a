// Simulation's building half: the scenario read into components, their references
// resolved into links, the checks made before t = 0 (call cycles, the memory budget) and
// the estimate of the run's size. The running half is sim/simulation.cpp; what the
// components see while they are built and connected is scenario/build_context.cpp.
#include "sim/simulation.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <nlohmann/json.hpp>

#include "scenario/build.h"
#include "scenario/describe.h"
#include "scenario/population.h"
#include "sim/text_list.h"

namespace archsim {

using nlohmann::json;
// ---------------------------------------------------------------- building

Simulation::Simulation(const json& doc, const Registry& registry, std::optional<std::uint64_t> seed)
    : ctx_(*this, now_), build_(std::make_unique<BuildState>()) {
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
  build_->route_flow.check(
      static_cast<std::uint32_t>(comps_.size()), [&](RefId ref) { return refs_[ref].to; },
      [&](std::uint32_t r) { return requests_->route_name(r); }, [&](std::uint32_t c) { return comps_[c]->id(); });
  warnings_ = build_->connection_budget.check([&](RefId ref) { return refs_[ref].to; },
                                       [&](std::uint32_t c) { return comps_[c]->id(); });
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  for (const Reference& r : refs_)
    if (r.kind != RefKind::Control) edges.emplace_back(r.from, r.to);
  for (ScenarioWarning& w : build_->route_flow.unreached(
           static_cast<std::uint32_t>(comps_.size()), edges, [&](RefId ref) { return refs_[ref].to; },
           [&](std::uint32_t r) { return requests_->route_name(r); }, [&](std::uint32_t c) { return comps_[c]->id(); }))
    warnings_.push_back(std::move(w));
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

namespace {
// What one value of a series costs the run at its peak (measured: peak RSS of `archsim run`
// over series x windows, tests/bench/scale_scenario.py's notes in docs/development.md). The
// run holds the recorder's copy (8 bytes, its vectors reserved whole when the run starts)
// and the results' (8); the output holds timeseries.csv's row of the value (its time, the
// component, the metric and the value as text) while the report reads the file back into a
// sorted map of (time, value) per series, kReportBytesPerValue a value: the peak.
constexpr double kRecorderBytesPerValue = 16;
constexpr double kReportBytesPerValue = 80;
// A row's time ("86399.5", "1.9872e+06") and value ("0.00123457") as the CSV prints them,
// with the three commas and the line break.
constexpr double kRowOverhead = 10 + 9 + 4;
}  // namespace

// Before t = 0, so that a scenario too large for memory is an answer, not a bad_alloc an
// hour in. What is charged here is what the scenario's numbers fix before the run: the
// series (kRecorderBytesPerValue + kReportBytesPerValue + the row of timeseries.csv per value
// per window, above), the histograms (Metrics::histogram_bytes) and what each component
// says it will hold (its users, tables, cache entries: Component::memory_estimate). What
// depends on how the run goes, the requests in flight, is watched during the run instead
// (watch_in_flight).
void Simulation::check_memory_budget() {
  const std::uint64_t windows = static_cast<std::uint64_t>((settings_.duration + settings_.window - 1) / settings_.window);
  const std::uint64_t series = metrics_->series().size();
  double per_window = 0;  // every series' value of one window
  for (const Series& s : metrics_->series())
    per_window += kRecorderBytesPerValue + kReportBytesPerValue + kRowOverhead +
                  static_cast<double>(s.component.size() + s.metric.size());
  const double series_bytes = per_window * static_cast<double>(windows);
  const double histogram_bytes = static_cast<double>(metrics_->histogram_bytes());
  double total = series_bytes + histogram_bytes, largest = 0;
  std::size_t largest_at = 0;
  for (std::size_t i = 0; i < comps_.size(); ++i) {
    const double b = static_cast<double>(comps_[i]->memory_estimate());
    total += b;
    if (b > largest) largest = b, largest_at = i;
  }
  // During the run only the recorder's copy is held beside the calls in flight, and the
  // histograms are charged as they grow (watch_in_flight).
  fixed_bytes_ = total - series_bytes - histogram_bytes +
                 kRecorderBytesPerValue / 2 * static_cast<double>(series) * static_cast<double>(windows);
  estimate_bytes_ = total;
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
                                           std::to_string(4 * (sizeof(Histogram) + Metrics::kEstimatedChunks * Histogram::kChunkBytes) / 1000) +
                                           " kB a service); model fewer components");
  const std::string at = largest_at < hidden_from_ ? "/components/" + std::to_string(largest_at) : "";
  throw ScenarioError(at, what + "\"" + comps_[largest_at]->id() + "\" alone takes " + gigabytes(largest) +
                              "; ask for fewer users, sessions, replicas or entries");
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

void Simulation::read_top_level(Params& top, const Registry& registry, TopLevelStage stage) {
  std::vector<std::string> routes;
  if (stage == TopLevelKey::Stage::Series)
    for (std::uint32_t i = 0; i < requests_->route_count(); ++i) routes.push_back(requests_->route_name(i));
  for (const TopLevelKey& k : registry.top_level()) {
    if (k.stage != stage) continue;
    std::any v = k.read(top, *metrics_, routes);
    top.known(k.name);
    if (stage == TopLevelKey::Stage::Settings) build_->top_level.emplace_back(k.name, std::move(v));
    else if (const auto* a = std::any_cast<LedgerAsk>(&v)) {
      if (a->population) set_population(*a->population, routes);
      requests_->slo_deadline(a->deadline);
    }
  }
}

// A reader's population (scenario/population.h), resolved against the scenario's components
// and routes, counted by the ledger.
void Simulation::set_population(const RequestPopulation& p, const std::vector<std::string>& routes) {
  std::vector<std::string> ids, types;
  for (const auto& c : comps_) {
    ids.push_back(c->id());
    types.push_back(c->type());
  }
  requests_->set_population(resolve_population(p, ids, types, ends_requests_, routes));
}

void Simulation::build_components(Params& top, const Registry& registry) {
  auto list = top.objects("components");
  if (!top.has("components")) top.fail("components", "is required: a scenario needs at least one component");
  if (list.empty()) top.fail("components", "is empty: a scenario needs at least one component");
  std::vector<std::string> types = registry.types();
  std::set<std::string> seen;
  // Each component's first error is collected (up to kMaxErrors) and all are reported
  // together: a user fixing a scenario sees every broken component in one pass. What was
  // built after the first error is thrown away with the Simulation.
  constexpr std::size_t kMaxErrors = 20;
  std::optional<ScenarioError> errors;
  for (std::size_t i = 0; i < list.size(); ++i) {
    try {
      build_component(list[i], i, registry, types, seen);
    } catch (const ScenarioError& e) {
      // The per-component vectors keep their indices for the components after it.
      zones_.resize(i + 1);
      regions_.resize(i + 1);
      in_process_.resize(i + 1);
      proxy_.resize(i + 1);
      if (!errors) errors = e;
      else errors->add(e);
      if (errors->count() >= kMaxErrors) break;
    }
  }
  if (errors) throw *errors;
  pending_id_.clear();
  for (std::size_t r = 0; r < settings_.region_names.size(); ++r)
    if (std::find(regions_.begin(), regions_.end(), settings_.region_names[r]) == regions_.end())
      throw ScenarioError(settings_.region_pointers[r], "region \"" + settings_.region_names[r] +
                                                            "\" has no components (give some component \"region\": \"" +
                                                            settings_.region_names[r] + "\", or remove it)");
}

void Simulation::build_component(Params& cp, std::size_t i, const Registry& registry, const std::vector<std::string>& types,
                                 std::set<std::string>& seen) {
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
  proxy_.push_back(0);
  // Keys a section claims (e.g. "failures") go to that section's hidden component.
  build_->section_keys.resize(registry.sections().size());
  for (std::size_t s = 0; s < registry.sections().size(); ++s)
    for (const std::string& key : registry.sections()[s].component_keys)
      if (cp.has(key)) build_->section_keys[s].push_back(ComponentKey{static_cast<std::uint32_t>(i), cp.object(key)});
  BuildContext bc(*this, static_cast<std::uint32_t>(i));
  // The id is needed by the factory (streams, metric names) before the component exists.
  pending_id_ = id;
  std::unique_ptr<Component> c = (*f)(cp, bc);
  c->id_ = id;
  c->type_ = type;
  c->index_ = static_cast<std::uint32_t>(i);
  comps_.push_back(std::move(c));
}

// Each registry section with something to do becomes a hidden component, after the scenario's
// own components (so it may reference any of them) and left out of the per-component report.
void Simulation::build_sections(Params& top, const Registry& registry) {
  hidden_from_ = static_cast<std::uint32_t>(comps_.size());
  build_->section_keys.resize(registry.sections().size());
  for (std::size_t s = 0; s < registry.sections().size(); ++s) {
    const Section& sec = registry.sections()[s];
    const json& v = top.raw(sec.name);
    bool present = !v.is_null() && !(v.is_array() && v.empty()) && !(v.is_object() && v.empty());
    if (!present && build_->section_keys[s].empty()) continue;
    std::uint32_t index = static_cast<std::uint32_t>(comps_.size());
    std::string id = "$" + sec.name;
    zones_.emplace_back();
    regions_.emplace_back();
    in_process_.push_back(0);
    proxy_.push_back(0);
    BuildContext bc(*this, index);
    pending_id_ = id;
    std::unique_ptr<Component> c = sec.factory(top, build_->section_keys[s], bc);
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
    // Sidecar proxies at either end (BuildContext::proxies_crossings) add their delay to every
    // crossing, requests and replies; not into a library inside the caller's process.
    l.proxy = in_process_[r.to] ? 0 : after(proxy_[r.from], proxy_[r.to]);
    // A constant's sample_time() reads no generator: taking it once here draws what every
    // crossing would.
    l.zero = l.latency.is_constant_zero() && l.proxy == 0;
    l.fixed = l.zero ? 0 : l.latency.kind == Distribution::Kind::Constant ? after(l.latency.sample_time(l.rng), l.proxy) : -1;
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
// The DFS tree's parent of each vertex, and the first back edge found (a cycle).
struct CycleFinder : boost::default_dfs_visitor {
  std::vector<std::size_t>* parent;
  std::vector<std::pair<std::size_t, std::size_t>>* back_edges;
  template <class Edge, class Graph>
  void tree_edge(Edge e, const Graph& g) {
    (*parent)[boost::target(e, g)] = boost::source(e, g);
  }
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
  std::vector<std::size_t> parent(comps_.size(), SIZE_MAX);
  CycleFinder vis;
  vis.parent = &parent;
  vis.back_edges = &back;
  boost::depth_first_search(g, boost::visitor(vis));
  if (back.empty()) return;
  // Name the cycle: a back edge u -> v closes it, v being an ancestor of u in the DFS tree;
  // the tree's parents lead from u back up to v (linear in the cycle's length).
  const std::size_t u = back.front().first, v = back.front().second;
  std::vector<std::size_t> path;
  for (std::size_t x = u; x != v; x = parent[x]) path.push_back(x);
  path.push_back(v);
  std::reverse(path.begin(), path.end());
  std::string names;
  for (std::size_t x : path) names += comps_[x]->id() + " -> ";
  names += comps_[v]->id();
  std::string pointer;
  for (const Reference& r : refs_)
    if (r.kind == RefKind::SyncCall && r.from == u && r.to == v) {
      pointer = r.pointer;
      break;
    }
  throw ScenarioError(pointer, "synchronous calls form a cycle of " + std::to_string(path.size()) +
                                   (path.size() == 1 ? " component: " : " components: ") + names +
                                   " (a request would wait on itself)");
}

}  // namespace archsim
