// The end-to-end ledger of client requests: how many were sent, how each ended (by route and
// by cause), and their latency from the client's send to the client's answer. Clients feed
// it through Context::request_sent / request_ended while the run goes; after the run it fills
// the end-to-end part of RunResult (sent, in flight, outcomes, latency and its CDF, routes).
//
// Two latencies, as load generators report them (k6's http_req_duration over every request
// beside its successful ones; Gatling's OK / KO / All columns): `latency` of the requests
// answered Status::Ok, and `latency_all` of every request that ended, a failed one at the
// moment it failed (a timeout at its timeout, a 503 when the refusal came back). A chart of
// the first alone can show latency falling while requests fail: the survivors are the fast.
//
// It is the engine's and not a model's because routes are engine names (RequestInfo::route)
// and because a scenario may have several clients: the ledger is their sum. Its per-window
// "all" series (ok, failed, failed by cause, latency, latency_all) are what the SLO windows,
// the time to detect a fault and the alert rules read (reports/ledgers).
//
// A population (PopulationMembers): a part of the requests, by the clients that end them and
// their routes, counted apart with series of its own (reports/ledgers: an SLO's scope). One
// table lookup per request ended when a population is set, none otherwise.
//
// Warm-up: at its end the whole-run figures restart; requests still in flight then are
// counted apart (in_flight_at_warmup) so that sent = ended + in flight holds after it.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/histogram.h"
#include "sim/metrics.h"
#include "sim/request.h"
#include "sim/results.h"
#include "sim/time.h"

namespace archsim {

// The requests a population counts (a RequestPopulation resolved by scenario/population.h):
// `series`, the component name of its series in timeseries.csv; `clients[c]`, the requests that
// component c ends count; `routes[r]`, those on route r; `*_named`, the selection named its
// clients or routes (else it took every one).
struct PopulationMembers {
  std::string series;
  std::vector<char> clients, routes;
  bool clients_named = false, routes_named = false;
};

class RequestLedger {
 public:
  // Registers the "all" series in `metrics`, one error series per cause in `cause_names`
  // (index = Status value; index 0 is ok and gets none).
  RequestLedger(Metrics& metrics, const std::vector<std::string>& cause_names);
  ~RequestLedger();

  // The index of route `name`, added on first use (at build time). At most 65,536 routes
  // (std::length_error past them; BuildContext::route_index says it as a scenario error).
  std::uint32_t route_index(const std::string& name);
  std::uint32_t route_count() const { return static_cast<std::uint32_t>(names_.size()); }
  const std::string& route_name(std::uint32_t i) const { return names_[i]; }

  // A client's two latency histograms, with series or windowed: `ok` records now - req.start
  // of every request the client ends with Status::Ok, `other` of every other one it ends
  // (failed, or a fallback's degraded answer). The "all" latency is the sum of the clients'
  // `ok`, the "all" latency_all the sum of both (Metrics::sum_into), so ended() records
  // neither a second time. Every component that calls ended() declares them, at build time
  // (BuildContext::end_to_end_latency), with its component index `client`: when two or more
  // components do, fill() gives each one's own latency CDF from its `ok` histogram (with one,
  // the "all" CDF is its), at the end of the run only: nothing more per request.
  void latency_source(std::uint32_t client, HistogramId ok, HistogramId other);

  // Counts the requests of population `members` apart, with the series of component
  // `members.series`: ok, failed, latency and latency_all as the "all" ones. At most one
  // population, set at build time once every route is interned (`members.routes` has one
  // entry per route).
  void set_population(PopulationMembers members);

  // Goodput in deadline: the answers served within their request's deadline, counted per
  // window as the series ("all", "goodput_in_deadline_rps"), which archsim metastability's
  // verdict reads (an answer served late is not goodput: its user has moved on). A request's
  // deadline is the SLO's latency where the scenario declares one (slo_deadline: every
  // request), else its client's timeout (client_deadline, at the client's build); a client
  // with neither counts every answer it is served. A run where no request has a deadline has
  // no such series and pays nothing per request. Build time only.
  void client_deadline(std::uint32_t client, Time timeout);
  void slo_deadline(Time latency);

  // The hot path: one per client request sent and one per request ended, at `now`, by the
  // component `client`.
  void sent() {
    ++sent_;
    ++sent_total_;
  }
  void ended(const RequestInfo& req, Status status, Time now, std::uint32_t client) {
    ++ended_total_;
    Route& route = routes_[req.route];
    ++route.outcomes.by_status[static_cast<int>(status)];
    if (served(status)) {
      metrics_.add(ok_c_);
    } else {
      metrics_.add(failed_c_);
      metrics_.add(cause_c_[static_cast<int>(status)]);
    }
    // "all": latency_source
    (status == Status::Ok ? route.latency : route.other).record(now - req.start);
    if (population_) [[unlikely]]
      if (population_->has(client, req.route)) population_->ended(metrics_, req, status, now);
    if (in_time_on_) [[unlikely]]
      if (served(status) && now - req.start <= deadline_of(client)) metrics_.add(in_time_c_);
  }

  // The warm-up ends (Metrics::reset_whole_run restarts the "all" histograms' whole run).
  void end_warmup();

  // Fills RunResult's end-to-end fields: sent, in_flight, in_flight_at_warmup, outcomes,
  // routes, latency, latency_all, latency_cdf, client_cdfs (named by `component_ids`, by
  // component index; none without them), sent_whole_run, and population when one is set (its
  // clients named by `component_ids`, its own latency_cdf).
  void fill(RunResult& r, const std::vector<std::string>& component_ids = {}) const;

 private:
  struct Route {
    OutcomeCounts outcomes;
    Histogram latency, other;  // answered Ok; ended otherwise
  };
  struct Population {
    std::string series;
    std::vector<char> clients, routes;  // membership by component and route index
    bool clients_named = false, routes_named = false;  // else every one
    OutcomeCounts outcomes;
    std::vector<Route> by_route;
    CounterId ok_c, failed_c;
    HistogramId latency_h, other_h, latency_all_h;
    bool has(std::uint32_t client, std::uint32_t route) const {
      return client < clients.size() && clients[client] && routes[route];
    }
    void ended(Metrics& m, const RequestInfo& req, Status status, Time now);
  };

  Metrics& metrics_;
  std::vector<std::string> names_;
  std::vector<Route> routes_;
  CounterId ok_c_, failed_c_;
  std::array<CounterId, kMaxCauses> cause_c_{};
  HistogramId latency_h_, latency_all_h_;
  std::vector<std::pair<std::uint32_t, HistogramId>> sources_;  // (client, its ok histogram)
  std::unique_ptr<Population> population_;
  bool in_time_on_ = false;
  Time slo_deadline_ = 0;       // > 0: every request's deadline
  std::vector<Time> deadline_;  // else by client index (kTimeMax, or past its end: none)
  void count_in_time();
  Time deadline_of(std::uint32_t client) const {
    return slo_deadline_ > 0 ? slo_deadline_ : client < deadline_.size() ? deadline_[client] : kTimeMax;
  }
  CounterId in_time_c_;
  std::uint64_t sent_ = 0, sent_total_ = 0, ended_total_ = 0, in_flight_at_warmup_ = 0;
};

// A histogram as (upper bound of each bucket in ms, share of the values at or below it): the
// CDFs fill() writes, and those a stitched run (tools/cli/segments.h) redraws from its merged
// histograms.
std::vector<std::pair<double, double>> histogram_cdf(const Histogram& h);

}  // namespace archsim
