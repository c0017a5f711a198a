// html_marks.h -- what every time chart of a run report marks, as Grafana's annotations do:
// the warm-up, each fault's window (shaded), each alert firing and resolving, each scale
// event, and the unit of the time axis that fits the run. Collected once (collect) and drawn
// twice: as charts/annotations.gp, a gnuplot file the chart templates load
// (tools/charts/style.gp, `eval load_marks`), and as the list the interactive charts of the
// page draw under their lines (html_interactive.h). Described in a sentence for the captions.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

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

// One mark, times in seconds from the start of the run.
struct Mark {
  enum class Kind { warmup, fault, episode, step, alert_fired, alert_resolved, scale };
  Kind kind;
  double start_s = 0, end_s = 0;  // a band's window; a line or tick has end_s == start_s
  std::string label;              // what the mark says on the chart ("" for none)
};

struct Marks {
  TimeUnit unit{1, "s"};
  double duration_s = 0;    // NaN when the summary does not say
  double slo_p99_ms = 0;    // NaN without a p99 objective
  std::vector<Mark> list;   // in the order drawn: warm-up, faults, episodes, alerts, scale events
  std::string caption;      // the sentence naming what is marked ("" when nothing is)
};

// Reads the marks from summary.json (duration_s, warmup_s, slo.latency_p99_ms,
// availability_report.faults, .episodes and .alerts) and the autoscalers' desired_replicas
// series of `ts` (a scale event is a window where it changed). At most kMaxTicks steps and
// kMaxTicks scale events are kept.
inline constexpr int kMaxTicks = 200;
Marks collect(const nlohmann::json& summary, const data::TimeSeries& ts);

// Writes `file`, the gnuplot form of `marks`.
void write_annotations(const std::filesystem::path& file, const Marks& marks);

}  // namespace archsim::reports::marks
