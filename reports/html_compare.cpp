#include "reports/html_report.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/html_compare_series.h"
#include "reports/html_data.h"
#include "reports/html_figures.h"
#include "reports/html_interactive.h"
#include "reports/html_json.h"
#include "reports/html_marks.h"
#include "reports/html_page.h"
#include "reports/html_pareto.h"
#include "reports/html_whatif.h"
#include "reports/write_file.h"

namespace archsim::reports {
namespace fs = std::filesystem;
using nlohmann::json;
using figures::Chart;
using js::num_at;

namespace {

// The number of replications merged into `summary` (1 for a single run).
int replications(const json& summary) {
  const double n = num_at(summary, "replications");
  return std::isnan(n) || n < 1 ? 1 : static_cast<int>(n);
}

std::string g(double v) {
  if (std::isnan(v)) return "NaN";
  std::ostringstream s;
  s.precision(10);
  s << v;
  return s.str();
}

// The bound of a 95% interval, or the value itself without one.
double bound(const json& s, const char* key, double value, const char* end) {
  const double x = js::ci_bound(s, key, end);
  return std::isnan(x) ? value : x;
}

}  // namespace

ReportResult write_compare_report(const fs::path& dir, const fs::path& chart_script_dir) {
  const json cmp = js::read_json(dir / "compare.json");
  if (!cmp.contains("variants") || !cmp["variants"].is_array())
    throw std::runtime_error((dir / "compare.json").string() + ": no \"variants\" array");
  const json& variants = cmp["variants"];
  const fs::path charts = dir / "charts";
  fs::create_directories(charts);
  const std::vector<std::string> names = {"compare_p99", "compare_availability", "compare_cost", "compare_cdf",
                                          "whatif_p99", "whatif_availability", "compare_pareto", "compare_timeseries"};
  figures::remove_stale(charts, names, {"compare.dat", "compare_cdf.dat", "whatif.dat", "whatif_axis.gp", "pareto.dat",
                                        "pareto_axis.gp", "variants_p99.dat", "variants_throughput.dat", "variants_p99_all.dat",
                                        "variants_failed.dat", "annotations.gp"});

  // compare.dat: one row per variant (columns documented in tools/charts/compare_p99.gp).
  std::ostringstream dat;
  dat << "label,p99_ms,p99_lo,p99_hi,availability_pct,availability_lo,availability_hi,cost_usd,slo_p99_ms,"
         "slo_availability_pct\n";
  std::vector<data::Cdf> cdfs;
  bool any_p99 = false, any_avail = false, any_cost = false;
  // A chart of equal bars says nothing: availability and cost are charted only when they differ.
  std::pair<double, double> av_range{INFINITY, -INFINITY}, cost_range{INFINITY, -INFINITY};
  const int reps = variants.empty() ? 1 : replications(variants[0].value("summary", json::object()));
  std::vector<compare_series::VariantFolder> folders;
  json folder_info = json::array();  // per variant: its folder, own page and files, for the table
  std::size_t index = 0;
  for (const auto& v : variants) {
    ++index;
    const std::string label = js::str_at(v, "label");
    const json& s = v.value("summary", json::object());
    const double p99 = num_at(s, "latency_ms.p99"), av = num_at(s, "availability"), cost = num_at(s, "cost.total_usd");
    any_p99 = any_p99 || !std::isnan(p99);
    any_avail = any_avail || !std::isnan(av);
    any_cost = any_cost || !std::isnan(cost);
    for (auto [x, range] : {std::pair{av, &av_range}, std::pair{cost, &cost_range}})
      if (!std::isnan(x)) *range = {std::min(range->first, x), std::max(range->second, x)};
    dat << data::safe_name(label) << ',' << g(p99) << ',' << g(bound(s, "latency_ms.p99", p99, "lo")) << ','
        << g(bound(s, "latency_ms.p99", p99, "hi")) << ',' << g(av * 100) << ',' << g(bound(s, "availability", av, "lo") * 100)
        << ',' << g(bound(s, "availability", av, "hi") * 100) << ',' << g(cost) << ',' << g(num_at(s, "slo.latency_p99_ms"))
        << ',' << g(num_at(s, "slo.availability") * 100) << '\n';

    // The variant's folder is "dir" (archsim compare writes variant-N), else its label;
    // either names a sub-folder only when it cannot climb out of DIR.
    const std::string sub = v.contains("dir") && v["dir"].is_string() ? v["dir"].get<std::string>() : label;
    const bool sub_ok = !sub.empty() && sub.find('/') == std::string::npos && sub != "." && sub != "..";
    json info = {{"sub", nullptr}, {"own_page", false}, {"files", json::array()}};
    // Its own run page (written here, interactive charts only) and data files, linked.
    if (sub_ok && fs::is_regular_file(dir / sub / "summary.json")) {
      const std::string context = "Variant " + std::to_string(index) + " of " + std::to_string(variants.size()) +
                                  " of a comparison: <strong>" + html::escape(label) +
                                  "</strong> · <a href=\"../report.html\">back to the comparison</a>";
      try {
        write_run_report(dir / sub, chart_script_dir, RunPageOptions{false, context});
        info["own_page"] = true;
      } catch (const std::exception&) {
        // A variant folder whose summary cannot be read gets no page; its row still stands.
      }
      info["sub"] = sub;
      for (const char* f : {"summary.json", "timeseries.csv", "trace.json"})
        if (fs::is_regular_file(dir / sub / f)) info["files"].push_back(f);
      folders.push_back({label, dir / sub});
    }
    folder_info.push_back(std::move(info));
    if (sub_ok) {
      // The variant's whole-run curves: its clients' own are on its own page.
      auto per = data::whole_run_cdfs(data::load_cdfs(dir / sub / "latency_cdf.csv", label));
      for (auto& c : per) {
        c.name = per.size() > 1 ? label + " " + c.name : label;
        cdfs.push_back(std::move(c));
      }
    }
  }

  std::vector<Chart> list;
  json same = json::array();  // figures equal in every variant, said instead of charted
  // A numeric --vary is an axis: p99 and availability against it replace the bars.
  const whatif::Plot what_if = whatif::write_data(charts, variants);
  if (what_if.drawn) {
    const std::string across = what_if.series > 1 ? ", one line per value of the other varied fields" : "";
    const std::string band = what_if.bands ? "; the band is the 95% confidence interval across replications" : "";
    const std::string who = what_if.population.empty() ? std::string()
                            : " The requests are those the SLO judges (" + what_if.population +
                                  "), as are the availability's: the objective is about them only.";
    list.push_back({"whatif_p99", "p99 latency against " + what_if.x_path,
                    "The p99 end-to-end latency of each variant's successful requests against " + what_if.x_path + across +
                        band + ". The dash-dot line is the SLO when the scenario has one." + who,
                    {"whatif.dat", "whatif_axis.gp"}, what_if.p99_panels});
    if (what_if.availability_varies)
      list.push_back({"whatif_availability", "Availability against " + what_if.x_path,
                      "Share of requests served against " + what_if.x_path + across + band + "." + who,
                      {"whatif.dat", "whatif_axis.gp"}, what_if.availability_panels});
  }
  if (!variants.empty()) {
    write_file(charts / "compare.dat", dat.str());
    if (any_p99 && !what_if.drawn)
      list.push_back({"compare_p99", "p99 latency per variant",
                      "Bars are the p99 end-to-end latency of each variant's successful requests; whiskers the 95% "
                      "confidence interval across replications. Variants whose whiskers overlap are not clearly different.",
                      {"compare.dat"}});
    if (any_avail && av_range.first == av_range.second) same.push_back({{"what", "availability"}, {"value", av_range.first}});
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
  bool judged = false;
  if (auto files = compare_series::write_data(charts, folders, judged); !files.empty()) {
    marks::write_annotations(charts / "annotations.gp", time_marks);
    files.push_back("annotations.gp");
    std::string who;
    if (judged && !variants.empty()) {
      const json& s0 = variants[0].value("summary", json::object());
      const std::string label = s0.contains("slo") && s0["slo"].contains("population")
                                    ? js::str_at(s0["slo"]["population"], "label") : std::string();
      who = " The latencies and the failed share are those of the requests the SLO judges (" +
            (label.empty() ? std::string("its scope") : label) + "), the population its objective's line is about; the "
            "throughput is every client's.";
    }
    list.push_back({"compare_timeseries", "Each variant over time",
                    std::string("End-to-end p99 latency of the successful requests per window (top) and requests "
                                "completed per second (below it), one line per variant; then, when the runs recorded them, "
                                "the p99 of every finished request and the share that failed, so that a p99 that falls "
                                "while requests fail is not taken for an improvement. The grey band is the warm-up, left "
                                "out of the figures.") + who +
                        (reps > 1 ? " These are replication 1 of each variant (its timeseries.csv); the tables above are "
                                    "means over the replications."
                                  : "") +
                        " Time in " + time_marks.unit.name + ".",
                    files});
  }
  if (data::write_cdf_blocks(charts / "compare_cdf.dat", cdfs))
    list.push_back({"compare_cdf", "Latency distributions overlaid",
                    "Cumulative fraction of successful requests within a latency (log scale), one curve per variant.",
                    {"compare_cdf.dat"}});
  if (any_cost && cost_range.first == cost_range.second) same.push_back({{"what", "cost"}, {"value", cost_range.first}});
  if (any_cost && cost_range.first != cost_range.second)
    list.push_back({"compare_cost", "Cost per variant", "Total cost of the simulated run for each variant.", {"compare.dat"}});

  const figures::Drawing drawing = figures::draw(charts, chart_script_dir, list);
  ReportResult result;
  const json notice = figures::notice(dir, drawing, result.message);
  result.charts_drawn = drawing.gnuplot_found && drawing.scripts_found && drawing.failed.empty() && !list.empty();

  const auto library = interactive::load_library();
  json data = interactive::marks_json(time_marks);
  data["page"] = "compare";
  data["compare"] = cmp;
  data["folders"] = std::move(folder_info);
  data["whatif_x"] = what_if.drawn ? json(what_if.x_path) : json(nullptr);
  data["same"] = std::move(same);
  data["library"] = {{"present", library.has_value()}, {"path", interactive::library_path().string()}};
  data["static_notice"] = notice;
  data["charts"] = figures::describe(charts, list, library.has_value(), data["time"]["div"].get<double>(),
                                       figures::inline_svg_budget());
  std::string scenario = js::str_at(cmp, "scenario");
  if (scenario.empty() && !variants.empty()) scenario = js::str_at(variants[0].value("summary", json::object()), "scenario");
  if (scenario.empty()) scenario = "archsim comparison";
  html::write_page(dir, interactive::render(scenario + " — comparison", data, library ? &*library : nullptr));
  result.message = "wrote " + (dir / "report.html").string() + "; " + result.message;
  return result;
}

}  // namespace archsim::reports
