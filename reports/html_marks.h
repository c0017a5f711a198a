// html_marks.h -- what every time chart of a run report marks, as Grafana's annotations do:
// the warm-up, each fault's window (shaded), each alert firing and resolving, each scale
// event, and the unit of the time axis that fits the run. Written as charts/annotations.gp,
// a gnuplot file the chart templates load (tools/charts/style.gp, `eval load_marks`), and
// described in a sentence for the figure captions.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/html_data.h"

namespace archsim::reports::marks {

// The time unit for a run of `duration_s`: seconds up to 20 min, minutes up to 10 h, hours
// up to 4 days, then days. `div` is seconds per unit.
struct TimeUnit {
  double div;
  const char* name;
};
TimeUnit time_unit(double duration_s);

// Writes `file` from summary.json (duration_s, warmup_s, slo.latency_p99_ms,
// availability_report.faults and .alerts) and the autoscalers' desired_replicas series of
// `ts` (a scale event is a window where it changed). Returns the caption sentence naming
// what is marked ("" when nothing is). At most kMaxTicks scale events are drawn.
inline constexpr int kMaxTicks = 200;
std::string write_annotations(const std::filesystem::path& file, const nlohmann::json& summary,
                              const data::TimeSeries& ts);

}  // namespace archsim::reports::marks
