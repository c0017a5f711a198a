#include "reports/summary.h"

#include "reports/access_log.h"

#include "reports/ledgers/slo.h"
#include "reports/slo_gate.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "sim/histogram.h"

namespace archsim {

std::string fingerprint_hex(std::uint64_t fp) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fp));
  return buf;
}


using nlohmann::ordered_json;

// v printed with `digits` significant digits (printf's %.*g, which std::to_chars with a
// precision is specified to match) and read back. to_chars and from_chars rather than
// snprintf and strtod: the time-series file goes through here once per value of every
// window, and the pair costs a fraction of the stdio round trip.
static double through_text(double v, int digits) {
  char buf[64];
  const auto printed = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, digits);
  double r = v;
  std::from_chars(buf, printed.ptr, r);
  return r;
}

// Appends v as printf's %.6g (std::ostream's default for a double) would print it.
static void append_g6(std::string& out, double v) {
  char buf[32];
  const auto printed = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 6);
  out.append(buf, printed.ptr);
}

double round_sig(double v, int digits) {
  if (v == 0 || !std::isfinite(v)) return v;
  // Whole numbers (counters, failures of the error budget) stay exact: 9424635 requests
  // are not 9424640. A double holds them exactly up to 2^53.
  if (v == std::floor(v) && std::fabs(v) <= 9007199254740992.0) return v;
  double mag = std::floor(std::log10(std::fabs(v)));
  double scale = std::pow(10.0, digits - 1 - mag);
  double r = std::round(v * scale) / scale;
  // Print-stable: go through text so that the same value always yields the same double.
  return through_text(r, digits);
}

double round_availability(double a) {
  if (!(a > 0 && a < 1)) return a;
  if (a < 0.5) return round_sig(a, 6);
  const double r = 1.0 - round_sig(1.0 - a, 6);
  return through_text(r, 15);  // print-stable, as round_sig
}

// A component's declared page section (sim/page_section.h), as the page's script reads it.
static ordered_json page_json(const PageSection& page) {
  ordered_json panels = ordered_json::array();
  for (const PageSection::Panel& p : page.panels) {
    ordered_json o{{"title", p.title}, {"ylabel", p.ylabel}, {"series", p.series}};
    if (!p.caption.empty()) o["caption"] = p.caption;
    if (!p.capacity.empty()) o["capacity"] = p.capacity;
    if (p.percent) o["percent"] = true;
    if (p.varies) o["varies"] = true;
    panels.push_back(std::move(o));
  }
  ordered_json headlines = ordered_json::array();
  for (const PageSection::Headline& h : page.headlines) {
    ordered_json o{{"figure", h.figure}, {"label", h.label}};
    if (!h.unit.empty()) o["unit"] = h.unit;
    if (h.compare) o["compare"] = true;
    headlines.push_back(std::move(o));
  }
  ordered_json out = ordered_json::object();
  // Only a section other than the data tier is written: a data store's page reads as before.
  if (!page.section.id.empty())
    out["section"] = ordered_json{{"id", page.section.id}, {"title", page.section.title}, {"intro", page.section.intro}};
  out["panels"] = std::move(panels);
  out["headlines"] = std::move(headlines);
  return out;
}

static ordered_json latency_json(const LatencyStats& l) {
  return ordered_json{{"count", l.count},          {"mean", round_sig(l.mean)}, {"p50", round_sig(l.p50)},
                      {"p90", round_sig(l.p90)},   {"p95", round_sig(l.p95)},   {"p99", round_sig(l.p99)},
                      {"p999", round_sig(l.p999)}, {"max", round_sig(l.max)}};
}

