#include "reports/html_sections.h"

#include <cmath>

#include "reports/html_json.h"
#include "reports/html_page.h"

namespace archsim::reports::sections {

using nlohmann::json;
using js::num_at;
using js::str_at;

namespace {

std::string n(double v, int digits = 4) { return html::number(v, digits); }

// A count: whole numbers in full; a mean over replications keeps two decimals.
std::string count(double v) { return std::isnan(v) ? "–" : html::number(v, std::floor(v) == v ? 15 : 3); }

std::string nines(const json& v) { return v.is_number() ? n(v.get<double>(), 3) : std::string("∞ (no failure)"); }

// "at" times and durations; null means "never".
std::string when(const json& v) { return v.is_number() ? duration_text(v.get<double>()) : std::string("never"); }

bool object_at(const json& j, const char* key) { return j.is_object() && j.contains(key) && j[key].is_object(); }

}  // namespace

std::string duration_text(double s) {
  if (std::isnan(s)) return "–";
  const double a = std::fabs(s);
  if (a < 120) return n(s, 4) + " s";
  if (a < 2 * 3600) return n(s / 60, 3) + " min";
  if (a < 2 * 86400) return n(s / 3600, 3) + " h";
  return n(s / 86400, 3) + " days";
}

std::string availability(const json& s) {
  if (!object_at(s, "availability_report")) return {};
  const json& a = s["availability_report"];
  const bool has_slo = object_at(s, "slo") && s["slo"].contains("met");
  auto non_empty = [&](const char* k) { return a.contains(k) && !a[k].empty(); };
  if (!non_empty("faults") && !non_empty("alerts") && !non_empty("alert_replications") && !non_empty("components") &&
      !has_slo)
    return {};

  std::string out = "<h2 id=\"availability\">Availability</h2>\n";
  // What a window is judged against.
  std::string slo_text;
  if (object_at(a, "slo")) {
    const json& slo = a["slo"];
    slo_text = "availability ≥ " + html::percent(num_at(slo, "availability"));
    if (!std::isnan(num_at(slo, "latency_p99_ms"))) slo_text += " and p99 ≤ " + n(num_at(slo, "latency_p99_ms")) + " ms";
    if (slo.contains("assumed")) slo_text += " (the scenario sets no SLO: 99.9% assumed)";
  }
  html::Table t{{"measure", "value", "nines", "what it counts"}, {}, {false, true, true, false},
                "A window meets the SLO when " + html::escape(slo_text) + "."};
  t.rows.push_back({"of requests", js::with_ci(s, "availability_report.requests", num_at(a, "requests"), true),
                    nines(a.value("nines", json::object()).value("requests", json())), "requests served / requests finished"});
  const double total = num_at(a, "windows.total"), met = num_at(a, "windows.meeting_slo");
  t.rows.push_back({"of time", js::with_ci(s, "availability_report.time", num_at(a, "time"), true),
                    nines(a.value("nines", json::object()).value("time", json())),
                    count(met) + " of " + count(total) + " windows after warm-up meet the SLO"});
  if (object_at(a, "error_budget")) {
    const json& b = a["error_budget"];
    const std::string consumed = b.contains("consumed") && b["consumed"].is_number()
                                     ? js::with_ci(s, "availability_report.error_budget.consumed", b["consumed"].get<double>(), true)
                                     : std::string("–");
    t.rows.push_back({"error budget consumed", consumed, "",
                      count(num_at(b, "failures")) + " failed requests of " + n(num_at(b, "allowed_failures")) +
                          " the SLO allows over the run"});
  }
  out += t.render();

  if (object_at(a, "components") && !a["components"].empty()) {
    html::Table c{{"component", "uptime", "outages", "downtime", "MTBF", "MTTR", "injected failures", "mean repair", "OOM kills"},
                  {}, {false, true, true, true, true, true, true, true, true},
                  "Observed per component: an outage is a stretch with no ready replica; MTBF is the mean up time "
                  "between outages, MTTR the mean outage length."};
    for (const auto& [id, x] : a["components"].items()) {
      auto d = [&x = x](const char* k) { return duration_text(num_at(x, k)); };  // clang < 16 captures no binding
      c.rows.push_back({"<strong>" + html::escape(id) + "</strong>", html::percent(num_at(x, "uptime")),
                        count(num_at(x, "outages")), d("downtime_s"), d("mtbf_s"), d("mttr_s"),
                        count(num_at(x, "injected_failures")), d("injected_mttr_s"), count(num_at(x, "oom_kills"))});
    }
    out += c.render();
  }
  if (a.contains("faults") && a["faults"].is_array() && !a["faults"].empty()) {
    html::Table f{{"fault", "from", "to", "lasted", "time to detect", "time to recover"}, {},
                  {false, true, true, true, true, true},
                  "Time to detect: from the fault's start to the end of the first window that breaks the SLO. Time to recover: "
                  "from the fault's end to the end of the first window that meets it again. Shaded on the time charts."};
    for (const json& x : a["faults"]) {
      const double st = num_at(x, "start_s"), en = num_at(x, "end_s");
      f.rows.push_back({html::escape(str_at(x, "fault")), duration_text(st), duration_text(en), duration_text(en - st),
                        when(x.value("time_to_detect_s", json())), when(x.value("time_to_recover_s", json()))});
    }
    out += "<h3>Faults</h3>\n" + f.render();
  }
  if (a.contains("alerts") && a["alerts"].is_array() && !a["alerts"].empty()) {
    html::Table al{{"alert", "fired", "resolved", "firing for"}, {}, {false, true, true, true},
                   "Marked on the time charts by a vertical line where each fired."};
    for (const json& x : a["alerts"]) {
      const json res = x.value("resolved_s", json());
      al.rows.push_back({html::escape(str_at(x, "alert")), duration_text(num_at(x, "fired_s")), when(res),
                         res.is_number() ? duration_text(res.get<double>() - num_at(x, "fired_s")) : "until the end"});
    }
    out += "<h3>Alerts</h3>\n" + al.render();
  }
  if (non_empty("alert_replications")) {
    html::Table tally{{"alert", "replications it fired in", "firings per replication", "first firing: mean",
                       "earliest", "latest"},
                      {}, {false, true, true, true, true, true},
                      "Over all the replications; the Alerts table and the charts' marks are the first replication's."};
    for (const json& x : a["alert_replications"]) {
      const json& f = x["first_fired_s"];
      tally.rows.push_back({html::escape(str_at(x, "alert")),
                        count(num_at(x, "replications_fired")) + " of " + count(num_at(x, "replications")),
                        n(num_at(x, "firings_per_replication"), 3), duration_text(num_at(f, "mean")),
                        duration_text(num_at(f, "min")), duration_text(num_at(f, "max"))});
    }
    out += "<h3>Alerts over the replications</h3>\n" + tally.render();
  }
  return out;
}

std::string resilience(const json& s) {
  if (!object_at(s, "components")) return {};
  html::Table t{{"caller → callee", "calls", "attempts", "attempts per call", "retries", "attempt timeouts", "failed",
                 "circuit open", "bulkhead full"},
                {}, {false, true, true, true, true, true, true, true, true},
                "Attempts per call is the load the callee sees per request its caller wanted answered: above 1, retries "
                "amplify the load, and in an overload they feed it."};
  auto row = [&](const std::string& who, const json& r) {
    const double calls = num_at(r, "calls"), attempts = num_at(r, "attempts");
    if (std::isnan(calls) || std::isnan(attempts)) return;
    t.rows.push_back({html::escape(who), count(calls), count(attempts),
                      calls > 0 ? "<strong>" + n(attempts / calls, 3) + "×</strong>" : std::string("–"),
                      count(num_at(r, "retries")), count(num_at(r, "attempt_timeouts")), count(num_at(r, "failed")),
                      count(num_at(r, "circuit_open")), count(num_at(r, "bulkhead_full"))});
  };
  for (const auto& [id, c] : s["components"].items()) {
    if (object_at(c, "resilience")) row(id + " (its requests)", c["resilience"]);
    if (object_at(c, "calls"))
      for (const auto& [callee, r] : c["calls"].items())
        if (r.is_object()) row(id + " → " + callee, r);
  }
  if (t.rows.empty()) return {};
  return "<h2 id=\"resilience\">Retries and amplification</h2>\n" + t.render();
}

std::string balancing(const json& s) {
  if (!object_at(s, "components")) return {};
  std::string out;
  for (const auto& [id, c] : s["components"].items()) {
    if (!object_at(c, "backends")) continue;
    std::string caption = "Balancer <strong>" + html::escape(id) + "</strong>";
    if (const std::string alg = str_at(c, "algorithm"); !alg.empty()) caption += ", " + html::escape(alg);
    if (!std::isnan(num_at(c, "imbalance_cv")))
      caption += "; imbalance " + n(num_at(c, "imbalance_cv"), 3) +
                 " (coefficient of variation of the mean requests in flight per backend and unit of weight; 0 = the "
                 "load follows the weights)";
    html::Table t{{"backend", "weight", "share", "requests", "errors", "in flight (mean)", "ejections", "time ejected"},
                  {}, {false, true, true, true, true, true, true, true}, caption};
    for (const auto& [b, x] : c["backends"].items()) {
      t.rows.push_back({html::escape(b), n(num_at(x, "weight")), html::percent(num_at(c, "share." + b)),
                        count(num_at(x, "requests")), count(num_at(x, "errors")), n(num_at(x, "in_flight"), 3),
                        count(num_at(x, "ejections")), html::percent(num_at(x, "ejected_fraction"))});
    }
    out += t.render();
  }
  return out.empty() ? out : "<h2 id=\"balancing\">Load balancing</h2>\n" + out;
}

std::string autoscaling(const json& s) {
  if (!object_at(s, "components")) return {};
  html::Table t{{"autoscaler", "scale events", "ups", "downs", "desired at the end", "peak desired", "mean desired",
                 "held by stabilization", "last reason"},
                {}, {false, true, true, true, true, true, true, true, false},
                "Scale events are marked on the time charts; the replicas chart shows desired against ready."};
  for (const auto& [id, c] : s["components"].items()) {
    if (str_at(c, "type") != "autoscaler") continue;
    t.rows.push_back({"<strong>" + html::escape(id) + "</strong>", count(num_at(c, "scale_events")),
                      count(num_at(c, "scale_ups")), count(num_at(c, "scale_downs")), count(num_at(c, "desired_replicas")),
                      count(num_at(c, "peak_desired_replicas")), n(num_at(c, "mean_desired_replicas"), 3),
                      count(num_at(c, "stabilization_holds")), html::escape(str_at(c, "last_reason"))});
  }
  if (t.rows.empty()) return {};
  return "<h2 id=\"autoscaling\">Autoscaling</h2>\n" + t.render();
}

std::string analysis(const json& s, const json& a) {
  if (!object_at(a, "components") || !object_at(s, "components")) return {};
  html::Table t{{"component", "formula", "arrivals / s (est.)", "throughput / s (sim.)", "utilization (est.)",
                 "utilization (sim.)", "response ms (est.)", "latency ms (sim., mean)"},
                {}, {false, false, true, true, true, true, true, true},
                "The estimate is the open queueing network analyze solves at the peak offered load (closed-loop "
                "clients by mean value analysis), each station by the formula named; the simulation runs the whole "
                "profile, faults and policies included, so they agree only where the formula's assumptions hold "
                "(docs/analyze.md)."};
  for (const auto& [id, e] : a["components"].items()) {
    if (str_at(e, "formula").empty() || !s["components"].contains(id)) continue;
    const json& c = s["components"][id];
    t.rows.push_back({"<strong>" + html::escape(id) + "</strong>", html::escape(str_at(e, "formula")),
                      n(num_at(e, "arrival_rps")), n(num_at(c, "throughput_rps")), html::percent(num_at(e, "utilization")),
                      html::percent(num_at(c, "utilization")), n(num_at(e, "response_ms")), n(num_at(c, "latency_ms.mean"))});
  }
  if (t.rows.empty()) return {};
  std::string intro;
  if (object_at(a, "closed_loop"))
    intro = "<p>Closed loop: " + n(num_at(a, "closed_loop.users")) + " users at " +
            n(num_at(a, "closed_loop.throughput_rps")) + " requests / s by " +
            html::escape(str_at(a["closed_loop"], "formula")) + "; simulated " + n(num_at(s, "throughput_rps")) + ".</p>\n";
  return "<h2 id=\"analysis\">Analysis beside the simulation</h2>\n" + intro + t.render();
}

}  // namespace archsim::reports::sections
