#include "reports/html_report.h"

#include <cmath>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/chart_scripts.h"
#include "reports/html_data.h"
#include "reports/html_declared_charts.h"
#include "reports/html_figures.h"
#include "reports/html_interactive.h"
#include "reports/html_json.h"
#include "reports/html_marks.h"
#include "reports/html_page.h"
#include "reports/html_run_charts.h"
#include "reports/html_series.h"
#include "reports/html_slo_windows.h"
#include "reports/html_topology.h"
#include "reports/html_traces.h"
#include "reports/slo_gate.h"

namespace archsim::reports {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json slo_words(const json& summary) {
  json out = json::array();
  if (!summary.contains("slo") || !summary["slo"].is_object() || !summary["slo"].contains("objectives") ||
      !summary["slo"]["objectives"].is_array())
    return out;
  // One entry per objective (reports/ledgers/slo.h), in the terminal's words.
  for (const json& item : summary["slo"]["objectives"]) {
    const nlohmann::ordered_json o(item);
    out.push_back({{"label", slo_objective_label(o)}, {"value", slo_objective_value(o)},
                   {"target", slo_objective_target(o)}, {"caveat", slo_objective_caveat(o)},
                   {"detail", slo_objective_detail(o)}});
  }
  return out;
}

json library_state(const std::optional<interactive::Library>& library) {
  return {{"present", library.has_value()}, {"path", interactive::library_path().string()}};
}

}  // namespace

ReportResult write_run_report(const fs::path& dir, const fs::path& chart_script_dir, const RunPageOptions& options) {
  const json summary = js::read_json(dir / "summary.json");
  const fs::path charts = dir / "charts";
  fs::create_directories(charts);
  figures::remove_stale(charts, run_charts::kCharts, run_charts::kDataFiles);
  figures::remove_stale(charts, {}, run_charts::kPopulationFiles);

  const auto ts = data::TimeSeries::load(dir / "timeseries.csv");
  const auto cdfs = data::load_cdfs(dir / "latency_cdf.csv", "all clients");
  declared_charts::remove_stale(charts);
  auto list = run_charts::prepare(charts, summary, ts, cdfs);
  for (auto& c : declared_charts::prepare(charts, summary, ts)) list.push_back(std::move(c));
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
  json notice;
  if (options.static_charts) {
    const figures::Drawing drawing = figures::draw(charts, chart_script_dir, list);
    notice = figures::notice(dir, drawing, result.message);
    result.charts_drawn = drawing.gnuplot_found && drawing.scripts_found && drawing.failed.empty() && !list.empty();
  } else {
    figures::draw(charts, chart_script_dir, list, /*run=*/false);
    notice = {{"kind", "variant"}, {"redo", "archsim report " + dir.filename().string()}};
    result.message = "static charts not drawn";
  }
  if (list.empty()) result.message = "no chart data (timeseries.csv / latency_cdf.csv missing or empty)";

  check_drawing();  // before the page's data: seconds for a long run's series
  const auto library = interactive::load_library();
  json data = interactive::marks_json(chart_marks);
  const double x_div = data["time"]["div"].get<double>();
  data["page"] = "run";
  data["summary"] = summary;
  data["slo_words"] = slo_words(summary);
  data["slo_windows"] = slo_windows::for_page(summary, ts);
  data["context_html"] = options.context_html;
  data["library"] = library_state(library);
  data["static_notice"] = notice;
  data["charts"] = figures::describe(charts, list, library.has_value(), x_div, figures::inline_svg_budget());
  data["series"] = series::for_page(ts, summary, x_div);
  data["topology"] = topology::for_page(dir);
  data["traces"] = traces::for_page(dir);
  // Runs written before analysis.json existed, or by hand, have none: the section is left out.
  data["analysis"] = fs::exists(dir / "analysis.json") ? js::read_json(dir / "analysis.json") : json(nullptr);

  const std::string name = summary.value("scenario", std::string("archsim run"));
  html::write_page(dir, interactive::render(name + " — archsim report", data, library ? &*library : nullptr));
  result.message = "wrote " + (dir / "report.html").string() + "; " + result.message;
  return result;
}

}  // namespace archsim::reports
