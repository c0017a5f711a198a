#include "reports/summary.h"

#include "reports/slo_gate.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string_view>

#include "sim/histogram.h"

namespace archsim {

// 16 hex digits: a JSON number would lose the low bits of a 64-bit hash.
static std::string fingerprint_hex(std::uint64_t fp) {
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
  const double r = 1.0 - round_sig(1.0 - a, 6);
  return through_text(r, 15);  // print-stable, as round_sig
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

// Puts `value` at a dotted path inside `obj`, creating objects on the way.
static void put_dotted(ordered_json& obj, const std::string& name, const ordered_json& value) {
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

// Nines of an availability: -log10(1 - a); null for a perfect run (no failure to count).
static ordered_json nines(double a) {
  if (a >= 1 || std::isnan(a)) return nullptr;
  // 0.0 - x, not -x: with a = 0, -log10(1) is -0.0, which would print as "-0.0".
  return round_sig(0.0 - std::log10(1 - a), 4);
}

// The availability report (SRE workbook terms): of requests and of time, nines, error
// budget, observed MTBF/MTTR per component, each injected fault's time to detect and to
// recover, alerts fired and resolved (seconds from the start of the run).
static ordered_json availability_json(const AvailabilityResult& a) {
  ordered_json o;
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
  for (const auto& [k, v] : a.figures) put_dotted(extra, k, round_sig(v));
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

ordered_json summary_json(const RunResult& r, const LedgerResults& l) {
  ordered_json j;
  j["scenario"] = r.scenario;
  if (!r.description.empty()) j["description"] = r.description;
  j["seed"] = r.seed;
  j["duration_s"] = round_sig(r.duration_s);
  j["warmup_s"] = round_sig(r.warmup_s);
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
    routes[rr.name] = o;
  }
  j["routes"] = routes;
  ordered_json comps = ordered_json::object();
  for (const ComponentResult& c : r.components) {
    ordered_json o;
    o["type"] = c.type;
    for (const auto& [k, v] : c.report.texts()) put_dotted(o, k, v);
    for (const auto& [k, v] : c.report.figures()) put_dotted(o, k, round_sig(v));
    for (const auto& [k, v] : c.report.latencies()) put_dotted(o, k, latency_json(v));
    comps[c.id] = o;
  }
  j["components"] = comps;
  ordered_json cost;
  cost["total_usd"] = round_sig(l.cost.total_usd);
  cost["per_million_requests_usd"] = round_sig(l.cost.per_million_requests_usd);
  ordered_json by = ordered_json::object();
  for (const auto& [k, v] : l.cost.by_component) by[k] = round_sig(v);
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
  j["availability_report"] = availability_json(l.availability);
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

// Student t quantile for a two-sided 95% interval with `df` degrees of freedom.
static double t95(std::size_t df) {
  static const double table[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201, 2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                 2.080, 2.074,  2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df == 0) return 0;
  if (df <= 30) return table[df];
  return 1.96 + 2.4 / static_cast<double>(df);  // close to the table beyond 30
}

static void collect(const ordered_json& j, const std::string& prefix, std::vector<std::string>& paths) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string p = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object()) collect(*it, p, paths);
    else if (it->is_number() && !it->is_boolean()) paths.push_back(p);
  }
}

static const ordered_json* at_path(const ordered_json& j, const std::string& path) {
  const ordered_json* cur = &j;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(key)) return nullptr;
    cur = &(*cur)[key];
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

static ordered_json* at_path_mut(ordered_json& j, const std::string& path) {
  return const_cast<ordered_json*>(at_path(j, path));
}

// A latency percentile ("latency_ms.p99", "components.web.queue_wait_ms.p95"): a key p<digits>
// under an object whose name ends in "_ms". Read from the histogram, it is its bucket's
// midpoint, within 1/256 of the true value (sim/histogram.h).
static bool histogram_percentile(const std::string& path) {
  const auto dot = path.rfind('.');
  if (dot == std::string::npos || dot < 3 || path.compare(dot - 3, 3, "_ms") != 0) return false;
  const std::string key = path.substr(dot + 1);
  return key.size() >= 2 && key[0] == 'p' && key.find_first_not_of("0123456789", 1) == std::string::npos;
}

// How often each alert rule fired over the replications: a rule that fires in one seed of
// five is not the rule the first replication's list alone suggests.
static ordered_json alert_replications(const std::vector<ordered_json>& runs) {
  struct Tally {
    std::string name;
    std::size_t runs_fired = 0, firings = 0;
    double first_sum = 0, first_min = 0, first_max = 0;
  };
  std::vector<Tally> tallies;
  for (const auto& r : runs) {
    const auto a = r.find("availability_report");
    if (a == r.end() || !a->contains("alerts")) continue;
    std::vector<std::pair<std::size_t, double>> first;  // tally index, earliest firing in this run
    for (const auto& al : (*a)["alerts"]) {
      const std::string name = al.value("alert", "");
      const double fired = al.value("fired_s", 0.0);
      std::size_t i = 0;
      while (i < tallies.size() && tallies[i].name != name) ++i;
      if (i == tallies.size()) tallies.push_back(Tally{name});
      ++tallies[i].firings;
      auto f = std::find_if(first.begin(), first.end(), [&](const auto& x) { return x.first == i; });
      if (f == first.end()) first.emplace_back(i, fired);
      else f->second = std::min(f->second, fired);
    }
    for (const auto& [i, t] : first) {
      Tally& x = tallies[i];
      x.first_min = x.runs_fired ? std::min(x.first_min, t) : t;
      x.first_max = x.runs_fired ? std::max(x.first_max, t) : t;
      x.first_sum += t;
      ++x.runs_fired;
    }
  }
  ordered_json out = ordered_json::array();
  for (const Tally& x : tallies)
    out.push_back(ordered_json{
        {"alert", x.name},
        {"replications_fired", x.runs_fired},
        {"replications", runs.size()},
        {"firings_per_replication", round_sig(static_cast<double>(x.firings) / static_cast<double>(runs.size()))},
        {"first_fired_s", ordered_json{{"mean", round_sig(x.first_sum / static_cast<double>(x.runs_fired))},
                                       {"min", round_sig(x.first_min)},
                                       {"max", round_sig(x.first_max)}}}});
  return out;
}

ordered_json merge_replications(const std::vector<ordered_json>& runs) {
  if (runs.size() == 1) return runs.front();
  ordered_json out = runs.front();
  // Paths of every run: a figure may exist only in the runs where it was defined (an MTTR
  // needs an outage); it is averaged over those runs and its interval says how many.
  std::vector<std::string> paths;
  for (const auto& r : runs) {
    std::vector<std::string> mine;
    collect(r, "", mine);
    for (auto& p : mine)
      if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(std::move(p));
  }
  ordered_json ci = ordered_json::object();
  const std::size_t n = runs.size();
  for (const std::string& p : paths) {
    if (p == "seed" || p.rfind("run.", 0) == 0) continue;
    std::vector<double> xs;
    for (const auto& r : runs)
      if (const ordered_json* v = at_path(r, p); v && v->is_number()) xs.push_back(v->get<double>());
    const std::size_t m = xs.size();
    if (m == 0) continue;
    double mean = 0;
    for (double x : xs) mean += x;
    mean /= static_cast<double>(m);
    double var = 0;
    for (double x : xs) var += (x - mean) * (x - mean);
    double half = m > 1 ? t95(m - 1) * std::sqrt(var / static_cast<double>(m - 1) / static_cast<double>(m)) : 0.0;
    // Replications whose percentiles fall in one bucket agree to the bucket, not exactly: the
    // interval is never narrower than what the histogram can tell apart.
    if (m > 1 && histogram_percentile(p))
      half = std::max(half, std::fabs(mean) / static_cast<double>(Histogram::kLinearLimit));
    ordered_json* target = at_path_mut(out, p);
    if (!target) {
      put_dotted(out, p, 0);
      target = at_path_mut(out, p);
    }
    bool integral = target->is_number_integer() || target->is_number_unsigned();
    *target = round_sig(mean);
    if (integral && std::floor(mean) == mean) *target = static_cast<std::int64_t>(mean);
    ci[p] = ordered_json{{"mean", round_sig(mean)},
                         {"lo", round_sig(mean - half)},
                         {"hi", round_sig(mean + half)},
                         {"half_width", round_sig(half)}};
    if (m != n) ci[p]["runs"] = m;
  }
  if (out.contains("availability_report")) out["availability_report"]["alert_replications"] = alert_replications(runs);
  out["replications"] = n;
  ordered_json seeds = ordered_json::array();
  for (const auto& r : runs) seeds.push_back(r["seed"]);
  out["seeds"] = seeds;
  out["ci95"] = ci;
  // run: totals over the replications.
  // The fingerprint of a set of replications hashes theirs in seed order.
  double wall = 0, events = 0;
  std::uint64_t fp = 0xcbf29ce484222325ULL;
  for (const auto& r : runs) {
    wall += r["run"]["wall_time_s"].get<double>();
    events += r["run"]["events"].get<double>();
    const auto& f = r["run"].find("fingerprint");
    if (f != r["run"].end()) fp = (fp ^ std::stoull(f->get<std::string>(), nullptr, 16)) * 0x100000001b3ULL;
  }
  out["run"] = ordered_json{{"wall_time_s", wall},
                            {"events", events},
                            {"events_per_s", wall > 0 ? events / wall : 0.0},
                            {"fingerprint", fingerprint_hex(fp)}};
  // Keep "run" last, where a reader looks for it.
  ordered_json run = out["run"];
  out.erase("run");
  out["run"] = run;
  judge_slo_on_means(out);
  return out;
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
  for (const auto& [ms, f] : r.latency_cdf) {
    out += "all,";
    append_g6(out, ms);
    out += ',';
    append_g6(out, f);
    out += '\n';
  }
  return out;
}

static bool write_whole(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

bool write_timeseries_csv(const RunResult& r, const std::filesystem::path& file) {
  return write_whole(file, timeseries_csv(r));
}

bool write_latency_cdf_csv(const RunResult& r, const std::filesystem::path& file) {
  return write_whole(file, latency_cdf_csv(r));
}

}  // namespace archsim
