// html_series.h -- the window series the page's script draws beyond the charts' data files:
// the mechanisms components declared (sim/page_section.h: one box per component), each alert
// rule's series, memory and OOM kills, and the all-request latency. Read by name from the
// run's timeseries.csv; which component is what comes from summary.json's "type".
#pragma once

#include <nlohmann/json.hpp>

#include "reports/html_data.h"

namespace archsim::reports::series {

// {"t": [window end times, in the time unit of `x_div` seconds], "by": {component: {metric:
// [value or null per time]}}}: every series of the components that declared a page section (summary.json's
// components.<id>.page: sim/page_section.h) and of the links
// ("a->b": pools, call policies), the series each alert rule names
// (availability_report.alert_rules; for a derived "<c>.availability", c's throughput_rps and
// errors_rps), and wherever they are, memory_mb, memory_limit_mb, oom_kills, failed_fraction
// and latency_all_p50/p95/p99_ms. Series recorded at their own times (a state's
// transitions) are left out. With more than 2 x data::kPageColumns windows, each of
// kPageColumns equal columns of time is its first and last windows' times, every series'
// lowest value at the first and highest at the last (as the charts' data files are).
nlohmann::json for_page(const data::TimeSeries& ts, const nlohmann::json& summary, double x_div);

}  // namespace archsim::reports::series
