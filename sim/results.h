// What a finished run hands to reports/: plain figures, no model types. Reports turn this
// into summary.json, timeseries.csv and the terminal table.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/histogram.h"
#include "sim/metrics.h"
#include "sim/page_section.h"
#include "sim/request.h"
#include "sim/time.h"
#include "sim/request_log.h"
#include "sim/trace.h"

namespace archsim {

// Latency figures in milliseconds, from a histogram.
struct LatencyStats {
  std::uint64_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0;
  // The histogram bucket each percentile lies in (Histogram::percentile_bounds), in ms: the
  // true p50 is within [p50_bounds.lo, p50_bounds.hi], and so on. For verdicts on targets.
  struct Bounds {
    double lo = 0, hi = 0;
  };
  Bounds p50_bounds, p90_bounds, p95_bounds, p99_bounds, p999_bounds;
  static LatencyStats from(const Histogram& h);
};

// What a component used over the whole run (warm-up included: the machines ran and were
// paid for), for the cost ledger (reports/ledgers/cost.h). Quantities only: prices, minimum
// billing and the catalogue are the ledger's, read from the scenario.
struct Usage {
  // One instance ever launched: its type (as the scenario names it, "" for none) and its
  // life from launch to termination (or the end of the run), in seconds.
  struct Instance {
    std::string type;
    double seconds = 0;
  };
  std::vector<Instance> instances;
  double egress_gb = 0;  // decimal GB sent out to users, as cloud egress is priced
  double edge_egress_gb = 0;  // decimal GB delivered by a CDN's edge (its own price per GB)
  // Serverless functions: invocations billed, their billed GB-seconds (duration rounded up to
  // 1 ms x memory in GB), and the GB-seconds of provisioned environments kept initialised.
  double function_invocations = 0, function_gb_seconds = 0, function_provisioned_gb_seconds = 0;
  // A replicated component's replica count, peak and time-weighted mean.
  bool has_replicas = false;
  double peak_replicas = 0, mean_replicas = 0;
};

// The interval kind (ComponentReport::add_interval) of an instance's OOM kill: reports list
// these apart from the other episodes.
inline constexpr const char* kOomKillKind = "oom_kill";

// How one figure of the segments of a time-parallel run (tools/cli/segments.h) makes the
// whole run's: Sum (a count), Weighted (a mean, rate or ratio: the mean of the segments'
// values weighted by `weight`, or by their measured seconds when the weight is 0; exact for
// a time-weighted mean, a rate per measured second and a ratio of counts weighted by its
// denominator), Last (a level at the end: the last segment's), Max (a peak: the highest),
// Span (a total over all the run simulated, warm-up included, such as instance seconds: the
// first segment's, then each later one's share of it for its part after the cut). A figure a
// model adds without saying is Weighted by time: approximate for anything else.
struct Stitch {
  enum Kind : std::uint8_t { Weighted, Sum, Last, Max, Span } kind = Weighted;
  double weight = 0;
};

// A model's end-of-run figures. Names may be dotted ("share.web-1") to nest them.
class ComponentReport {
 public:
  void add(std::string name, double value, Stitch how = {}) {
    figures_.emplace_back(std::move(name), value);
    stitch_.push_back(how);
  }
  void add_text(std::string name, std::string value) { texts_.emplace_back(std::move(name), std::move(value)); }
  void add_latency(std::string name, const Histogram& h) {
    latencies_.emplace_back(std::move(name), LatencyStats::from(h));
    if (keep_histograms_) histograms_.push_back(h);
  }
  // How each figure stitches, in the order of figures().
  const std::vector<Stitch>& stitch() const { return stitch_; }
  // A segment's report keeps a copy of each latency's histogram (in the order of latencies()),
  // so that the stitched run's percentiles are the merged histogram's; set before finish().
  void keep_histograms() { keep_histograms_ = true; }
  const std::vector<Histogram>& histograms() const { return histograms_; }
  // An episode of the run for the availability report: kind "fault" (an injected fault, from
  // start to end; end == start for an instantaneous one), kOomKillKind (an instance killed
  // for its memory, until it is ready again), or any other the owner names (a rollout). The
  // ledgers add detect/recover times to faults.
  struct Interval {
    std::string kind, label;
    Time start = 0, end = 0;
  };
  void add_interval(std::string kind, std::string label, Time start, Time end) {
    intervals_.push_back(Interval{std::move(kind), std::move(label), start, end});
  }
  const auto& intervals() const { return intervals_; }
  const auto& figures() const { return figures_; }
  const auto& texts() const { return texts_; }
  const auto& latencies() const { return latencies_; }
  // Billing input, kept apart from the figures (summary.json shows the ledger's totals).
  Usage& usage() { return usage_; }
  const Usage& usage() const { return usage_; }
  // What the page shows of the component (sim/page_section.h); empty: nothing of its own.
  PageSection& page() { return page_; }
  const PageSection& page() const { return page_; }