// One objective of the SLO (reports/ledgers/slo.h): latencies in ms with the histogram
// bucket their percentile lies in, rates as fractions; "value" null when there was no data.
static ordered_json objective_json(const SloObjectiveResult& o) {
  ordered_json j{{"objective", o.key}};
  if (!o.route.empty()) j["route"] = o.route;
  if (o.kind == SloObjectiveKind::Latency) {
    j["target_ms"] = round_sig(o.target);
    j["value_ms"] = o.has_data ? ordered_json(round_sig(o.value)) : ordered_json();
    if (o.has_data) j["bucket_ms"] = ordered_json::array({round_sig(o.bucket_lo), round_sig(o.bucket_hi)});
    j["certain"] = o.certain;
  } else if (o.kind == SloObjectiveKind::AvailabilityWindow) {
    j["window_s"] = round_sig(o.window_s);
    j["target"] = o.target;
    if (o.required_fraction < 1) j["required_fraction_met"] = o.required_fraction;
    j["windows"] = o.windows;
    j["windows_met"] = o.windows_met;
    j["fraction_met"] = o.windows ? round_sig(static_cast<double>(o.windows_met) / static_cast<double>(o.windows)) : 0.0;
    // The worst window's availability, and where it starts.
    j["value"] = o.has_data ? ordered_json(round_availability(o.value)) : ordered_json();
    if (o.has_data) j["worst_window_start_s"] = round_sig(o.worst_start_s);
    if (o.windows > 0 && o.last_window_s < o.window_s) j["last_window_s"] = round_sig(o.last_window_s);
  } else {
    j["target"] = o.target;
    j["value"] = o.has_data ? ordered_json(o.kind == SloObjectiveKind::Availability ? round_availability(o.value)
                                                                                  : round_sig(o.value))
                            : ordered_json();
  }
  j["met"] = o.met;
  return j;
}

static ordered_json requests_json(const OutcomeCounts& o, const std::vector<std::string>& names) {
  ordered_json causes = ordered_json::object();
  // Every cause, zeros included: the same keys in every run, so replications merge cleanly.
  for (std::size_t k = 1; k < names.size(); ++k)
    if (k != static_cast<std::size_t>(Status::Degraded)) causes[names[k]] = o.by_status[k];
  ordered_json j{{"total", o.total()}, {"ok", o.ok()}, {"failed", o.failed()}};
  if (o.degraded() > 0) j["degraded"] = o.degraded();  // part of ok: fallback answers
  j["by_cause"] = causes;
  return j;
}

void put_dotted(ordered_json& obj, const std::string& name, const ordered_json& value) {
  ordered_json* cur = &obj;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) {
      (*cur)[name.substr(start)] = value;
      return;
    }
    cur = &(*cur)[name.substr(start, dot - start)];
    start = dot + 1;
  }
}

// put_dotted for many values into one object: each segment found through an index of the
// members instead of the object's own linear search (ordered_json keeps its members in a
// vector). A component may report one figure per instance or ready level (50,000 replicas:
// 50,000 figures in one object), which put_dotted turned quadratic.
class DottedWriter {
 public:
  explicit DottedWriter(ordered_json& root) : root_(root) {}
  void put(const std::string& name, const ordered_json& value) {
    ordered_json* cur = &root_;
    std::size_t start = 0;
    for (;;) {
      const std::size_t dot = name.find('.', start);
      const std::string prefix = name.substr(0, dot);  // the path of the member, from the root
      ordered_json& m = member(*cur, name.substr(start, dot == std::string::npos ? std::string::npos : dot - start),
                               name.substr(0, start), prefix);
      if (dot == std::string::npos) {
        m = value;
        return;
      }
      cur = &m;
      start = dot + 1;
    }
  }

 private:
  // Member `key` of `obj` (at dotted path `path`, "" for the root), created null when absent.
  ordered_json& member(ordered_json& obj, const std::string& key, const std::string& path, const std::string& full) {
    if (obj.is_null()) obj = ordered_json::object();
    auto& members = obj.get_ref<ordered_json::object_t&>();
    if (indexed_.insert(path).second)  // first visit: index what is already there
      for (std::size_t i = 0; i < members.size(); ++i) position_[(path.empty() ? "" : path + ".") + members.Container::operator[](i).first] = i;
    const auto [it, added] = position_.try_emplace(full, members.size());
    if (added) members.Container::emplace_back(key, nullptr);
    return members.Container::operator[](it->second).second;
  }

