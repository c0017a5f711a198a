// html_data.h -- reads the run's data files (timeseries.csv, latency_cdf.csv) and writes
// the small per-chart .dat files the gnuplot templates read. gnuplot handles long-format
// CSV poorly, so each chart gets a "wide" file: x in column 1, one series per column,
// the header naming each series (see tools/charts/style.gp).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace archsim::reports::data {

using Points = std::map<double, double>;  // x -> y, sorted by x

// timeseries.csv in long format: time_s,component,metric,value. Components and metrics
// keep the order in which they first appear. Rows that do not parse are
// skipped. Memory: one map node per row (a run writes windows x series rows, small).
class TimeSeries {
 public:
  // A missing file gives an empty series set (a report without time charts).
  static TimeSeries load(const std::filesystem::path& csv);

  bool empty() const { return data_.empty(); }
  const Points* find(const std::string& component, const std::string& metric) const;
  // Components that recorded `metric`, in first-seen order.
  std::vector<std::string> components_with(const std::string& metric) const;
  // Metrics recorded by `component`, in first-seen order.
  std::vector<std::string> metrics_of(const std::string& component) const;
  const std::vector<std::string>& components() const { return order_; }

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::vector<std::string>> metric_order_;
  std::map<std::string, std::map<std::string, Points>> data_;
};

// One column of a wide file; `values` must outlive the write.
struct Column {
  std::string name;
  const Points* values;
};

// Columns of time a chart draws at the most: a run with more windows than twice this is drawn
// per column as its lowest and highest values (write_wide); timeseries.csv keeps every window.
inline constexpr std::size_t kPageColumns = 600;

// Writes `x_name,<col names>` then one row per x found in any column; a column without a
// value at that x gets NaN. With more than 2 x kPageColumns x values, the x range is cut into
// kPageColumns equal columns, each written as two rows: every column's lowest value at the
// column's first x, its highest at its last x (a gap of windows ends a column early). Names are made safe for the CSV header (no comma, quote or
// line break). Where the x values skip more than 1.5 times their smallest step, one all-NaN
// row is added one step after the last value, so that a line breaks there. Returns false (and
// writes nothing) when no column has a point.
bool write_wide(const std::filesystem::path& file, const std::string& x_name,
                const std::vector<Column>& columns);

// A state's transitions (timeseries.csv rows of a Metrics::state) as steps: one row per x at
// which any column changes, each column holding its last value at or before x (NaN before its
// first row and from a "nan" row on), and a last row at `end_x` (the end of the run) so the
// last state is drawn to the end. Drawn with gnuplot's "steps" and dygraphs' stepPlot, each
// value holds until the next row: the chart changes at the exact transition times. Returns
// false (and writes nothing) when no column has a row.
bool write_steps(const std::filesystem::path& file, const std::string& x_name,
                 const std::vector<Column>& columns, double end_x);

// A cumulative distribution: (latency_ms, fraction) sorted by latency.
struct Cdf {
  std::string name;
  std::vector<std::pair<double, double>> points;
};

// latency_cdf.csv as component,latency_ms,cumulative_fraction (one CDF per component,
// first-seen order), or the two-column latency_ms,cumulative_fraction (one CDF named
// `fallback_name`). A missing or empty file gives no CDFs.
std::vector<Cdf> load_cdfs(const std::filesystem::path& csv, const std::string& fallback_name);

// The whole run's curves of latency_cdf.csv ("all" and "every request"), without each
// client's and the SLO population's (reports/summary.h latency_cdf_csv); all of `cdfs` when
// it has neither (a file written by hand, or two-column).
std::vector<Cdf> whole_run_cdfs(std::vector<Cdf> cdfs);

// Writes the CDFs as gnuplot data blocks (two blank lines apart), each with its own
// header "latency_ms,<name>". Returns false when there is nothing to write.
bool write_cdf_blocks(const std::filesystem::path& file, const std::vector<Cdf>& cdfs);

// Splits one CSV line; a field may be double-quoted with "" for a quote inside.
std::vector<std::string> split_csv(const std::string& line);
// Replaces characters that would break a CSV header or a gnuplot title.
std::string safe_name(const std::string& name);

}  // namespace archsim::reports::data
