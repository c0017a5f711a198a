#include "tools/cli/plan_search.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iostream>

#include "sim/time.h"

namespace archsim::cli {

static std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t c = s.find(',', start);
    out.push_back(s.substr(start, c == std::string::npos ? std::string::npos : c - start));
    if (c == std::string::npos) return out;
    start = c + 1;
  }
}

static std::optional<long long> parse_int(const std::string& s) {
  long long v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

std::optional<SloTargets> parse_slo(const std::string& text) {
  SloTargets t;
  for (const std::string& item : split_commas(text)) {
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq), value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (eq == std::string::npos || value.empty()) {
      std::cerr << "archsim: --slo " << text << ": \"" << item
                << "\": expected NAME=VALUE, e.g. p99=200ms,availability=0.999\n";
      return std::nullopt;
    }
    if (key == "availability") {
      char* end = nullptr;
      const double a = std::strtod(value.c_str(), &end);
      if (end != value.c_str() + value.size() || !(a > 0 && a <= 1)) {
        std::cerr << "archsim: --slo " << text << ": availability=" << value << ": expected a fraction in (0, 1], e.g. 0.999\n";
        return std::nullopt;
      }
      t.availability = a;
    } else if (key == "p50" || key == "p90" || key == "p95" || key == "p99" || key == "p999") {
      std::string why;
      const auto d = parse_duration(value, &why);
      if (!d || *d <= 0) {
        std::cerr << "archsim: --slo " << text << ": " << key << "=" << value << ": expected a positive duration such as 200ms"
                  << (why.empty() ? "" : " (" + why + ")") << "\n";
        return std::nullopt;
      }
      t.latency_ms.emplace_back(key, to_seconds(*d) * 1000.0);
    } else {
      std::cerr << "archsim: --slo " << text << ": unknown objective \"" << key
                << "\" (expected p50, p90, p95, p99, p999 or availability)\n";
      return std::nullopt;
    }
  }
  return t;
}

std::optional<std::vector<SearchParam>> parse_search(const std::vector<std::string>& texts) {
  constexpr long long kMaxValues = 100000;
  std::vector<SearchParam> params;
  for (const std::string& text : texts) {
    for (const std::string& item : split_commas(text)) {
      const auto eq = item.find('=');
      std::string spec = item;
      if (eq != std::string::npos) {
        if (eq == 0) {
          std::cerr << "archsim: --search " << text << ": \"" << item << "\": no parameter path before '='\n";
          return std::nullopt;
        }
        const std::string path = item.substr(0, eq);
        for (const auto& p : params)
          if (p.path == path) {
            std::cerr << "archsim: --search " << text << ": " << path << " is searched twice\n";
            return std::nullopt;
          }
        params.push_back(SearchParam{path, {}});
        spec = item.substr(eq + 1);
      } else if (params.empty()) {
        std::cerr << "archsim: --search " << text << ": expected PATH=LO..HI or PATH=V1,V2,..., e.g. web.replicas=1..40\n";
        return std::nullopt;
      }
      SearchParam& p = params.back();
      const auto dots = spec.find("..");
      if (dots != std::string::npos) {
        const auto lo = parse_int(spec.substr(0, dots)), hi = parse_int(spec.substr(dots + 2));
        if (!lo || !hi) {
          std::cerr << "archsim: --search " << text << ": " << p.path << "=" << spec << ": expected LO..HI with whole numbers\n";
          return std::nullopt;
        }
        if (*lo > *hi) {
          std::cerr << "archsim: --search " << text << ": " << p.path << "=" << spec << ": empty range (" << *lo << " > " << *hi
                    << ")\n";
          return std::nullopt;
        }
        if (*hi - *lo >= kMaxValues) {
          std::cerr << "archsim: --search " << text << ": " << p.path << "=" << spec << ": more than " << kMaxValues
                    << " values\n";
          return std::nullopt;
        }
        for (long long v = *lo; v <= *hi; ++v) p.values.push_back(v);
      } else {
        const auto v = parse_int(spec);
        if (!v) {
          std::cerr << "archsim: --search " << text << ": " << p.path << "=" << spec
                    << ": expected a whole number or a range LO..HI\n";
          return std::nullopt;
        }
        p.values.push_back(*v);
      }
    }
  }
  if (params.empty()) {
    std::cerr << "archsim: --search: expected PATH=LO..HI, e.g. web.replicas=1..40\n";
    return std::nullopt;
  }
  for (auto& p : params) {
    std::sort(p.values.begin(), p.values.end());
    p.values.erase(std::unique(p.values.begin(), p.values.end()), p.values.end());
  }
  return params;
}

StaircaseSearch::StaircaseSearch(std::vector<std::size_t> sizes) : sizes_(std::move(sizes)) {
  // Outer points: every combination of the indices of all parameters but the last.
  std::vector<std::size_t> idx(sizes_.size() - 1, 0);
  for (;;) {
    outer_.push_back(idx);
    std::size_t d = 0;
    while (d < idx.size() && ++idx[d] == sizes_[d]) idx[d++] = 0;
    if (d == idx.size()) break;
  }
  lo_.assign(outer_.size(), 0);
  hi_.assign(outer_.size(), sizes_.back());
}

StaircaseSearch::Point StaircaseSearch::point(std::size_t outer, std::size_t v) const {
  Point p = outer_[outer];
  p.push_back(v);
  return p;
}

std::vector<StaircaseSearch::Point> StaircaseSearch::next_round() const {
  // The first round tries the largest configuration alone: when it fails, none passes.
  if (first_) return {point(outer_.size() - 1, sizes_.back() - 1)};
  std::vector<Point> round;
  for (std::size_t k = 0; k < outer_.size(); ++k)
    if (lo_[k] < hi_[k]) {
      Point p = point(k, lo_[k] + (hi_[k] - lo_[k]) / 2);
      if (std::find(round.begin(), round.end(), p) == round.end()) round.push_back(std::move(p));
    }
  return round;
}

void StaircaseSearch::record(const Point& p, bool pass) {
  first_ = false;
  const std::size_t v = p.back();
  for (std::size_t k = 0; k < outer_.size(); ++k) {
    bool above = true, below = true;  // outer_[k] >= p's outer indices / <= them, componentwise
    for (std::size_t d = 0; d + 1 < p.size(); ++d) {
      above = above && outer_[k][d] >= p[d];
      below = below && outer_[k][d] <= p[d];
    }
    if (pass && above) hi_[k] = std::min(hi_[k], v);
    if (!pass && below) lo_[k] = std::max(lo_[k], v + 1);
    if (lo_[k] > hi_[k]) lo_[k] = hi_[k];  // a verdict against monotonicity (noise): keep the pass
  }
}

std::vector<StaircaseSearch::Point> StaircaseSearch::answers() const {
  std::vector<Point> out;
  for (std::size_t k = 0; k < outer_.size(); ++k)
    if (hi_[k] < sizes_.back()) out.push_back(point(k, hi_[k]));
  return out;
}

}  // namespace archsim::cli