  ordered_json& root_;
  std::unordered_map<std::string, std::size_t> position_;  // dotted path -> index in its parent
  std::unordered_set<std::string> indexed_;                // objects whose members are in position_
};

// The members of one object written by key, each found through an index instead of the
// object's own linear search (ordered_json keeps its members in a vector): the components
// of a run of 100,000 services, and their costs, took longer to write than to simulate.
class ObjectWriter {
 public:
  explicit ObjectWriter(ordered_json& obj) : members_((obj = ordered_json::object()).get_ref<ordered_json::object_t&>()) {}
  ordered_json& operator[](const std::string& key) {
    const auto [it, added] = position_.try_emplace(key, members_.size());
    if (added) members_.Container::emplace_back(key, nullptr);
    return members_.Container::operator[](it->second).second;
  }
  bool contains(const std::string& key) const { return position_.contains(key); }

 private:
  ordered_json::object_t& members_;
  std::unordered_map<std::string, std::size_t> position_;
};

// Nines of an availability: -log10(1 - a); null for a perfect run (no failure to count).
static ordered_json nines(double a) {
  if (a >= 1 || std::isnan(a)) return nullptr;
  // 0.0 - x, not -x: with a = 0, -log10(1) is -0.0, which would print as "-0.0".
  return round_sig(0.0 - std::log10(1 - a), 4);
}

// The availability report (SRE workbook terms): of requests and of time, nines, error
// budget, observed MTBF/MTTR per component, each injected fault's time to detect and to
// recover, alerts fired and resolved (seconds from the start of the run).
static ordered_json availability_json(const AvailabilityResult& a, const std::string& population) {
  ordered_json o;
  o["population"] = population;  // the requests it counts: the SLO's (reports/ledgers/slo.h)
  o["requests"] = std::isnan(a.requests) ? ordered_json(nullptr) : ordered_json(round_availability(a.requests));  // no requests
  o["time"] = round_availability(a.time);
  o["nines"] = ordered_json{{"requests", nines(a.requests)}, {"time", nines(a.time)}};
  o["windows"] = ordered_json{{"total", a.windows}, {"meeting_slo", a.windows_met}};
  ordered_json slo{{"availability", a.slo_availability}};
  if (a.slo_latency_p99_ms > 0) slo["latency_p99_ms"] = round_sig(a.slo_latency_p99_ms);
  if (a.slo_assumed) slo["assumed"] = true;  // the scenario has no "slo"
  o["slo"] = slo;
  ordered_json budget{{"allowed_failures", round_sig(a.budget_allowed)}, {"failures", round_sig(a.budget_used)}};
  budget["consumed"] = a.budget_allowed > 0 ? ordered_json(round_sig(a.budget_used / a.budget_allowed, 4))
                                            : ordered_json(a.budget_used > 0 ? nullptr : ordered_json(0.0));
  o["error_budget"] = budget;
  ordered_json extra = ordered_json::object();
  DottedWriter into_extra(extra);
  for (const auto& [k, v] : a.figures) into_extra.put(k, round_sig(v));
  o["components"] = extra.contains("components") ? extra["components"] : ordered_json::object();
  ordered_json faults = ordered_json::array();
  for (const auto& f : a.faults) {
    ordered_json x{{"fault", f.label}, {"start_s", round_sig(f.start_s)}, {"end_s", round_sig(f.end_s)}};
    x["time_to_detect_s"] = f.detected ? ordered_json(round_sig(f.detect_s)) : ordered_json(nullptr);
    x["time_to_recover_s"] = f.recovered ? ordered_json(round_sig(f.recover_s)) : ordered_json(nullptr);
    faults.push_back(x);
  }
  o["faults"] = faults;
  if (!a.episodes.empty()) {  // absent when no component recorded one (most runs)
    ordered_json episodes = ordered_json::array();
    for (const auto& e : a.episodes)
      episodes.push_back(ordered_json{{"component", e.component}, {"kind", e.kind}, {"label", e.label},
                                      {"start_s", round_sig(e.start_s)}, {"end_s", round_sig(e.end_s)}});
    o["episodes"] = episodes;
  }
  if (!a.oom_kills.empty()) {  // absent when no instance was OOM-killed
    ordered_json kills = ordered_json::array();
    for (const auto& e : a.oom_kills)
      kills.push_back(ordered_json{{"component", e.component}, {"label", e.label}, {"start_s", round_sig(e.start_s)},
                                   {"end_s", round_sig(e.end_s)}});
    o["oom_kills"] = kills;
  }
  ordered_json alerts = ordered_json::array();
  for (const auto& al : a.alerts)
    alerts.push_back(ordered_json{{"alert", al.name},
                                  {"fired_s", round_sig(al.fired_s)},
                                  {"resolved_s", al.resolved ? ordered_json(round_sig(al.resolved_s)) : ordered_json(nullptr)}});
  o["alerts"] = alerts;
  if (!a.alert_rules.empty()) {  // absent when the scenario has no "alerts"
    ordered_json rules = ordered_json::array();
    for (const auto& r : a.alert_rules)
      rules.push_back(ordered_json{{"alert", r.name}, {"metric", r.metric}, {"op", r.op},
                                   {"threshold", r.threshold}, {"for_s", round_sig(r.for_s)}});
    o["alert_rules"] = rules;
  }
  return o;
}

