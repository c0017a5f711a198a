#include "reports/html_data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "reports/write_file.h"

namespace archsim::reports::data {
namespace fs = std::filesystem;

namespace {

bool parse_number(const std::string& text, double& out) {
  if (text.empty()) return false;
  const char* begin = text.c_str();
  char* end = nullptr;
  out = std::strtod(begin, &end);  // accepts "nan" and "inf" as the engine may write them
  while (end != nullptr && (*end == ' ' || *end == '\r')) ++end;
  return end != begin && end != nullptr && *end == '\0';
}

void strip_cr(std::string& line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
}

std::string fmt(double v, int digits) {
  if (std::isnan(v)) return "NaN";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

}  // namespace

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') { fields.back() += '"'; ++i; }
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::string safe_name(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    if (c == ',' || c == '"' || c == '\n' || c == '\r' || c == '\t') c = '_';
  }
  return out;
}

TimeSeries TimeSeries::load(const fs::path& csv) {
  TimeSeries ts;
  std::ifstream in(csv);
  if (!in) return ts;
  std::string line;
  if (!std::getline(in, line)) return ts;  // header: time_s,component,metric,value
  while (std::getline(in, line)) {
    strip_cr(line);
    if (line.empty()) continue;
    const auto f = split_csv(line);
    double t = 0, v = 0;
    if (f.size() != 4 || !parse_number(f[0], t) || !parse_number(f[3], v) || f[1].empty() || f[2].empty()) {
      continue;
    }
    auto [comp_it, new_comp] = ts.data_.try_emplace(f[1]);
    if (new_comp) ts.order_.push_back(f[1]);
    auto [metric_it, new_metric] = comp_it->second.try_emplace(f[2]);
    if (new_metric) ts.metric_order_[f[1]].push_back(f[2]);
    metric_it->second[t] = v;
  }
  return ts;
}

const Points* TimeSeries::find(const std::string& component, const std::string& metric) const {
  const auto c = data_.find(component);
  if (c == data_.end()) return nullptr;
  const auto m = c->second.find(metric);
  return m == c->second.end() || m->second.empty() ? nullptr : &m->second;
}

std::vector<std::string> TimeSeries::components_with(const std::string& metric) const {
  std::vector<std::string> out;
  for (const auto& c : order_) {
    if (find(c, metric) != nullptr) out.push_back(c);
  }
  return out;
}

std::vector<std::string> TimeSeries::metrics_of(const std::string& component) const {
  const auto it = metric_order_.find(component);
  return it == metric_order_.end() ? std::vector<std::string>{} : it->second;
}

bool write_wide(const fs::path& file, const std::string& x_name, const std::vector<Column>& columns) {
  std::set<double> xs;
  for (const auto& col : columns) {
    if (col.values == nullptr) continue;
    for (const auto& [x, y] : *col.values) {
      if (!std::isnan(y)) xs.insert(x);
    }
  }
  if (xs.empty()) return false;
  std::ostringstream out;
  out << safe_name(x_name);
  for (const auto& col : columns) out << ',' << safe_name(col.name);
  out << '\n';
  // A stretch of windows where no column has a value (nothing served, no replica up) gets
  // one all-NaN row at its start: gnuplot breaks a line at an undefined value, so the
  // outage shows as a gap instead of a straight line drawn across it.
  double step = 0;
  for (auto it = xs.begin(); std::next(it) != xs.end(); ++it) {
    const double d = *std::next(it) - *it;
    if (d > 0 && (step == 0 || d < step)) step = d;
  }
  auto value_at = [](const Column& col, double x) {
    if (col.values != nullptr)
      if (auto it = col.values->find(x); it != col.values->end()) return it->second;
    return std::nan("");
  };
  auto gap_before = [&](double x, double last) {
    if (!(step > 0 && x - last > 1.5 * step)) return;
    out << fmt(last + step, 10);
    for (std::size_t c = 0; c < columns.size(); ++c) out << ",NaN";
    out << '\n';
  };
  double last = std::nan("");
  if (xs.size() <= 2 * kPageColumns) {
    for (double x : xs) {
      gap_before(x, last);
      last = x;
      out << fmt(x, 10);
      for (const auto& col : columns) out << ',' << fmt(value_at(col, x), 8);
      out << '\n';
    }
    write_file(file, out.str());
    return true;
  }
  // A long run: kPageColumns columns of equal time, each drawn as two rows, every series'
  // lowest value at the column's first window and its highest at its last (the envelope a
  // dashboard draws per pixel column), so that a spike of one window still shows.
  const double x0 = *xs.begin(), width = (*xs.rbegin() - x0) / kPageColumns;
  std::vector<double> lo(columns.size()), hi(columns.size());
  for (auto it = xs.begin(); it != xs.end();) {
    const double first = *it;
    const auto column = std::min<std::size_t>(kPageColumns - 1, static_cast<std::size_t>((first - x0) / width));
    const double column_end = x0 + width * static_cast<double>(column + 1);
    std::fill(lo.begin(), lo.end(), std::nan(""));
    std::fill(hi.begin(), hi.end(), std::nan(""));
    double end = first;
    gap_before(first, last);
    for (; it != xs.end() && (*it < column_end || column + 1 == kPageColumns); ++it) {
      if (*it != first && step > 0 && *it - end > 1.5 * step) break;  // a gap inside the column ends it
      end = *it;
      for (std::size_t c = 0; c < columns.size(); ++c) {
        const double y = value_at(columns[c], *it);
        if (std::isnan(y)) continue;
        lo[c] = std::isnan(lo[c]) ? y : std::min(lo[c], y);
        hi[c] = std::isnan(hi[c]) ? y : std::max(hi[c], y);
      }
    }
    last = end;
    out << fmt(first, 10);
    for (double y : lo) out << ',' << fmt(y, 8);
    out << '\n';
    if (end == first) continue;
    out << fmt(end, 10);
    for (double y : hi) out << ',' << fmt(y, 8);
    out << '\n';
  }
  write_file(file, out.str());
  return true;
}

bool write_steps(const fs::path& file, const std::string& x_name, const std::vector<Column>& columns, double end_x) {
  std::set<double> xs;
  for (const auto& col : columns)
    if (col.values != nullptr)
      for (const auto& [x, y] : *col.values) xs.insert(x);
  if (xs.empty()) return false;
  if (end_x > *xs.rbegin()) xs.insert(end_x);
  std::ostringstream out;
  out << safe_name(x_name);
  for (const auto& col : columns) out << ',' << safe_name(col.name);
  out << '\n';
  for (double x : xs) {
    out << fmt(x, 12);
    for (const auto& col : columns) {
      double y = std::nan("");  // before the column's first row, and after a "nan" row
      if (col.values != nullptr) {
        auto it = col.values->upper_bound(x);
        if (it != col.values->begin()) y = std::prev(it)->second;
      }
      out << ',' << fmt(y, 8);
    }
    out << '\n';
  }
  write_file(file, out.str());
  return true;
}

std::vector<Cdf> load_cdfs(const fs::path& csv, const std::string& fallback_name) {
  std::vector<Cdf> cdfs;
  std::ifstream in(csv);
  if (!in) return cdfs;
  std::string line;
  if (!std::getline(in, line)) return cdfs;
  strip_cr(line);
  const auto header = split_csv(line);
  const bool has_component = header.size() >= 3;
  while (std::getline(in, line)) {
    strip_cr(line);
    if (line.empty()) continue;
    const auto f = split_csv(line);
    double lat = 0, frac = 0;
    const std::size_t base = has_component ? 1 : 0;
    if (f.size() < base + 2 || !parse_number(f[base], lat) || !parse_number(f[base + 1], frac)) continue;
    const std::string name = has_component ? f[0] : fallback_name;
    auto it = std::find_if(cdfs.begin(), cdfs.end(), [&](const Cdf& c) { return c.name == name; });
    if (it == cdfs.end()) it = cdfs.insert(cdfs.end(), Cdf{name, {}});
    it->points.emplace_back(lat, frac);
  }
  for (auto& c : cdfs) std::stable_sort(c.points.begin(), c.points.end());
  return cdfs;
}

std::vector<Cdf> whole_run_cdfs(std::vector<Cdf> cdfs) {
  auto whole = [](const Cdf& c) { return c.name == "all" || c.name == "every request"; };
  if (std::any_of(cdfs.begin(), cdfs.end(), whole)) cdfs.erase(std::remove_if(cdfs.begin(), cdfs.end(), [&](const Cdf& c) { return !whole(c); }), cdfs.end());
  return cdfs;
}

bool write_cdf_blocks(const fs::path& file, const std::vector<Cdf>& cdfs) {
  bool any = false;
  std::ostringstream out;
  for (const auto& c : cdfs) {
    if (c.points.empty()) continue;
    if (any) out << "\n\n";
    out << "latency_ms," << safe_name(c.name) << '\n';
    for (const auto& [lat, frac] : c.points) out << fmt(lat, 8) << ',' << fmt(frac, 8) << '\n';
    any = true;
  }
  if (any) write_file(file, out.str());
  return any;
}

}  // namespace archsim::reports::data
