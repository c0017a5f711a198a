#include "reports/table.h"

#include "reports/number_text.h"
#include "reports/slo_gate.h"
#include "scenario/errors.h"
#include "sim/text_list.h"

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>

namespace archsim {

using nlohmann::ordered_json;

static double num(const ordered_json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
}

static std::string fmt(double v, int prec = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

// Whether `s` merges several replications (reports/summary.h merge_replications).
static bool merged_replications(const ordered_json& s) {
  return s.contains("replications") && s["replications"].get<int>() > 1;
}

// A latency in ms for a table cell: four significant digits, grouped thousands ("23,018",
// "47.81", "0.4375"), "-" when missing.
static std::string ms_cell(const ordered_json& l, const char* key) {
  return l.contains(key) && l[key].is_number() ? readable_number(l[key].get<double>(), 4) : std::string("-");
}

// " ±x" when the summary holds a confidence interval for `path`.
static std::string ci(const ordered_json& s, const std::string& path, int prec = 2) {
  if (!s.contains("ci95") || !s["ci95"].contains(path)) return "";
  return " ±" + fmt(s["ci95"][path]["half_width"].get<double>(), prec);
}

// The SLO's verdict and one line per objective: target, value, met or MISSED, and a caveat
// when the percentile's histogram bucket straddles the target.
static std::string slo_lines(const ordered_json& slo) {
  std::ostringstream o;
  o << "\nSLO  " << (slo["met"].get<bool>() ? "met" : "MISSED");
  if (slo.contains("population") && slo["population"].value("scoped", false))
    o << "  (judged on " << slo["population"].value("label", "") << ")";
  o << "\n";
  if (!slo.contains("objectives")) return o.str();
  for (const ordered_json& ob : slo["objectives"]) {
    char line[256];
    std::snprintf(line, sizeof line, "  %-32s %14s %14s  %s", slo_objective_label(ob).c_str(), slo_objective_target(ob).c_str(),
                  slo_objective_value(ob).c_str(), ob.value("met", false) ? "met" : "MISSED");
    o << line;
    if (const std::string c = slo_objective_caveat(ob); !c.empty()) o << " (" << c << ")";
    if (const std::string d = slo_objective_detail(ob); !d.empty()) o << " (" << d << ")";
    if (ob.contains("judged_on")) o << " (" << ob["judged_on"].get<std::string>() << ")";
    o << "\n";
  }
  return o.str();
}

// Availability: of time (windows meeting the SLO), nines, error budget, MTBF/MTTR, faults
// with time to detect/recover, alerts. Printed when there is something to say about failures.
static std::string availability_section(const ordered_json& s, const ordered_json& a) {
  const bool tallied = a.contains("alert_replications") && !a["alert_replications"].empty();
  bool any = !a["faults"].empty() || !a["alerts"].empty() || tallied || !a["components"].empty() ||
             (s.contains("slo") && s["slo"].contains("met"));
  if (!any) return "";
  std::ostringstream o;
  auto opt = [](const ordered_json& v, const char* unit) { return v.is_number() ? fmt(v.get<double>(), 1) + unit : std::string("never"); };
  o << "\navailability  requests "
    << (a.contains("requests") && a["requests"].is_number() ? fmt(num(a, "requests") * 100, 4) + "%" + ci(s, "availability_report.requests", 5)
                                  : std::string("n/a (no requests)"));
  if (a["nines"]["requests"].is_number()) o << " (" << fmt(a["nines"]["requests"].get<double>(), 2) << " nines)";
  o << "   time " << fmt(num(a, "time") * 100, 2) << "%" << ci(s, "availability_report.time", 3) << " of "
    << fmt(num(a["windows"], "total"), 0) << " windows meet the SLO";
  if (a["slo"].contains("assumed")) o << " (no slo given: 99.9% assumed)";
  if (a.contains("population") && a["population"] != "all requests") o << " (" << a["population"].get<std::string>() << ")";
  o << "\n";
  const ordered_json& b = a["error_budget"];
  o << "error budget  " << group_thousands(fmt(num(b, "failures"), 0)) << " failures of "
    << group_thousands(fmt(num(b, "allowed_failures"), 1)) << " allowed";
  if (b["consumed"].is_number())
    o << ": " << group_thousands(fmt(b["consumed"].get<double>() * 100, 1)) << "% consumed"
      << ci(s, "availability_report.error_budget.consumed", 3);
  o << "\n";
  for (auto it = a["components"].begin(); it != a["components"].end(); ++it) {
    const ordered_json& c = *it;
    o << "  " << it.key() << ": uptime " << fmt(num(c, "uptime") * 100, 3) << "%, " << fmt(num(c, "outages"), std::floor(num(c, "outages")) == num(c, "outages") ? 0 : 2) << " outages";
    if (c.contains("mtbf_s")) o << ", MTBF " << fmt(num(c, "mtbf_s"), 1) << " s, MTTR " << fmt(num(c, "mttr_s"), 1) << " s";
    if (c.contains("injected_failures")) o << "; " << fmt(num(c, "injected_failures"), 0) << " injected failures";
    if (c.contains("injected_mttr_s")) o << " (mean repair " << fmt(num(c, "injected_mttr_s"), 1) << " s)";
    if (c.contains("oom_kills")) o << "; " << fmt(num(c, "oom_kills"), 0) << " OOM kills";
    o << "\n";
  }
  for (const ordered_json& f : a["faults"])
    o << "  fault " << f.value("fault", "") << " at " << fmt(num(f, "start_s"), 0) << " s: detected after "
      << opt(f["time_to_detect_s"], " s") << ", recovered " << opt(f["time_to_recover_s"], " s") << " after it ended\n";
  // Merged replications: how often each rule fired, then the first replication's firings
  // (the ones its charts mark), said to be that replication's.
  if (a.contains("alert_replications"))
    for (const ordered_json& t : a["alert_replications"]) {
      const ordered_json& f = t["first_fired_s"];
      o << "  alert " << t.value("alert", "") << ": fired in " << fmt(num(t, "replications_fired"), 0) << " of "
        << fmt(num(t, "replications"), 0) << " replications, first at " << fmt(num(f, "mean"), 0) << " s on average ("
        << fmt(num(f, "min"), 0) << " to " << fmt(num(f, "max"), 0) << " s)\n";
    }
  const char* whose = merged_replications(s) ? " (replication 1)" : "";
  for (const ordered_json& al : a["alerts"])
    o << "  alert " << al.value("alert", "") << " fired at " << fmt(num(al, "fired_s"), 0) << " s, resolved "
      << (al["resolved_s"].is_number() ? "at " + fmt(al["resolved_s"].get<double>(), 0) + " s" : std::string("never")) << whose
      << "\n";
  return o.str();
}

std::string terminal_table(const ordered_json& s) {
  std::ostringstream o;
  char line[512];
  o << "scenario " << s.value("scenario", "") << "  seed " << s.value("seed", 0);
  if (s.contains("replications")) o << "  replications " << s["replications"].get<int>();
  o << "  duration " << fmt(num(s, "duration_s"), 0) << " s";
  if (num(s, "warmup_s") > 0) o << " (warm-up " << fmt(num(s, "warmup_s"), 0) << " s)";
  o << "\n";
  // The what-if on the first lines: figures below are of the scenario as changed.
  if (s.contains("run") && s["run"].contains("overrides") && s["run"]["overrides"].is_array() &&
      !s["run"]["overrides"].empty()) {
    std::string sets;
    for (const auto& x : s["run"]["overrides"])
      if (x.is_string()) append_item(sets, "  ", "--set " + printable(x.get<std::string>()));
    o << "with " << sets << "\n";
  }
  if (s.contains("run") && s["run"].value("partial", false))
    o << "PARTIAL  interrupted at " << fmt(num(s["run"], "simulated_s"), 1) << " s of simulated time: the figures cover only that\n";
  o << "\n";
  const ordered_json& r = s["requests"];
  // Merged replications hold each count's mean, rounded here and said to be a mean.
  const bool merged = merged_replications(s);
  o << "requests" << (merged ? " (mean per replication)" : "") << "  " << group_thousands(fmt(num(r, "total"), 0)) << " total, "
    << group_thousands(fmt(num(r, "ok"), 0)) << " ok, " << group_thousands(fmt(num(r, "failed"), 0)) << " failed";
  std::string causes;
  for (auto it = r["by_cause"].begin(); it != r["by_cause"].end(); ++it)
    if (it->get<double>() > 0) append_item(causes, ", ", it.key() + " " + group_thousands(fmt(it->get<double>(), 0)));
  if (!causes.empty()) o << " (" << causes << ")";
  o << "\n";
  o << "availability  "
    << (s.contains("availability") && s["availability"].is_number()
            ? fmt(num(s, "availability") * 100, 3) + "%" + ci(s, "availability", 5)
            : std::string("n/a (no requests)"))
    << "    throughput  " << fmt(num(s, "throughput_rps"), 1) << " req/s" << ci(s, "throughput_rps", 1) << "\n";
  // Fixed-count load tests (a client's "iterations"), as ab prints them.
  if (s.contains("components"))
    for (auto it = s["components"].begin(); it != s["components"].end(); ++it) {
      if (!it->is_object() || !it->contains("load_test")) continue;
      const ordered_json& t = (*it)["load_test"];
      o << "load test " << it.key() << "  " << fmt(num(t, "requests"), 0) << " requests by " << fmt(num(t, "users"), 0)
        << " users in " << fmt(num(t, "duration_s"), 3) << " s: " << fmt(num(t, "requests_per_s"), 1)
        << " req/s, " << fmt(num(t, "time_per_request_ms"), 1) << " ms per request";
      if (num(t, "iterations_interrupted") > 0)
        o << "; cut at the duration with " << fmt(num(t, "iterations_interrupted"), 0) << " of "
          << fmt(num(t, "iterations_planned"), 0) << " iterations not run";
      o << "\n";
    }
  if (s.contains("ended_s")) o << "the run ended at " << fmt(num(s, "ended_s"), 3) << " s, when its load tests ended\n";
  o << "\n";

  auto lat_row = [&](const std::string& name, const ordered_json& l, const std::string& path) {
    std::snprintf(line, sizeof line, "%-18s %9s %9s %9s %9s %9s %9s %9s\n", name.c_str(), ms_cell(l, "mean").c_str(),
                  ms_cell(l, "p50").c_str(), ms_cell(l, "p90").c_str(), ms_cell(l, "p95").c_str(),
                  ms_cell(l, "p99").c_str(), ms_cell(l, "p999").c_str(), ms_cell(l, "max").c_str());
    o << line;
    std::string c = ci(s, path + ".p99");
    if (!c.empty()) o << std::string(18, ' ') << "  p99 95% CI" << c << " ms\n";
  };
  std::snprintf(line, sizeof line, "%-18s %9s %9s %9s %9s %9s %9s %9s\n", "latency (ms)", "mean", "p50", "p90", "p95",
                "p99", "p99.9", "max");
  o << line;
  // Successful requests, then every request that ended (a failed one at the time it failed):
  // the first alone reads best when requests fail, since the survivors are the fast ones.
  lat_row("ok requests", s["latency_ms"], "latency_ms");
  if (s.contains("latency_all_ms")) lat_row("all requests", s["latency_all_ms"], "latency_all_ms");
  for (auto it = s["routes"].begin(); it != s["routes"].end(); ++it)
    lat_row("  route " + it.key(), (*it)["latency_ms"], "routes." + it.key() + ".latency_ms");
  o << "\n";
  // An "oom kills" column when some component has a memory limit (it reports oom_kills).
  bool memory = false;
  for (const auto& c : s["components"]) memory = memory || c.contains("oom_kills");
  std::snprintf(line, sizeof line, "%-18s %-9s %11s %8s %9s %9s %9s", "component", "type", "throughput", "util",
                "queue", "p50 ms", "p99 ms");
  o << line << (memory ? "  oom kills\n" : "\n");
  for (auto it = s["components"].begin(); it != s["components"].end(); ++it) {
    const ordered_json& c = *it;
    std::string util = c.contains("utilization") ? fmt(num(c, "utilization") * 100, 1) + "%" : "-";
    std::string queue = c.contains("queue_length") ? fmt(num(c, "queue_length"), 2) : "-";
    std::string p50 = "-", p99 = "-";
    if (c.contains("latency_ms")) {
      p50 = ms_cell(c["latency_ms"], "p50");
      p99 = ms_cell(c["latency_ms"], "p99");
    }
    std::snprintf(line, sizeof line, "%-18s %-9s %11s %8s %9s %9s %9s", it.key().c_str(), c.value("type", "").c_str(),
                  (group_thousands(fmt(num(c, "throughput_rps"), 1)) + "/s").c_str(), util.c_str(), queue.c_str(),
                  p50.c_str(), p99.c_str());
    o << line;
    if (memory) o << "  " << std::setw(9) << (c.contains("oom_kills") ? group_thousands(fmt(num(c, "oom_kills"), 0)) : "-");
    o << "\n";
  }
  // Components that report a hit ratio (caches, CDNs): their cache figures, those present.
  for (auto it = s["components"].begin(); it != s["components"].end(); ++it) {
    const ordered_json& c = *it;
    if (!c.contains("hit_ratio") || !c["hit_ratio"].is_number()) continue;
    o << "  " << it.key() << ": hit ratio " << fmt(num(c, "hit_ratio") * 100, 1) << "%" << ci(s, "components." + it.key() + ".hit_ratio", 1);
    auto count = [&](const char* key, const char* label) {
      if (c.contains(key) && c[key].is_number()) o << ", " << fmt(num(c, key), 0) << " " << label;
    };
    count("lookups", "lookups");
    count("evictions", "evictions");
    count("backend_reads", "backend reads");
    count("stale_reads", "stale reads");
    count("local_copies", "local copies");
    count("local_inconsistent_reads", "reads inconsistent between copies");
    count("lost_writes", "lost writes");
    count("failovers", "failovers");
    o << "\n";
  }
  // Serverless functions: what their bill and their users' first requests depend on.
  for (auto it = s["components"].begin(); it != s["components"].end(); ++it) {
    const ordered_json& c = *it;
    if (!c.contains("cold_starts") || !c.contains("invocations")) continue;
    o << "  " << it.key() << ": " << group_thousands(fmt(num(c, "invocations"), 0)) << " invocations, "
      << group_thousands(fmt(num(c, "cold_starts"), 0)) << " cold starts (" << fmt(num(c, "cold_start_share") * 100, 2)
      << "%), " << group_thousands(fmt(num(c, "throttled"), 0)) << " throttled, peak "
      << fmt(num(c, "peak_environments"), 0) << " environments, " << group_thousands(fmt(num(c, "billed_gb_seconds"), 0))
      << " GB-s billed";
    // Handler timeouts and asynchronous events given up, when the run had any.
    if (num(c, "timeouts") > 0) o << ", " << group_thousands(fmt(num(c, "timeouts"), 0)) << " timed out";
    if (c.contains("async")) o << ", " << group_thousands(fmt(num(c["async"], "dead_lettered"), 0)) << " dead-lettered";
    o << "\n";
  }
  // Long-lived connections: held by services, reconnected by clients.
  for (auto it = s["components"].begin(); it != s["components"].end(); ++it) {
    const ordered_json& c = *it;
    if (c.contains("connections_peak_per_instance"))
      o << "  " << it.key() << ": " << group_thousands(fmt(num(c, "connections_mean"), 0)) << " connections open on average (peak "
        << group_thousands(fmt(num(c, "connections_peak"), 0)) << ", " << group_thousands(fmt(num(c, "connections_peak_per_instance"), 0))
        << " on one instance), " << group_thousands(fmt(num(c, "connections_opened"), 0)) << " opened, "
        << group_thousands(fmt(num(c, "connections_refused"), 0)) << " refused, "
        << group_thousands(fmt(num(c, "connections_dropped"), 0)) << " dropped\n";
    if (c.contains("connection_attempts_peak_per_s"))
      o << "  " << it.key() << ": " << group_thousands(fmt(num(c, "reconnects"), 0)) << " reconnects, peak "
        << group_thousands(fmt(num(c, "connection_attempts_peak_per_s"), 0)) << " connection attempts in one second, "
        << group_thousands(fmt(num(c, "gave_up"), 0)) << " users gave up\n";
  }
  // Components that keep a message ledger (queues): the ledger, and the dual write's two
  // anomalies when the component sees the business write.
  // A component with topics (a queue's "topics" object) has one line per topic as well.
  auto ledger_line = [&](const std::string& name, const ordered_json& c) {
    if (!c.contains("produced") || !c["produced"].is_number() || !c.contains("consumed")) return;
    o << "  " << name << ": " << fmt(num(c, "produced"), 0) << " produced";
    auto count = [&](const char* key, const char* label) {
      if (c.contains(key) && c[key].is_number()) o << ", " << fmt(num(c, key), 0) << " " << label;
    };
    count("consumed", "consumed");
    count("dead_lettered", "dead-lettered");
    count("lost", "lost");
    count("retained", "retained");
    count("duplicates", "duplicates");
    count("writes_without_event", "writes without event");
    count("events_without_write", "events without write");
    o << "\n";
  };
  for (auto it = s["components"].begin(); it != s["components"].end(); ++it) {
    ledger_line(it.key(), *it);
    if (it->contains("topics") && (*it)["topics"].is_object())
      for (auto t = (*it)["topics"].begin(); t != (*it)["topics"].end(); ++t) ledger_line(it.key() + ".topics." + t.key(), *t);
  }
  if (s.contains("cost") && num(s["cost"], "total_usd") > 0)
    o << "\ncost  $" << fmt(num(s["cost"], "total_usd"), 4) << " total, $"
      << fmt(num(s["cost"], "per_million_requests_usd"), 4) << " per million requests\n";
  if (s.contains("slo") && s["slo"].contains("met")) o << slo_lines(s["slo"]);
  if (s.contains("availability_report")) o << availability_section(s, s["availability_report"]);
  // Names come from the user (a summary.json `archsim report` reads may hold anything): no
  // control character reaches the terminal.
  return printable(o.str(), /*keep_line_breaks=*/true);
}

}  // namespace archsim