// The requests the SLO is judged on (reports/ledgers/slo.h): its scope's population, or every
// request. The same figures as the top level's, so that a headline can show either.
static ordered_json population_json(const RunResult& r) {
  ordered_json p;
  p["label"] = ledgers::population_label(r);
  p["scoped"] = r.population.has_value();
  const OutcomeCounts& o = r.population ? r.population->outcomes : r.outcomes;
  if (r.population) {
    p["clients"] = r.population->clients;
    p["routes"] = r.population->routes;
  }
  const std::uint64_t total = o.total();
  p["requests"] = total;
  p["ok"] = o.ok();
  p["failed"] = o.failed();
  p["availability"] = total ? ordered_json(round_availability(static_cast<double>(o.ok()) / static_cast<double>(total)))
                            : ordered_json(nullptr);
  p["throughput_rps"] = round_sig(static_cast<double>(o.ok()) / r.measured_s);
  p["latency_ms"] = latency_json(r.population ? r.population->latency : r.latency);
  p["latency_all_ms"] = latency_json(r.population ? r.population->latency_all : r.latency_all);
  if (r.population) {
    ordered_json by = ordered_json::object();
    for (const RouteResult& rr : r.population->by_route) {
      const std::uint64_t t = rr.outcomes.total();
      by[rr.name] = ordered_json{{"requests", t},
                                 {"ok", rr.outcomes.ok()},
                                 {"availability", round_availability(static_cast<double>(rr.outcomes.ok()) / static_cast<double>(t))},
                                 {"latency_ms", latency_json(rr.latency)},
                                 {"latency_all_ms", latency_json(rr.latency_all)}};
    }
    p["by_route"] = by;
  }
  return p;
}

