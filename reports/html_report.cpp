#include "reports/html_report.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/chart_scripts.h"
#include "reports/html_compare_series.h"
#include "reports/html_data.h"
#include "reports/html_interactive.h"
#include "reports/html_json.h"
#include "reports/html_marks.h"
#include "reports/html_page.h"
#include "reports/html_pareto.h"
#include "reports/html_sections.h"
#include "reports/html_traces.h"
#include "reports/html_topology.h"
#include "reports/html_whatif.h"
#include "reports/slo_gate.h"
#include "sim/text_list.h"

namespace archsim::reports {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using namespace js;
using html::card;
using html::page_start;
using html::write_page;

// ---------------------------------------------------------------- files and JSON

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---------------------------------------------------------------- charts

struct Chart {
  std::string name;     // base name of the script and of its outputs
  std::string title;    // heading on the page
  std::string caption;  // what to look for
  std::vector<std::string> data_files;
  json panels = json::array();  // interactive graphs built by the caller; empty: read from data_files
};

struct Drawing {
  bool gnuplot_found = false;
  bool scripts_found = false;
  int drawn = 0;
  std::vector<std::string> failed;
  std::vector<std::string> kept_edits;
};

// Removes outputs of an earlier report so that a chart the data no longer calls for
// does not linger on the page. Only names this file writes are touched.
void remove_stale(const fs::path& charts, const std::vector<std::string>& names,
                  const std::vector<std::string>& data_files) {
  std::error_code ec;
  for (const auto& n : names) {
    fs::remove(charts / (n + ".svg"), ec);
    fs::remove(charts / (n + ".png"), ec);
  }
  for (const auto& d : data_files) fs::remove(charts / d, ec);
  fs::remove(charts / "gnuplot.log", ec);
}

// Copies `file` from the templates unless DIR/charts holds an edited copy.
void install_script(const fs::path& templates, const fs::path& charts, const std::string& file,
                    Drawing& d) {
  // A hidden copy of what was installed last tells a student's edit from an older
  // template: only the former is kept when the templates change.
  const fs::path src = templates / file, dst = charts / file, installed = charts / ("." + file + ".installed");
  std::error_code ec;
  if (fs::exists(dst, ec)) {
    const std::string now = read_text(dst);
    const bool pristine = fs::exists(installed, ec) && read_text(installed) == now;
    if (now != read_text(src) && !pristine) {
      d.kept_edits.push_back(file);
      return;
    }
  }
  fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
  fs::copy_file(src, installed, fs::copy_options::overwrite_existing, ec);
}

// Installs the chart scripts and, when `run`, draws each chart with gnuplot.
Drawing draw(const fs::path& charts, const fs::path& templates, const std::vector<Chart>& list, bool run = true) {
  Drawing d;
  std::error_code ec;
  d.scripts_found = !templates.empty() && fs::is_regular_file(templates / "style.gp", ec);
  if (d.scripts_found) {
    install_script(templates, charts, "style.gp", d);
    for (const auto& c : list) {
      if (fs::is_regular_file(templates / (c.name + ".gp"), ec)) install_script(templates, charts, c.name + ".gp", d);
    }
  }
  if (!run) return d;
  const auto gnuplot = find_on_path("gnuplot");
  d.gnuplot_found = gnuplot.has_value();
  if (!d.gnuplot_found) return d;
  for (const auto& c : list) {
    if (!fs::is_regular_file(charts / (c.name + ".gp"), ec)) {
      d.failed.push_back(c.name);
      continue;
    }
    const int status = run_in_dir(*gnuplot, c.name + ".gp", charts, charts / "gnuplot.log");
    const fs::path svg = charts / (c.name + ".svg");
    if (status == 0 && fs::is_regular_file(svg, ec) && fs::file_size(svg, ec) > 0) {
      ++d.drawn;
    } else {
      // A failed script leaves a truncated file; no chart is better than a broken one.
      fs::remove(svg, ec);
      fs::remove(charts / (c.name + ".png"), ec);
      d.failed.push_back(c.name);
    }
  }
  return d;
}

// The notice shown instead of (or beside) charts, and the one-line message.
std::string charts_notice(const fs::path& dir, const Drawing& d, std::string& message) {
  const std::string redo = "<code>archsim report " + html::escape(dir.string()) + "</code>";
  std::string notice;
  if (!d.gnuplot_found) {
    notice = "<p class=\"notice\"><strong>Charts are not drawn:</strong> gnuplot was not found on PATH. "
             "The chart data and scripts are in <code>charts/</code>. To see the charts, "
             "install gnuplot (<code>apt-get install gnuplot-nox</code>) and run " + redo + ".</p>\n";
    message = "charts not drawn: gnuplot not found; install gnuplot (apt-get install gnuplot-nox) and run `archsim report " +
              dir.string() + "`";
  } else if (!d.scripts_found) {
    notice = "<p class=\"notice\"><strong>Charts are not drawn:</strong> the chart scripts (tools/charts/*.gp) "
             "were not found. Set <code>ARCHSIM_CHARTS</code> to that folder and run " + redo + ".</p>\n";
    message = "charts not drawn: chart scripts not found (set ARCHSIM_CHARTS to tools/charts)";
  } else if (!d.failed.empty()) {
    const std::string names = join_items(d.failed, ", ");
    notice = "<p class=\"notice\"><strong>Some charts failed:</strong> " + html::escape(names) +
             ". gnuplot's messages are in <code>charts/gnuplot.log</code>.</p>\n";
    message = std::to_string(d.drawn) + " charts drawn; failed: " + names + " (see charts/gnuplot.log)";
  } else {
    message = std::to_string(d.drawn) + " charts drawn";
  }
  if (!d.kept_edits.empty()) {
    const std::string names = join_items(d.kept_edits, ", ");
    notice += "<p class=\"notice\">Your edited chart scripts were kept and used: <code>" + html::escape(names) +
              "</code> (delete one to get the template back).</p>\n";
    message += "; kept edited " + names;
  }
  return notice;
}

// `payload`, when given, collects the interactive charts (html_interactive.h): each figure then
// holds its interactive graphs with the static SVG below them, in a <details> the page's
// script closes once the graphs are drawn.
std::string figures(const fs::path& charts, const std::vector<Chart>& list, json* payload = nullptr) {
  std::string out;
  int n = 0;
  for (const auto& c : list) {
    ++n;
    const fs::path svg_file = charts / (c.name + ".svg");
    std::error_code ec;
    std::optional<std::string> svg;
    if (fs::is_regular_file(svg_file, ec)) svg = html::inline_svg(read_text(svg_file), "c" + std::to_string(n) + "-", c.title);
    const std::string name = html::escape(c.name);
    out += "<figure id=\"chart-" + name + "\">\n";
    std::string live;
    if (payload != nullptr && !c.panels.empty()) {
      live = interactive::place(c.name, c.panels, *payload);
    } else if (payload != nullptr) {
      std::vector<interactive::Panel> panels;
      for (const auto& d : c.data_files)
        if (auto p = interactive::panel_for(d)) panels.push_back(*p);
      live = interactive::placeholder(charts, c.name, panels, *payload);
    }
    if (!live.empty()) out += "<p class=\"ichart-title\"><strong>" + html::escape(c.title) + "</strong></p>\n" + live +
                              "<details class=\"static\" open><summary>Static chart (gnuplot: the same data and marks)</summary>\n";
    if (svg) out += *svg + "\n";
    else out += "<p><strong>" + html::escape(c.title) + "</strong> (not drawn)</p>\n";
    if (!live.empty()) out += "</details>\n";
    out += "<figcaption>" + html::escape(c.caption) + " Files: ";
    if (svg) out += "<a href=\"charts/" + name + ".svg\">svg</a> · <a href=\"charts/" + name + ".png\">png</a> · ";
    out += "<code>charts/" + name + ".gp</code>";
    for (const auto& d : c.data_files) out += " · <code>charts/" + html::escape(d) + "</code>";
    out += "</figcaption>\n</figure>\n";
  }
  return out;
}

// ---------------------------------------------------------------- run report parts

const std::vector<std::string> kRunCharts = {"latency", "throughput", "utilization", "replicas", "autoscaler", "cdf", "retries", "balancer",
                                             "hit_ratio", "replication_lag_ms", "consumer_lag", "circuit_state"};
const std::vector<std::string> kRunData = {"latency.dat", "throughput.dat", "errors.dat", "utilization.dat",
                                           "queue.dat", "replicas.dat", "autoscaler.dat", "cdf.dat", "hit_ratio.dat",
                                           "replication_lag_ms.dat", "consumer_lag.dat", "circuit_state.dat",
                                           "retries.dat", "balancer.dat", "healthy.dat",
                                           "annotations.gp"};

std::vector<std::string> client_ids(const json& summary, const data::TimeSeries& ts) {
  std::vector<std::string> clients;
  if (summary.contains("components") && summary["components"].is_object()) {
    for (const auto& [id, c] : summary["components"].items()) {
      if (str_at(c, "type") == "client") clients.push_back(id);
    }
  }
  // summary.json objects come back sorted by key; the time series keeps the engine's order.
  const auto& order = ts.components();
  auto rank = [&](const std::string& id) { return std::find(order.begin(), order.end(), id) - order.begin(); };
  std::stable_sort(clients.begin(), clients.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  if (clients.empty()) {
    // No typed clients: the end-to-end series are those of components the summary does
    // not describe as anything else.
    for (const auto& c : ts.components_with("latency_p99_ms")) {
      if (!summary.contains("components") || !summary["components"].contains(c)) clients.push_back(c);
    }
  }
  return clients;
}

// Splits the time series into the per-chart files; returns the charts that have data.
std::vector<Chart> prepare_run_charts(const fs::path& charts, const json& summary, const data::TimeSeries& ts,
                                      const std::vector<data::Cdf>& cdfs) {
  std::vector<Chart> list;
  const auto clients = client_ids(summary, ts);

  // Latency percentiles per client, plus offered load on the right axis.
  std::vector<data::Column> cols;
  data::Points offered;
  std::string offered_name = "offered load of all clients (rps)";
  bool have_offered = false;
  for (const auto& c : clients) {
    for (const char* p : {"p50", "p95", "p99"}) {
      cols.push_back({c + " " + p, ts.find(c, std::string("latency_") + p + "_ms")});
    }
    if (const auto* o = ts.find(c, "offered_rps")) {
      have_offered = true;
      for (const auto& [t, v] : *o) offered[t] += v;
    }
  }
  if (!have_offered) {
    // Without offered_rps the right axis shows what the clients completed.
    offered_name = "completed by all clients (rps)";
    for (const auto& c : clients) {
      for (const char* m : {"throughput_rps", "errors_rps"}) {
        if (const auto* o = ts.find(c, m)) for (const auto& [t, v] : *o) offered[t] += v;
      }
    }
  }
  bool any_latency = false;
  for (const auto& col : cols) any_latency = any_latency || col.values != nullptr;
  if (any_latency && !offered.empty()) {
    cols.push_back({offered_name, &offered});
    if (data::write_wide(charts / "latency.dat", "time_s", cols))
      list.push_back({"latency", "Latency over time",
                      "End-to-end p50, p95 and p99 per window at each client; the dotted grey line is the load "
                      "(right axis). Watch the tail (p99) rise before the median does as load nears capacity.",
                      {"latency.dat"}});
  }

  // Throughput and errors (total and by cause) per client.
  cols.clear();
  for (const auto& c : clients) cols.push_back({c, ts.find(c, "throughput_rps")});
  if (data::write_wide(charts / "throughput.dat", "time_s", cols)) {
    std::vector<data::Column> errs;
    std::vector<std::string> with_causes = clients;
    with_causes.push_back("all");  // the engine's end-to-end ledger holds errors by cause
    for (const auto& c : with_causes) {
      if (c != "all")
        if (const auto* e = ts.find(c, "errors_rps")) errs.push_back({c + " errors", e});
      for (const auto& m : ts.metrics_of(c)) {
        const std::string pre = "errors_", post = "_rps";
        if (m != "errors_rps" && m.size() > pre.size() + post.size() && m.rfind(pre, 0) == 0 &&
            m.compare(m.size() - post.size(), post.size(), post) == 0)
          errs.push_back({c + " " + m.substr(pre.size(), m.size() - pre.size() - post.size()), ts.find(c, m)});
      }
    }
    Chart chart{"throughput", "Throughput and errors over time",
                "Requests completed per second at each client (top) and failed requests per second, in total "
                "and by cause (bottom).",
                {"throughput.dat"}};
    if (data::write_wide(charts / "errors.dat", "time_s", errs)) chart.data_files.push_back("errors.dat");
    list.push_back(chart);
  }

  // Utilization and queue length of the non-client components.
  auto non_clients = [&](const std::string& metric) {
    std::vector<data::Column> out;
    for (const auto& c : ts.components_with(metric)) {
      if (std::find(clients.begin(), clients.end(), c) == clients.end()) out.push_back({c, ts.find(c, metric)});
    }
    return out;
  };
  if (data::write_wide(charts / "utilization.dat", "time_s", non_clients("utilization"))) {
    Chart chart{"utilization", "Utilization and queue length per component",
                "Busy fraction of each component's workers (top) and requests waiting in its queues (bottom). "
                "The component that reaches 100% first is the bottleneck.",
                {"utilization.dat"}};
    if (data::write_wide(charts / "queue.dat", "time_s", non_clients("queue_length"))) chart.data_files.push_back("queue.dat");
    list.push_back(chart);
  }

  // Replicas: every service records them, but a chart of flat lines says nothing; draw
  // the components whose counts change (an autoscaler, a crash, a zone outage), or all
  // of them when the scenario has an autoscaler.
  bool has_autoscaler = false;
  if (summary.contains("components") && summary["components"].is_object())
    for (const auto& [id, c] : summary["components"].items()) has_autoscaler = has_autoscaler || str_at(c, "type") == "autoscaler";
  auto varies = [](const data::Points* p) {
    if (p == nullptr || p->empty()) return false;
    const double first = p->begin()->second;
    return std::any_of(p->begin(), p->end(), [&](const auto& kv) { return kv.second != first; });
  };
  cols.clear();
  for (const auto& c : ts.components()) {
    const auto* r = ts.find(c, "replicas");
    const auto* ready = ts.find(c, "ready_replicas");
    if (r == nullptr && ready == nullptr) continue;
    if (!has_autoscaler && !varies(r) && !varies(ready)) continue;
    cols.push_back({c + " replicas", r});
    cols.push_back({c + " ready", ready});
  }
  if (!cols.empty() && data::write_wide(charts / "replicas.dat", "time_s", cols))
    list.push_back({"replicas", "Replicas over time",
                    "Replicas the autoscaler asked for (solid) and those started and ready (dashed). The gap is the "
                    "start-up time every scale-up pays while the load is already there.",
                    {"replicas.dat"}});

  // Autoscalers: each metric as the controller read it at its syncs (per ready replica), and
  // its target (dashed): above the line it scales out, below it scales in.
  cols.clear();
  for (const auto& c : ts.components())
    for (const auto& m : ts.metrics_of(c))
      if (m.rfind("metric_", 0) == 0) {
        const std::string name = m.substr(7);
        cols.push_back({c + " " + name, ts.find(c, m)});
        cols.push_back({c + " " + name + " target", ts.find(c, "target_" + name)});
      }
  if (!cols.empty() && data::write_wide(charts / "autoscaler.dat", "time_s", cols))
    list.push_back({"autoscaler", "Autoscaler metric against its target",
                    "What each autoscaler's metric read at its syncs, per ready replica (solid), and the target it "
                    "steers to (dashed). Above the target it asks for more replicas (desired = ceil(replicas x "
                    "metric / target)), below it fewer, within its tolerance, policies and stabilization window.",
                    {"autoscaler.dat"}});

  if (data::write_cdf_blocks(charts / "cdf.dat", cdfs))
    list.push_back({"cdf", "Latency distribution",
                    "Cumulative fraction of successful requests finished within a latency (log scale). Where a curve "
                    "crosses 0.99 is its p99; a long flat tail means a few very slow requests.",
                    {"cdf.dat"}});

  // Retries: attempts (every try) and retries per second of each caller that records them.
  cols.clear();
  for (const auto& c : ts.components_with("attempts_rps")) {
    cols.push_back({c + " attempts", ts.find(c, "attempts_rps")});
    if (const auto* r = ts.find(c, "retries_rps")) cols.push_back({c + " retries", r});
    if (const auto* o = ts.find(c, "offered_rps")) cols.push_back({c + " offered", o});
  }
  if (!cols.empty() && data::write_wide(charts / "retries.dat", "time_s", cols))
    list.push_back({"retries", "Attempts and retries over time",
                    "Attempts each caller sent per second (first tries and retries), its retries, and for a client the "
                    "requests it was offered. Attempts well above the offered load are a retry storm: the callee "
                    "sees several times the load the users asked for.",
                    {"retries.dat"}});

  // Balancers: requests per second sent to each backend (rps_<backend>) and healthy backends.
  cols.clear();
  std::vector<data::Column> healthy;
  for (const auto& c : ts.components()) {
    for (const auto& m : ts.metrics_of(c))
      if (m.rfind("rps_", 0) == 0) cols.push_back({c + " → " + m.substr(4), ts.find(c, m)});
    if (const auto* h = ts.find(c, "healthy_backends")) healthy.push_back({c + " healthy", h});
  }
  if (!cols.empty() && data::write_wide(charts / "balancer.dat", "time_s", cols)) {
    Chart chart{"balancer", "Requests per backend",
                "Requests per second each balancer sent to each backend (top) and the backends it considered "
                "healthy (bottom). A backend ejected or failing its health checks drops out and the others take its share.",
                {"balancer.dat"}};
    if (data::write_wide(charts / "healthy.dat", "time_s", healthy)) chart.data_files.push_back("healthy.dat");
    list.push_back(chart);
  }

  struct Family { const char* metric; const char* title; const char* caption; };
  const Family families[] = {
      {"hit_ratio", "Cache hit ratio", "Fraction of lookups served from the cache per window; misses go to the backing store."},
      {"replication_lag_ms", "Replication lag", "How far each replica trails its primary; a read from a replica can be this stale."},
      {"consumer_lag", "Queue consumer lag", "Messages published but not yet consumed; a line that keeps rising means the consumers cannot keep up."},
  };
  for (const auto& f : families) {
    cols.clear();
    for (const auto& c : ts.components_with(f.metric)) cols.push_back({c, ts.find(c, f.metric)});
    const std::string file = std::string(f.metric) + ".dat";
    if (!cols.empty() && data::write_wide(charts / file, "time_s", cols)) list.push_back({f.metric, f.title, f.caption, {file}});
  }

  // Circuit breakers: their state at every transition (a state, sim/metrics.h), drawn as
  // steps that change at the exact times, not the windows' means (which are no state).
  cols.clear();
  for (const auto& c : ts.components_with("circuit_state_transitions"))
    cols.push_back({c, ts.find(c, "circuit_state_transitions")});
  double end = num_at(summary, "run.simulated_s");
  if (std::isnan(end)) end = num_at(summary, "duration_s");
  if (!cols.empty() && data::write_steps(charts / "circuit_state.dat", "time_s", cols, std::isnan(end) ? 0 : end))
    list.push_back({"circuit_state", "Circuit breaker state",
                    "Each breaker's state at every transition, at its exact time: closed lets calls through, open "
                    "fails them fast, half-open lets a few trial calls test the callee (Resilience4j's states; "
                    "disabled, forced open and metrics only are an operator's).",
                    {"circuit_state.dat"}});
  return list;
}

std::string slo_section(const json& summary) {
  if (!summary.contains("slo") || !summary["slo"].is_object() || summary["slo"].empty())
    return "<div class=\"verdict none\"><strong>No SLO</strong> — the scenario sets no service level objective.</div>\n";
  const json& slo = summary["slo"];
  const bool has_met = slo.contains("met") && slo["met"].is_boolean();
  const bool met = has_met && slo["met"].get<bool>();
  std::string out = std::string("<div class=\"verdict ") + (!has_met ? "none" : met ? "ok" : "bad") + "\"><strong>" +
                    (!has_met ? "SLO" : met ? "SLO met" : "SLO missed") + "</strong><ul>";
  if (slo.contains("objectives") && slo["objectives"].is_array()) {
    // One line per objective (reports/ledgers/slo.h), as the terminal prints them.
    for (const json& item : slo["objectives"]) {
      const nlohmann::ordered_json o(item);
      const bool ok = o.value("met", false);
      out += "<li>" + html::escape(slo_objective_label(o)) + " " + html::escape(slo_objective_value(o)) + ", target " +
             html::escape(slo_objective_target(o)) + ": <span class=\"" + (ok ? "pass\">met" : "fail\">missed") + "</span>";
      if (const std::string c = slo_objective_caveat(o); !c.empty()) out += " <small>(" + html::escape(c) + ")</small>";
      if (const std::string d = slo_objective_detail(o); !d.empty()) out += " <small>(" + html::escape(d) + ")</small>";
      if (o.contains("judged_on")) out += " <small>(" + html::escape(o["judged_on"].get<std::string>()) + ")</small>";
      out += "</li>";
    }
    return out + "</ul></div>\n";
  }
  // A summary written before objectives existed: its p99 and availability targets.
  const double p99_target = num_at(slo, "latency_p99_ms");
  if (!std::isnan(p99_target)) {
    const double p99 = num_at(summary, "latency_ms.p99");
    const bool ok = p99 <= p99_target;
    out += "<li>p99 latency " + with_ci(summary, "latency_ms.p99", p99, false) + " ms, target ≤ " +
           html::number(p99_target) + " ms: <span class=\"" + (ok ? "pass\">met" : "fail\">missed") + "</span></li>";
  }
  const double av_target = num_at(slo, "availability");
  if (!std::isnan(av_target)) {
    const double av = num_at(summary, "availability");
    const bool ok = av >= av_target;
    out += "<li>availability " + with_ci(summary, "availability", av, true) + ", target ≥ " + html::percent(av_target) +
           ": <span class=\"" + (ok ? "pass\">met" : "fail\">missed") + "</span></li>";
  }
  for (const auto& [k, v] : slo.items()) {
    if (k == "met" || k == "latency_p99_ms" || k == "availability" || k == "latency_met" || k == "availability_met") continue;
    out += "<li>" + html::escape(k) + ": " + value_html(v) + "</li>";
  }
  return out + "</ul></div>\n";
}

// The number of replications merged into `summary` (1 for a single run).
int replications(const json& summary) {
  const double n = num_at(summary, "replications");
  return std::isnan(n) || n < 1 ? 1 : static_cast<int>(n);
}

std::string requests_table(const json& summary) {
  // Merged replications hold each count's mean: "1.75 still in flight" is a mean, and says so.
  const int reps = replications(summary);
  const std::string count = reps > 1 ? "mean count over " + std::to_string(reps) + " replications" : "count";
  html::Table t{{"requests", count, "share"}, {}, {false, true, true}, "Requests (after warm-up)"};
  const json& r = summary.value("requests", json::object());
  const double total = num_at(r, "total");
  auto share = [&](double v) { return total > 0 && !std::isnan(v) ? html::percent(v / total) : std::string(); };
  const std::pair<const char*, const char*> rows[] = {{"sent", "sent by clients"}, {"total", "finished"},
                                                      {"ok", "ok"}, {"failed", "failed"}, {"in_flight", "still in flight at the end"}};
  for (const auto& [key, label] : rows) {
    const double v = num_at(r, key);
    if (std::isnan(v)) continue;
    t.rows.push_back({label, html::number(v, 15), std::string(key) == "sent" || std::string(key) == "in_flight" ? "" : share(v)});
  }
  if (r.contains("by_cause") && r["by_cause"].is_object()) {
    for (const auto& [cause, v] : r["by_cause"].items()) {
      const double n = v.is_number() ? v.get<double>() : std::nan("");
      if (n == 0) continue;  // summary.json lists every cause; the page only those that happened
      t.rows.push_back({"&nbsp;&nbsp;failed: " + html::escape(cause), html::number(n, 15), share(n)});
    }
  }
  for (const auto& [k, v] : r.items()) {
    if (k == "sent" || k == "total" || k == "ok" || k == "failed" || k == "in_flight" || k == "by_cause") continue;
    t.rows.push_back({k == "in_flight_at_warmup" ? std::string("in flight when the warm-up ended") : html::escape(k),
                      value_html(v), ""});
  }
  return t.render();
}

std::string latency_table(const json& summary) {
  html::Table t{{"latency (ms)", "value"}, {}, {false, true}, "End-to-end latency of successful requests"};
  const std::pair<const char*, const char*> rows[] = {{"mean", "mean"}, {"p50", "p50 (median)"}, {"p90", "p90"},
                                                      {"p95", "p95"}, {"p99", "p99"}, {"p999", "p99.9"}, {"max", "max"}};
  for (const auto& [key, label] : rows) {
    const double v = num_at(summary, std::string("latency_ms.") + key);
    if (!std::isnan(v)) t.rows.push_back({label, with_ci(summary, std::string("latency_ms.") + key, v, false)});
  }
  return t.render();
}

std::string routes_table(const json& summary) {
  if (!summary.contains("routes") || !summary["routes"].is_object() || summary["routes"].empty()) return {};
  html::Table t{{"route", "requests", "availability", "p50 ms", "p95 ms", "p99 ms", "max ms"}, {},
                {false, true, true, true, true, true, true}, ""};
  for (const auto& [name, r] : summary["routes"].items()) {
    t.rows.push_back({html::escape(name), html::number(num_at(r, "requests"), 15), html::percent(num_at(r, "availability")),
                      html::number(num_at(r, "latency_ms.p50")), html::number(num_at(r, "latency_ms.p95")),
                      html::number(num_at(r, "latency_ms.p99")), html::number(num_at(r, "latency_ms.max"))});
  }
  return "<h2>Routes</h2>\n" + t.render();
}

std::string components_table(const json& summary) {
  if (!summary.contains("components") || !summary["components"].is_object() || summary["components"].empty()) return {};
  html::Table t{{"component", "type", "throughput rps", "utilization", "queue", "in system", "p50 ms", "p99 ms", "details"},
                {}, {false, false, true, true, true, true, true, true, false}, ""};
  for (const auto& [id, c] : summary["components"].items()) {
    std::string details;
    for (const auto& [k, v] : c.items()) {
      if (k == "type" || k == "throughput_rps" || k == "utilization" || k == "queue_length" || k == "in_system" ||
          k == "latency_ms")
        continue;
      append_item(details, "<br>", html::escape(k) + ": " + value_html(v));
    }
    const double util = num_at(c, "utilization");
    t.rows.push_back({"<strong>" + html::escape(id) + "</strong>", html::escape(str_at(c, "type")),
                      html::number(num_at(c, "throughput_rps")), std::isnan(util) ? "–" : html::percent(util),
                      html::number(num_at(c, "queue_length")), html::number(num_at(c, "in_system")),
                      html::number(num_at(c, "latency_ms.p50")), html::number(num_at(c, "latency_ms.p99")),
                      "<span class=\"detail\">" + details + "</span>"});
  }
  return "<h2>Components</h2>\n" + t.render();
}

std::string cost_table(const json& summary) {
  if (!summary.contains("cost") || !summary["cost"].is_object() || summary["cost"].empty()) return {};
  const json& cost = summary["cost"];
  html::Table t{{"cost", "USD"}, {}, {false, true}, ""};
  if (cost.contains("total_usd")) t.rows.push_back({"<strong>total for the run</strong>", "<strong>" + value_html(cost["total_usd"]) + "</strong>"});
  if (cost.contains("per_million_requests_usd"))
    t.rows.push_back({"per million requests", value_html(cost["per_million_requests_usd"])});
  if (cost.contains("by_component") && cost["by_component"].is_object()) {
    for (const auto& [id, v] : cost["by_component"].items())
      t.rows.push_back({"&nbsp;&nbsp;" + html::escape(id), value_html(v)});
  }
  for (const auto& [k, v] : cost.items()) {
    if (k == "total_usd" || k == "per_million_requests_usd" || k == "by_component") continue;
    t.rows.push_back({html::escape(k), value_html(v)});
  }
  return "<h2>Cost</h2>\n" + t.render();
}

std::string run_footer(const json& summary) {
  std::string out = "<footer>";
  if (summary.contains("run") && summary["run"].is_object()) out += "Run: " + value_html(summary["run"]) + ". ";
  out += "Written by archsim from <code>summary.json</code>, <code>timeseries.csv</code> and "
         "<code>latency_cdf.csv</code>; redraw with <code>archsim report DIR</code>, or edit a script in "
         "<code>charts/</code> and run <code>gnuplot NAME.gp</code> there.</footer>\n";
  return out;
}

}  // namespace

ReportResult write_run_report(const fs::path& dir, const fs::path& chart_script_dir, const RunPageOptions& options) {
  const json summary = read_json(dir / "summary.json");
  const fs::path charts = dir / "charts";
  fs::create_directories(charts);
  remove_stale(charts, kRunCharts, kRunData);

  const auto ts = data::TimeSeries::load(dir / "timeseries.csv");
  const auto cdfs = data::load_cdfs(dir / "latency_cdf.csv", "all clients");
  auto list = prepare_run_charts(charts, summary, ts, cdfs);
  // Every time chart (all but the distribution) loads the marks and says what they are.
  const marks::Marks chart_marks = marks::collect(summary, ts);
  marks::write_annotations(charts / "annotations.gp", chart_marks);
  const std::string& marked = chart_marks.caption;
  for (auto& c : list)
    if (c.name != "cdf") {
      if (!marked.empty()) c.caption += " " + marked;
      c.data_files.push_back("annotations.gp");
    }
  ReportResult result;
  std::string notice;
  if (options.static_charts) {
    const Drawing drawing = draw(charts, chart_script_dir, list);
    notice = charts_notice(dir, drawing, result.message);
    result.charts_drawn = drawing.gnuplot_found && drawing.scripts_found && drawing.failed.empty() && !list.empty();
  } else {
    draw(charts, chart_script_dir, list, /*run=*/false);
    notice = "<p class=\"notice\">The static charts of a comparison's variant are not drawn (the comparison stays "
             "quick): their data and scripts are in <code>charts/</code>; run <code>archsim report " +
             html::escape(dir.filename().string()) + "</code> in the comparison's folder to draw them with gnuplot.</p>\n";
    result.message = "static charts not drawn";
  }
  if (list.empty()) {
    notice += "<p class=\"notice\">No time series or latency distribution in this folder, so there are no charts.</p>\n";
    result.message = "no chart data (timeseries.csv / latency_cdf.csv missing or empty)";
  }

  const std::string name = summary.value("scenario", std::string("archsim run"));
  std::string page = page_start(name + " — archsim report");
  page += "<header class=\"top\"><div class=\"inner\"><h1>" + html::escape(name) + "</h1>";
  if (const std::string d = str_at(summary, "description"); !d.empty()) page += "<p>" + html::escape(d) + "</p>";
  std::string meta = "seed " + value_html(summary.value("seed", json()));
  if (summary.contains("duration_s")) meta += " · simulated " + html::number(num_at(summary, "duration_s")) + " s";
  if (summary.contains("warmup_s")) meta += " (warm-up " + html::number(num_at(summary, "warmup_s")) + " s left out)";
  if (summary.contains("replications")) meta += " · " + value_html(summary["replications"]) + " replications";
  page += "<p class=\"meta\">" + meta + "</p>";
  if (!options.context_html.empty()) page += "<p class=\"meta\">" + options.context_html + "</p>";
  page += "</div></header>\n<main>\n";

  if (summary.contains("run") && summary["run"].value("partial", false))
    page += "<div class=\"verdict bad\"><strong>Partial run</strong> — interrupted at " +
            html::number(num_at(summary, "run.simulated_s")) + " s of simulated time (of " +
            html::number(num_at(summary, "duration_s")) + " s): every figure below covers only that.</div>\n";
  page += slo_section(summary);
  const double total = num_at(summary, "requests.total");
  const int reps = replications(summary);
  page += "<div class=\"cards\">" +
          card("availability", html::percent(num_at(summary, "availability")),
               html::number(num_at(summary, "requests.failed"), 15) + " failed of " + html::number(total, 15) +
                   (reps > 1 ? " (means per replication)" : "")) +
          card("throughput", html::number(num_at(summary, "throughput_rps")), "requests / s") +
          card("p50 latency", html::number(num_at(summary, "latency_ms.p50")), "ms") +
          card("p99 latency", html::number(num_at(summary, "latency_ms.p99")), "ms") +
          card("cost", "$" + html::number(num_at(summary, "cost.total_usd")),
               "$" + html::number(num_at(summary, "cost.per_million_requests_usd")) + " per million requests") +
          "</div>\n";
  page += "<h2>Requests and latency</h2>\n<div class=\"split\"><div>" + requests_table(summary) +
          "</div><div>" + latency_table(summary) + "</div></div>\n";
  page += sections::availability(summary);
  page += topology::section(dir);
  // The interactive charts need the library inlined; without it the static charts stand alone.
  const auto library = interactive::load_library();
  json payload = interactive::new_payload(chart_marks);
  if (!library && !list.empty()) notice += interactive::missing_notice(interactive::library_path());
  // timeseries.csv and latency_cdf.csv hold the first replication only (run and compare write it).
  if (reps > 1 && !list.empty()) {
    std::string seed = "";
    if (summary.contains("seeds") && summary["seeds"].is_array() && !summary["seeds"].empty())
      seed = " (seed " + value_html(summary["seeds"][0]) + ")";
    notice = "<p class=\"notice\"><strong>The charts show replication 1" + seed + " of " + std::to_string(reps) +
             "</strong>: its time series and latency distribution. The cards and tables above are means over the " +
             std::to_string(reps) + " replications, with 95% confidence intervals.</p>\n" + notice;
  }
  page += "<h2>Charts</h2>\n" + notice + figures(charts, list, library ? &payload : nullptr);
  page += sections::resilience(summary) + sections::balancing(summary) + sections::autoscaling(summary);
  page += traces::section(dir);
  page += routes_table(summary) + components_table(summary) + cost_table(summary);
  // Runs written before analysis.json existed, or by hand, have none: the section is left out.
  if (fs::exists(dir / "analysis.json")) page += sections::analysis(summary, read_json(dir / "analysis.json"));
  page += run_footer(summary) + "</main>\n";
  if (library && !payload["charts"].empty()) page += interactive::scripts(*library, payload);
  page += "</body>\n</html>\n";
  write_page(dir, page);
  result.message = "wrote " + (dir / "report.html").string() + "; " + result.message;
  return result;
}

ReportResult write_compare_report(const fs::path& dir, const fs::path& chart_script_dir) {
  const json cmp = read_json(dir / "compare.json");
  if (!cmp.contains("variants") || !cmp["variants"].is_array())
    throw std::runtime_error((dir / "compare.json").string() + ": no \"variants\" array");
  const json& variants = cmp["variants"];
  const fs::path charts = dir / "charts";
  fs::create_directories(charts);
  const std::vector<std::string> names = {"compare_p99", "compare_availability", "compare_cost", "compare_cdf",
                                          "whatif_p99", "whatif_availability", "compare_pareto", "compare_timeseries"};
  remove_stale(charts, names, {"compare.dat", "compare_cdf.dat", "whatif.dat", "whatif_axis.gp", "pareto.dat",
                               "pareto_axis.gp", "variants_p99.dat", "variants_throughput.dat", "annotations.gp"});

  // compare.dat: one row per variant (columns documented in tools/charts/compare_p99.gp).
  std::ostringstream dat;
  dat << "label,p99_ms,p99_lo,p99_hi,availability_pct,availability_lo,availability_hi,cost_usd,slo_p99_ms,"
         "slo_availability_pct\n";
  auto d = [](double v) {
    if (std::isnan(v)) return std::string("NaN");
    std::ostringstream s;
    s.precision(10);
    s << v;
    return s.str();
  };
  std::vector<data::Cdf> cdfs;
  bool any_p99 = false, any_avail = false, any_cost = false;
  // A chart of equal bars says nothing: availability and cost are charted only when they differ.
  std::pair<double, double> av_range{INFINITY, -INFINITY}, cost_range{INFINITY, -INFINITY};
  const int reps = variants.empty() ? 1 : replications(variants[0].value("summary", json::object()));
  html::Table t{{"variant", "changes", reps > 1 ? "requests (mean per replication)" : "requests", "availability", "p50 ms",
                 "p99 ms", "rps", "cost USD", "SLO"},
                {}, {false, false, true, true, true, true, true, true, false}, ""};
  std::string scenario = str_at(cmp, "scenario");
  bool changes_add_nothing = true;  // labels usually spell out the changes already
  // A balancing comparison: the share of requests each backend got and the load imbalance
  // (coefficient of variation across backends) of the scenario's first balancer, as the
  // terminal table shows them.
  std::string lb_id;
  std::vector<std::string> backends;
  if (!variants.empty() && variants[0].contains("summary") && variants[0]["summary"].contains("components") &&
      variants[0]["summary"]["components"].is_object()) {
    for (const auto& [id, c] : variants[0]["summary"]["components"].items()) {
      if (str_at(c, "type") != "balancer" || !c.contains("share") || !c["share"].is_object()) continue;
      lb_id = id;
      for (const auto& [b, share] : c["share"].items()) backends.push_back(b);
      break;
    }
  }
  if (!lb_id.empty()) {
    const std::string backend_list = join_items(backends, "/");
    t.header.push_back("share % " + html::escape(lb_id) + " → " + html::escape(backend_list));
    t.header.push_back("imbalance (CV)");
    t.numeric.push_back(true);
    t.numeric.push_back(true);
  }
  std::vector<compare_series::VariantFolder> folders;
  std::size_t index = 0;
  for (const auto& v : variants) {
    ++index;
    const std::string label = str_at(v, "label");
    const json& s = v.value("summary", json::object());
    if (scenario.empty()) scenario = str_at(s, "scenario");
    const double p99 = num_at(s, "latency_ms.p99"), av = num_at(s, "availability"), cost = num_at(s, "cost.total_usd");
    auto ci = [&](const char* key, double value, const char* end) {
      const double x = ci_bound(s, key, end);
      return std::isnan(x) ? value : x;
    };
    const double p99_lo = ci("latency_ms.p99", p99, "lo"), p99_hi = ci("latency_ms.p99", p99, "hi");
    const double av_lo = ci("availability", av, "lo"), av_hi = ci("availability", av, "hi");
    any_p99 = any_p99 || !std::isnan(p99);
    any_avail = any_avail || !std::isnan(av);
    any_cost = any_cost || !std::isnan(cost);
    for (auto [x, range] : {std::pair{av, &av_range}, std::pair{cost, &cost_range}})
      if (!std::isnan(x)) *range = {std::min(range->first, x), std::max(range->second, x)};
    dat << data::safe_name(label) << ',' << d(p99) << ',' << d(p99_lo) << ',' << d(p99_hi) << ',' << d(av * 100) << ','
        << d(av_lo * 100) << ',' << d(av_hi * 100) << ',' << d(cost) << ',' << d(num_at(s, "slo.latency_p99_ms")) << ','
        << d(num_at(s, "slo.availability") * 100) << '\n';

    std::string met = "–";
    if (s.contains("slo") && s["slo"].contains("met") && s["slo"]["met"].is_boolean())
      met = s["slo"]["met"].get<bool>() ? "<span class=\"pass\">met</span>" : "<span class=\"fail\">missed</span>";
    std::string changes;
    const json set = v.value("set", json::object());
    for (const auto& [path, value] : set.items())
      append_item(changes, "<br>", html::escape(path + "=" + (value.is_string() ? value.get<std::string>() : value.dump())));
    changes_add_nothing = changes_add_nothing && changes == html::escape(label);
    // The variant's folder is "dir" (archsim compare writes variant-N), else its label;
    // either names a sub-folder only when it cannot climb out of DIR.
    const std::string sub = v.contains("dir") && v["dir"].is_string() ? v["dir"].get<std::string>() : label;
    const bool sub_ok = !sub.empty() && sub.find('/') == std::string::npos && sub != "." && sub != "..";
    std::string label_cell = "<strong>" + html::escape(label) + "</strong>";
    // Its own run page (written here, interactive charts only) and data files, linked.
    if (sub_ok && fs::is_regular_file(dir / sub / "summary.json")) {
      const std::string context = "Variant " + std::to_string(index) + " of " + std::to_string(variants.size()) +
                                  " of a comparison: <strong>" + html::escape(label) +
                                  "</strong> · <a href=\"../report.html\">back to the comparison</a>";
      bool own_page = false;
      try {
        write_run_report(dir / sub, chart_script_dir, RunPageOptions{false, context});
        own_page = true;
      } catch (const std::exception&) {
        // A variant folder whose summary cannot be read gets no page; its row still stands.
      }
      label_cell += "<br><span class=\"detail\">";
      if (own_page) label_cell += "<a class=\"variant-report\" href=\"" + html::escape(sub) + "/report.html\">report</a> · ";
      for (const char* f : {"summary.json", "timeseries.csv", "trace.json"})
        if (fs::is_regular_file(dir / sub / f))
          label_cell += std::string(f[0] == 's' ? "" : " · ") + "<a href=\"" + html::escape(sub) + "/" + f + "\">" + f + "</a>";
      label_cell += "</span>";
      folders.push_back({label, dir / sub});
    }
    t.rows.push_back({label_cell, changes,
                      html::number(num_at(s, "requests.total"), 15), with_ci(s, "availability", av, true),
                      html::number(num_at(s, "latency_ms.p50")), with_ci(s, "latency_ms.p99", p99, false),
                      html::number(num_at(s, "throughput_rps")), html::number(cost), met});
    if (!lb_id.empty()) {
      const json* lb = s.contains("components") && s["components"].contains(lb_id) ? &s["components"][lb_id] : nullptr;
      std::string shares;
      for (const auto& b : backends) {
        const bool has = lb && lb->contains("share") && (*lb)["share"].contains(b) && (*lb)["share"][b].is_number();
        append_item(shares, "/", has ? html::number((*lb)["share"][b].get<double>() * 100, 3) : std::string("–"));
      }
      const bool cv = lb && lb->contains("imbalance_cv") && (*lb)["imbalance_cv"].is_number();
      t.rows.back().push_back(shares);
      t.rows.back().push_back(cv ? html::number((*lb)["imbalance_cv"].get<double>(), 3) : "–");
    }

    if (sub_ok) {
      auto per = data::load_cdfs(dir / sub / "latency_cdf.csv", label);
      for (auto& c : per) {
        if (per.size() > 1) c.name = label + " " + c.name;
        else c.name = label;
        cdfs.push_back(std::move(c));
      }
    }
  }

  std::vector<Chart> list;
  std::string same;  // notices for figures equal in every variant
  // A numeric --vary is an axis: p99 and availability against it replace the bars.
  const whatif::Plot what_if = whatif::write_data(charts, variants);
  if (what_if.drawn) {
    const std::string across = what_if.series > 1 ? ", one line per value of the other varied fields" : "";
    const std::string band = what_if.bands ? "; the band is the 95% confidence interval across replications" : "";
    list.push_back({"whatif_p99", "p99 latency against " + what_if.x_path,
                    "The p99 end-to-end latency of each variant against " + what_if.x_path + across + band +
                        ". The dash-dot line is the SLO when the scenario has one.",
                    {"whatif.dat", "whatif_axis.gp"}, what_if.p99_panels});
    if (what_if.availability_varies)
      list.push_back({"whatif_availability", "Availability against " + what_if.x_path,
                      "Share of requests served against " + what_if.x_path + across + band + ".",
                      {"whatif.dat", "whatif_axis.gp"}, what_if.availability_panels});
  }
  if (!variants.empty()) {
    std::ofstream(charts / "compare.dat", std::ios::trunc) << dat.str();
    if (any_p99 && !what_if.drawn)
      list.push_back({"compare_p99", "p99 latency per variant",
                      "Bars are the p99 end-to-end latency of each variant; whiskers the 95% confidence interval across "
                      "replications. Variants whose whiskers overlap are not clearly different.",
                      {"compare.dat"}});
    if (any_avail && av_range.first == av_range.second)
      same += "<p class=\"notice\">Availability is " + html::percent(av_range.first) +
              " in every variant, so it is not charted.</p>\n";
    if (any_avail && av_range.first != av_range.second && !what_if.drawn)
      list.push_back({"compare_availability", "Availability per variant",
                      "Share of requests that succeeded, with 95% confidence intervals; the axis starts just below the "
                      "lowest interval so that the nines can be told apart.",
                      {"compare.dat"}});
  }
  // Cost against p99: worth a chart only when the cost differs between variants.
  if (any_cost && cost_range.first != cost_range.second)
    if (const pareto::Plot front = pareto::write_data(charts, variants); front.drawn)
      list.push_back({"compare_pareto", "Cost against p99 latency: the Pareto front",
                      "One point per variant; the red line joins the " + std::to_string(front.on_front) +
                          " variants no other variant beats on both cost and p99 (the Pareto front). A variant above or "
                          "right of the line pays for latency it does not get. Hover a point for its variant.",
                      {"pareto.dat", "pareto_axis.gp"}, front.panels});
  // Every variant over time, with the first variant's warm-up (the same in all unless varied).
  marks::Marks time_marks;
  if (!variants.empty()) {
    time_marks = marks::collect(variants[0].value("summary", json::object()), data::TimeSeries{});
    std::erase_if(time_marks.list, [](const marks::Mark& m) { return m.kind != marks::Mark::Kind::warmup; });
  }
  if (auto files = compare_series::write_data(charts, folders); !files.empty()) {
    marks::write_annotations(charts / "annotations.gp", time_marks);
    files.push_back("annotations.gp");
    list.push_back({"compare_timeseries", "Each variant over time",
                    std::string("End-to-end p99 latency per window (top) and requests completed per second (bottom), one "
                                "line per variant; the grey band is the warm-up, left out of the figures") +
                        (reps > 1 ? ". These are replication 1 of each variant (its timeseries.csv); the tables above are "
                                "means over the replications."
                              : ".") +
                        " Time in " + time_marks.unit.name + ".",
                    files});
  }
  if (data::write_cdf_blocks(charts / "compare_cdf.dat", cdfs))
    list.push_back({"compare_cdf", "Latency distributions overlaid",
                    "Cumulative fraction of successful requests within a latency (log scale), one curve per variant.",
                    {"compare_cdf.dat"}});
  if (any_cost && cost_range.first == cost_range.second)
    same += "<p class=\"notice\">Cost is $" + html::number(cost_range.first) + " in every variant, so it is not charted.</p>\n";
  if (any_cost && cost_range.first != cost_range.second)
    list.push_back({"compare_cost", "Cost per variant", "Total cost of the simulated run for each variant.", {"compare.dat"}});

  const Drawing drawing = draw(charts, chart_script_dir, list);
  ReportResult result;
  const std::string notice = charts_notice(dir, drawing, result.message);
  result.charts_drawn = drawing.gnuplot_found && drawing.scripts_found && drawing.failed.empty() && !list.empty();

  if (scenario.empty()) scenario = "archsim comparison";
  std::string page = page_start(scenario + " — comparison");
  page += "<header class=\"top\"><div class=\"inner\"><h1>" + html::escape(scenario) + ": comparison</h1>";
  if (!variants.empty()) {
    const json& s0 = variants[0].value("summary", json::object());
    if (const std::string desc = str_at(s0, "description"); !desc.empty()) page += "<p>" + html::escape(desc) + "</p>";
    std::string meta = std::to_string(variants.size()) + " variants · seed " + value_html(s0.value("seed", json())) +
                       " (common random numbers: every variant sees the same arrivals)";
    if (s0.contains("replications")) meta += " · " + value_html(s0["replications"]) + " replications each";
    page += "<p class=\"meta\">" + meta + "</p>";
  }
  if (changes_add_nothing) {
    t.header.erase(t.header.begin() + 1);
    t.numeric.erase(t.numeric.begin() + 1);
    for (auto& row : t.rows) row.erase(row.begin() + 1);
  }
  page += "</div></header>\n<main>\n<h2>Variants</h2>\n" + t.render();
  const auto library = interactive::load_library();
  json payload = interactive::new_payload(time_marks);
  std::string off;
  if (!library && !list.empty()) off = interactive::missing_notice(interactive::library_path());
  page += "<h2>Charts</h2>\n" + notice + off + same + figures(charts, list, library ? &payload : nullptr);
  page += "<footer>Written by archsim from <code>compare.json</code> and each variant's <code>latency_cdf.csv</code> and "
          "<code>timeseries.csv</code>; redraw with <code>archsim report DIR</code>, or edit a script in <code>charts/</code> "
          "and run <code>gnuplot NAME.gp</code> there.</footer>\n</main>\n";
  if (library && !payload["charts"].empty()) page += interactive::scripts(*library, payload);
  page += "</body>\n</html>\n";
  write_page(dir, page);
  result.message = "wrote " + (dir / "report.html").string() + "; " + result.message;
  return result;
}

}  // namespace archsim::reports
