// Internals of the autoscaler (models/autoscaler/autoscaler.h says what it follows and where
// it simplifies). One class, its methods grouped by job in small files:
//   autoscaler.cpp   building it, connecting it to its target, timers, end-of-run figures
//   hpa_params.cpp   reading the horizontal mode's spec (metrics, behavior, schedule, predictive)
//   hpa_metrics.cpp  per-pod samples from the target's cumulative instance figures
//   hpa_sync.cpp     the horizontal sync: reconcile, scheduled minimums, the forecast
//   vertical.cpp     the vertical mode: instance-type sizes and their rolling update
// The HPA's decision itself is a pure library (hpa_algorithm.h). Only these files include
// this header.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/autoscaler/hpa_algorithm.h"
#include "models/contracts/capabilities.h"
#include "scenario/build.h"
#include "sim/component.h"
#include "sim/context.h"
#include "sim/figures.h"
#include "sim/metrics.h"

namespace archsim::autoscaler_internal {

enum class Source : std::uint8_t { Cpu, Memory, Utilization, Rps, QueueLength, BusyWorkers, InFlight, Gauge };

struct MetricSpec {
  Source source = Source::Cpu;
  bool utilization = true;
  double target = 0.8;
  std::string name, pointer;
  GaugeId gauge;  // Source::Gauge: "<component>.<gauge>", resolved in connect()
};

struct ScheduleEntry {
  Time at = 0;
  int min_replicas = 0;
};

struct Size {
  std::string type;
  double speed = 1;
};

// What the previous sync saw of one instance (cumulative figures), by serial.
struct Prev {
  std::uint64_t serial = 0;
  double cpu_area = 0, busy_area = 0;
  std::uint64_t completed = 0;
};

enum Tag : std::uint16_t { kSync = 1, kRollout };

class Autoscaler final : public Component {
 public:
  Autoscaler(Params& p, BuildContext& bc);

  bool accepts_calls() const override { return false; }
  // For `archsim analyze` (scenario/describe.h): the horizontal mode may grow its target to
  // max_replicas, the capacity analyze assumes at the peak.
  void describe(Description& d) const override;
  void connect(ConnectContext& cc) override;
  void start(Context& ctx) override;
  void on_request(Context& ctx, CallId call) override { ctx.reply(call, Status::Error); }
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t) override;
  void finish(Context& ctx, ComponentReport& r) override;

 private:
  // ---- parameters (hpa_params.cpp; read_vertical in vertical.cpp) ----
  void read_horizontal(Params& p);
  MetricSpec read_metric(Params& mp, const char* type_key, bool shorthand);
  void read_vertical(Params& p, const BuildContext& bc);

  // ---- observation (hpa_metrics.cpp) ----
  const Prev* prev_of(std::uint64_t serial) const;
  double window_ns(const InstanceStat& s, Time now, bool whole, const Prev*& prev) const;
  bool cpu_unready(const InstanceStat& s, Time now) const;
  std::optional<double> sample(const MetricSpec& ms, const InstanceStat& s, Time now) const;
  void remember(Time now);

  // ---- horizontal (hpa_sync.cpp) ----
  int scheduled_min(Time now) const;
  void horizontal_sync(Context& ctx);
  void record_observed(Context& ctx);
  void add_forecast(Context& ctx, double demand);

  // ---- vertical (vertical.cpp) ----
  void vertical_sync(Context& ctx);
  void rollout_step(Context& ctx);

  std::string id_;
  RefId target_ = 0;
  Scalable* scalable_ = nullptr;    // the target's capabilities, found in connect()
  Resizable* resizable_ = nullptr;  // vertical mode only
  bool vertical_ = false;
  Time sync_period_ = 15 * kSecond, last_sync_ = 0;
  CpuReadinessRule cpu_rule_;
  std::vector<InstanceStat> stats_, rollout_stats_;
  std::vector<Prev> prev_;

  // horizontal
  HpaController hpa_;
  int min_ = 1, max_ = 1;
  std::vector<MetricSpec> metrics_;
  std::vector<MetricObservation> observations_;
  std::vector<ScheduleEntry> schedule_;
  Time schedule_period_ = 0;
  bool predictive_ = false, holt_ = true;
  Time horizon_ = 0, history_ = 0;
  double alpha_ = 0.5, beta_ = 0.3, level_ = 0, trend_ = 0;
  std::uint64_t points_ = 0;
  std::vector<std::pair<Time, double>> history_points_;
  GaugeId desired_g_, forecast_g_, speed_g_;
  std::vector<GaugeId> observed_g_, target_g_;  // by metric (horizontal mode)
  std::uint64_t syncs_ = 0;
  double scale_ups_ = 0, scale_downs_ = 0, holds_ = 0;
  int last_desired_ = 0, peak_desired_ = 0;
  std::string last_reason_ = "none";

  // vertical
  std::vector<Size> sizes_;
  std::string sizes_pointer_;
  std::size_t size_ = 0;
  double up_above_ = 0.8, down_below_ = 0.3, resizes_ = 0;
  Time window_ = 0, cooldown_ = 0, above_since_ = -1, below_since_ = -1, last_change_ = -1;
  bool rolling_ = false, surged_ = false;

  // The figures in summary.json, in order (autoscaler.cpp); finish() reports them.
  void declare_figures(Metrics& m);
  Figures figures_;
};

}  // namespace archsim::autoscaler_internal