ordered_json summary_json(const RunResult& r, const LedgerResults& l) {
  ordered_json j;
  j["scenario"] = r.scenario;
  if (!r.description.empty()) j["description"] = r.description;
  j["seed"] = r.seed;
  j["duration_s"] = round_sig(r.duration_s);
  j["warmup_s"] = round_sig(r.warmup_s);
  // A run whose fixed-count tests all ended before the duration (its cap) ended here.
  if (r.ended_early) j["ended_s"] = round_sig(r.simulated_s);
  ordered_json req = requests_json(r.outcomes, r.cause_names);
  ordered_json requests;
  requests["sent"] = r.sent;
  for (auto& [k, v] : req.items()) requests[k] = v;
  requests["in_flight"] = r.in_flight;
  requests["in_flight_at_warmup"] = r.in_flight_at_warmup;
  j["requests"] = requests;
  std::uint64_t total = r.outcomes.total();
  // No request, no availability: null rather than a perfect 1.0 over nothing (users: 0).
  j["availability"] = total ? ordered_json(round_availability(static_cast<double>(r.outcomes.ok()) / static_cast<double>(total)))
                            : ordered_json(nullptr);
  j["throughput_rps"] = round_sig(static_cast<double>(r.outcomes.ok()) / r.measured_s);
  j["latency_ms"] = latency_json(r.latency);
  j["latency_all_ms"] = latency_json(r.latency_all);
  ordered_json routes = ordered_json::object();
  for (const RouteResult& rr : r.routes) {
    std::uint64_t t = rr.outcomes.total();
    if (t == 0) continue;
    ordered_json o;
    o["requests"] = t;
    o["ok"] = rr.outcomes.ok();
    o["availability"] = round_availability(static_cast<double>(rr.outcomes.ok()) / static_cast<double>(t));
    o["throughput_rps"] = round_sig(static_cast<double>(rr.outcomes.ok()) / r.measured_s);
    o["latency_ms"] = latency_json(rr.latency);
    o["latency_all_ms"] = latency_json(rr.latency_all);
    routes[rr.name] = o;
  }
  j["routes"] = routes;
  ordered_json comps;
  ObjectWriter component(comps);
  for (const ComponentResult& c : r.components) {
    ordered_json o;
    o["type"] = c.type;
    DottedWriter into(o);
    for (const auto& [k, v] : c.report.texts()) into.put(k, v);
    for (const auto& [k, v] : c.report.figures()) into.put(k, round_sig(v));
    for (const auto& [k, v] : c.report.latencies()) into.put(k, latency_json(v));
    if (!c.report.page().empty()) o["page"] = page_json(c.report.page());
    component[c.id] = std::move(o);
  }
  // Access logs (reports/access_log.h): what each logging client's file holds.
  for (const auto& s : r.request_log.sources) {
    if (!component.contains(s.component)) continue;
    component[s.component]["access_log"] = ordered_json{{"file", access_log_name(s.component, s.format)},
                                                    {"format", s.format},
                                                    {"sample", s.sample},
                                                    {"requests", s.ended},
                                                    {"lines", s.sampled - s.unwritten},
                                                    {"unwritten", s.unwritten},
                                                    {"max_lines", s.max_lines}};
  }
  j["components"] = comps;
  ordered_json cost;
  cost["total_usd"] = round_sig(l.cost.total_usd);
  cost["per_million_requests_usd"] = round_sig(l.cost.per_million_requests_usd);
  ordered_json by;
  ObjectWriter by_component(by);
  for (const auto& [k, v] : l.cost.by_component) by_component[k] = round_sig(v);
  cost["by_component"] = by;
  for (const auto& [k, v] : l.cost.figures) cost[k] = round_sig(v);
  j["cost"] = cost;
  ordered_json slo = ordered_json::object();
  if (l.slo.has_latency) {
    slo["latency_p99_ms"] = round_sig(l.slo.latency_p99_ms);
    slo["latency_met"] = l.slo.latency_met;
  }
  if (l.slo.has_availability) {
    slo["availability"] = l.slo.availability;
    slo["availability_met"] = l.slo.availability_met;
  }
  if (l.slo.has_latency || l.slo.has_availability || !l.slo.objectives.empty()) slo["population"] = population_json(r);
  if (!l.slo.objectives.empty()) {
    ordered_json list = ordered_json::array();
    bool all = true;
    for (const SloObjectiveResult& o : l.slo.objectives) {
      list.push_back(objective_json(o));
      all = all && o.met;
      // The windows' figures again outside the list, where merged replications average them
      // (judge_slo_on_means judges the objective on these means).
      if (o.kind == SloObjectiveKind::AvailabilityWindow)
        slo["availability_window"] = ordered_json{{"windows", o.windows}, {"windows_met", o.windows_met},
                                                  {"fraction_met", list.back()["fraction_met"]}, {"worst", list.back()["value"]}};
    }
    slo["objectives"] = list;
    slo["met"] = all;
  }
  j["slo"] = slo;
  j["availability_report"] = availability_json(l.availability, ledgers::population_label(r));
  j["run"] = ordered_json{{"wall_time_s", r.wall_time_s},
                          {"events", r.events},
                          {"events_per_s", r.wall_time_s > 0 ? static_cast<double>(r.events) / r.wall_time_s : 0.0},
                          {"fingerprint", fingerprint_hex(r.fingerprint)}};
  if (r.partial) {
    // Interrupted: the figures cover [0, simulated_s), not the scenario's duration_s.
    j["run"]["partial"] = true;
    j["run"]["simulated_s"] = round_sig(r.simulated_s);
  }
  return j;
}

