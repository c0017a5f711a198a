// What `archsim plan` reads from its command line and how it walks the grid.
//
// --slo p99=200ms,availability=0.999: latency objectives (p50, p90, p95, p99, p999 of the
// end-to-end latency of successful requests, a duration each) and an availability objective
// (a fraction in (0, 1]). A configuration meets the SLO with confidence when, over its
// replications, the upper end of the 95% confidence interval of each latency figure is at
// most its target and the lower end of the availability interval at least its target (one
// replication: the figures themselves, no confidence).
//
// --search web.replicas=1..40,db.replicas=1..8: integer ranges LO..HI, or lists of integers
// (web.replicas=2,4,8), per parameter path (the paths --set takes).
//
// The search assumes monotonicity: raising any searched parameter never makes the SLO harder
// to meet (more replicas never hurt latency) and never makes the run cheaper. So for each
// combination of the other parameters ("outer" point) the smallest passing value of the
// parameter with the most values is found by binary search, all outer points in lockstep so
// that every round runs as one batch of jobs; and each verdict bounds its neighbours — a pass
// at (o, v) caps the answer of every outer point above o at v, a fail raises the floor of
// every outer point below o past v. The cheapest passing configuration is then among the
// smallest passing values of the outer points.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace archsim::cli {

struct SloTargets {
  std::vector<std::pair<std::string, double>> latency_ms;  // {"p99", 200}
  std::optional<double> availability;
};

struct SearchParam {
  std::string path;
  std::vector<long long> values;  // ascending, distinct
};

// Parse the flags; print a one-line error ("archsim: --slo ...: why") and return nullopt.
std::optional<SloTargets> parse_slo(const std::string& text);
std::optional<std::vector<SearchParam>> parse_search(const std::vector<std::string>& texts);

// The lockstep monotone binary search over the grid. The last parameter given to the
// constructor's `sizes` is the searched one; the others span the outer points.
class StaircaseSearch {
 public:
  explicit StaircaseSearch(std::vector<std::size_t> sizes);
  using Point = std::vector<std::size_t>;  // an index per parameter
  // The points to evaluate next (empty when the search is over).
  std::vector<Point> next_round() const;
  // A verdict for an evaluated point; bounds the neighbours (see the header comment).
  void record(const Point& p, bool pass);
  // Per outer point, its smallest passing point (when the search found one).
  std::vector<Point> answers() const;

 private:
  Point point(std::size_t outer, std::size_t v) const;
  std::vector<std::size_t> sizes_;
  std::vector<std::vector<std::size_t>> outer_;  // outer point k: its indices
  bool first_ = true;
  std::vector<std::size_t> lo_, hi_;            // answer of outer k is in [lo, hi]; hi == n: none passes
};

}  // namespace archsim::cli
