// The end-to-end ledger of client requests: how many were sent, how each ended (by route and
// by cause), and their latency from the client's send to the client's answer. Clients feed
// it through Context::request_sent / request_ended while the run goes; after the run it fills
// the end-to-end part of RunResult (sent, in flight, outcomes, latency and its CDF, routes).
//
// It is the engine's and not a model's because routes are engine names (RequestInfo::route)
// and because a scenario may have several clients: the ledger is their sum. Its per-window
// "all" series (ok, failed, failed by cause, latency) are what the SLO windows, the time to
// detect a fault and the alert rules read (reports/ledgers).
//
// Warm-up: at its end the whole-run figures restart; requests still in flight then are
// counted apart (in_flight_at_warmup) so that sent = ended + in flight holds after it.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/histogram.h"
#include "sim/metrics.h"
#include "sim/request.h"
#include "sim/results.h"
#include "sim/time.h"

namespace archsim {

class RequestLedger {
 public:
  // Registers the "all" series in `metrics`, one error series per cause in `cause_names`
  // (index = Status value; index 0 is ok and gets none).
  RequestLedger(Metrics& metrics, const std::vector<std::string>& cause_names);

  // The index of route `name`, added on first use (at build time). At most 65,536 routes.
  std::uint32_t route_index(const std::string& name);
  std::uint32_t route_count() const { return static_cast<std::uint32_t>(names_.size()); }
  const std::string& route_name(std::uint32_t i) const { return names_[i]; }

  // A client's latency histogram (with series): it records now - req.start of every request
  // the client ends with Status::Ok, and the "all" latency is the sum of those histograms
  // (Metrics::sum_into), so ended() does not record the value a second time. Every component
  // that calls ended() declares one, at build time (BuildContext::end_to_end_latency).
  void latency_source(HistogramId h) { metrics_.sum_into(h, latency_h_); }

  // The hot path: one per client request sent and one per request ended, at `now`.
  void sent() {
    ++sent_;
    ++sent_total_;
  }
  void ended(const RequestInfo& req, Status status, Time now) {
    ++ended_total_;
    Route& route = routes_[req.route];
    ++route.outcomes.by_status[static_cast<int>(status)];
    if (served(status)) {
      metrics_.add(ok_c_);
    } else {
      metrics_.add(failed_c_);
      metrics_.add(cause_c_[static_cast<int>(status)]);
    }
    if (status == Status::Ok) route.latency.record(now - req.start);  // "all": latency_source
  }

  // The warm-up ends (Metrics::reset_whole_run restarts the "all" histogram's whole run).
  void end_warmup();

  // Fills RunResult's end-to-end fields: sent, in_flight, in_flight_at_warmup, outcomes,
  // routes, latency, latency_cdf, sent_whole_run.
  void fill(RunResult& r) const;

 private:
  struct Route {
    OutcomeCounts outcomes;
    Histogram latency;
  };
  Metrics& metrics_;
  std::vector<std::string> names_;
  std::vector<Route> routes_;
  CounterId ok_c_, failed_c_;
  std::array<CounterId, kMaxCauses> cause_c_{};
  HistogramId latency_h_;
  std::uint64_t sent_ = 0, sent_total_ = 0, ended_total_ = 0, in_flight_at_warmup_ = 0;
};

}  // namespace archsim