// Seconds of an exact time with every digit it has (nanoseconds, trailing zeros dropped):
// a transition at 12.3456789 s is not rounded to a window's six digits.
static std::string exact_seconds(Time t) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(t / kSecond), static_cast<long long>(t % kSecond));
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string timeseries_csv(const RunResult& r) {
  // Built in a string, each window's time printed once (an ostringstream formatted it again
  // for every row, through the locale): the file has a row per series per window.
  std::string out = "time_s,component,metric,value\n";
  // Room for every row at its longest (a time and a value of 13 characters at most), taken
  // once: grown by doubling, the text of a long run held up to twice its size and three times
  // while it moved, the largest part of the run's memory (Simulation::check_memory_budget).
  std::size_t room = out.size();
  for (const Series& s : r.series) room += s.values.size() * (s.component.size() + s.metric.size() + 3 + 2 * 13 + 1);
  for (const StateSeries& s : r.states) room += (s.transitions.size() + 2) * (s.component.size() + s.metric.size() + 3 + 2 * 24 + 1);
  out.reserve(room);
  auto row = [&](std::string_view time, const std::string& component, const std::string& metric) {
    out += time;
    out += ',';
    out += component;
    out += ',';
    out += metric;
    out += ',';
  };
  // State rows (Metrics::state): the value at 0, then one row per transition at its exact
  // time, and "nan" where the kept transitions end (StateSeries::dropped). Merged with the
  // window rows in time order; a state row at a window's end goes before the window's rows.
  struct StateRow {
    Time at;
    const StateSeries* s;
    double value;
  };
  std::vector<StateRow> rows;
  for (const StateSeries& s : r.states) {
    rows.push_back({0, &s, s.initial});
    for (const auto& t : s.transitions) rows.push_back({t.at, &s, t.value});
    if (s.dropped > 0) rows.push_back({s.dropped_from, &s, std::nan("")});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const StateRow& a, const StateRow& b) { return a.at < b.at; });
  std::size_t next = 0;
  auto states_until = [&](Time end) {
    for (; next < rows.size() && rows[next].at <= end; ++next) {
      const StateRow& x = rows[next];
      row(exact_seconds(x.at), x.s->component, x.s->metric);
      if (std::isnan(x.value)) out += "nan";
      else append_g6(out, x.value);
      out += '\n';
    }
  };
  std::string time;
  for (std::size_t w = 0; w < r.window_ends.size(); ++w) {
    states_until(r.window_ends[w]);
    time.clear();
    append_g6(time, to_seconds(r.window_ends[w]));
    for (const Series& s : r.series) {
      if (w >= s.values.size() || std::isnan(s.values[w])) continue;
      row(time, s.component, s.metric);
      append_g6(out, round_sig(s.values[w]));
      out += '\n';
    }
  }
  states_until(kTimeMax);
  return out;
}

std::string latency_cdf_csv(const RunResult& r) {
  std::string out = "component,latency_ms,cumulative_fraction\n";
  // "all": the successful requests; "every request": every request that ended, failed ones
  // at their failure (only when some failed); then each client's successful requests, and the
  // SLO population's, under their series' names (as in timeseries.csv).
  auto rows = [&](const std::string& name, const std::vector<std::pair<double, double>>& cdf) {
    for (const auto& [ms, f] : cdf) {
      out += name;
      out += ',';
      append_g6(out, ms);
      out += ',';
      append_g6(out, f);
      out += '\n';
    }
  };
  rows("all", r.latency_cdf);
  rows("every request", r.latency_all_cdf);
  for (const ClientCdf& c : r.client_cdfs) rows(c.client, c.points);
  if (r.population) rows(r.population->series, r.population->latency_cdf);
  return out;
}

}  // namespace archsim