 private:
  std::vector<std::pair<std::string, double>> figures_;
  std::vector<std::pair<std::string, std::string>> texts_;
  std::vector<std::pair<std::string, LatencyStats>> latencies_;
  std::vector<Stitch> stitch_;
  std::vector<Histogram> histograms_;
  bool keep_histograms_ = false;
  std::vector<Interval> intervals_;
  Usage usage_;
  PageSection page_;
};

struct ComponentResult {
  std::string id, type;
  ComponentReport report;
};

struct OutcomeCounts {
  std::array<std::uint64_t, kMaxCauses> by_status{};
  std::uint64_t total() const {
    std::uint64_t t = 0;
    for (auto n : by_status) t += n;
    return t;
  }
  // Served requests: full answers plus fallbacks' degraded ones (availability counts both).
  std::uint64_t ok() const { return by_status[0] + degraded(); }
  std::uint64_t degraded() const { return by_status[static_cast<int>(Status::Degraded)]; }
  std::uint64_t failed() const { return total() - ok(); }
};

struct RouteResult {
  std::string name;
  OutcomeCounts outcomes;
  LatencyStats latency;      // requests answered Ok
  LatencyStats latency_all;  // every request that ended, a failed one when it failed
};

// A part of the client requests counted apart (sim/request_ledger.h RequestPopulation): the
// requests `clients` ended on `routes`, after warm-up. Its series are in RunResult::series
// under the component name `series`.
struct PopulationResult {
  std::string series;
  // The clients and routes the selection named, in the scenario's order; empty: every one.
  std::vector<std::string> clients, routes;
  OutcomeCounts outcomes;
  LatencyStats latency, latency_all;
  std::vector<std::pair<double, double>> latency_cdf;  // of `latency`, as RunResult's
  std::vector<RouteResult> by_route;  // each of `routes` that some request took
};

// One client's latency distribution: (ms, cumulative fraction) of the requests it ended
// answered Ok, as RunResult::latency_cdf is of all of them.
struct ClientCdf {
  std::string client;  // its component id
  std::vector<std::pair<double, double>> points;
};

struct RunResult {
  std::string scenario, description;
  std::uint64_t seed = 0;
  double duration_s = 0, warmup_s = 0, measured_s = 0;
  // An interrupted run (Simulation::run's stop) ended at simulated_s < duration_s; its
  // figures cover what was simulated (measured_s is from the warm-up's end to simulated_s).
  bool partial = false;
  double simulated_s = 0;
  // Every fixed-count test ended (Context::test_ended) at simulated_s, before duration_s.
  bool ended_early = false;

  std::uint64_t sent = 0, in_flight = 0, in_flight_at_warmup = 0;
  OutcomeCounts outcomes;
  LatencyStats latency;      // requests answered Ok, end to end
  LatencyStats latency_all;  // every request that ended, a failed one when it failed
  std::vector<std::pair<double, double>> latency_cdf;  // (ms, cumulative fraction), end to end
  // The same over every request that ended (latency_all), failed ones at their failure;
  // empty when none failed (it would be latency_cdf again).
  std::vector<std::pair<double, double>> latency_all_cdf;
  // Each client's own latency_cdf, in build order, when two or more clients end requests (with
  // one, latency_cdf is its own); a client none of whose requests was answered has none.
  std::vector<ClientCdf> client_cdfs;
  std::vector<RouteResult> routes;
  std::optional<PopulationResult> population;  // when a top-level reader asked for one
  std::vector<ComponentResult> components;
  // The hidden components built from registry sections ("$faults"): their figures and
  // intervals (injected faults) feed the availability ledger, not the component table.
  std::vector<ComponentResult> sections;
  std::uint64_t sent_whole_run = 0;  // requests sent, warm-up included (billed per request)
  Time warmup = 0;                   // warmup_s, exact
  Time start = 0;                    // where the run began (Simulation::start_at; 0 but for a segment)

  double window_s = 0;
  std::vector<Time> window_ends;
  // Every series the run recorded, in the recorder's order (the ledgers drop the "all"
  // cause series that stayed zero and add the derived availability series).
  std::vector<Series> series;
  // Every state the run recorded, transition by transition at its exact time (Metrics::state).
  std::vector<StateSeries> states;

  double wall_time_s = 0;
  std::uint64_t events = 0;
  std::uint64_t fingerprint = 0;  // Simulation's event-stream hash (summary.json run.fingerprint)
  std::vector<std::string> cause_names;  // by Status value (OutcomeCounts::by_status index)
  std::vector<std::string> route_names;  // by route index (RequestInfo::route)
  // A segment of a time-parallel run (Simulation::keep_histograms) keeps the histogram of
  // each end-to-end latency figure, named "latency", "latency_all", "route:<name>",
  // "route_all:<name>", "population", "population_all", "population_route:<name>",
  // "population_route_all:<name>", "client:<id>" (a client's answered requests, when there are
  // several clients); a component's are in its report (ComponentReport::histograms).
  bool keep_histograms = false;
  std::vector<std::pair<std::string, Histogram>> histograms;
  TraceData trace;                       // request traces (Simulation::enable_trace), empty when off
  RequestLogData request_log;            // access logs (BuildContext::log_requests), empty when none
};

}  // namespace archsim
