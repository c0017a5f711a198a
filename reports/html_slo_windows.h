// html_slo_windows.h -- what the SLO's verdict means, window by window, for the run page's SLO
// box: the objectives are judged once over the whole measured run, while the availability of
// time judges each metrics window on its own (as the availability ledger does,
// reports/ledgers/availability.h: a window meets the SLO when its availability is at least the
// target and its p99 at most the objective). A run can meet the SLO and miss it in 40% of its
// windows; this says which windows miss, grouped into periods (minutes, hours), why (p99 over,
// availability under), and how many of them held too few requests for the figure to say much:
// fewer than 1,000 (fewer than 10 requests above a p99; one failure breaks 99.9%).
// Read from timeseries.csv (the SLO population's series, "slo", or "all") and summary.json.
#pragma once

#include <nlohmann/json.hpp>

#include "reports/html_data.h"

namespace archsim::reports::slo_windows {

// {"series", "window_s", "windows", "met", "small_below", "period_s", "periods": [{"from_s",
// "to_s", "windows", "missed", "p99_over", "availability_under", "small", "requests_per_window"}]}
// with a period listed only when one of its windows missed; null without an SLO or the series.
nlohmann::json for_page(const nlohmann::json& summary, const data::TimeSeries& ts);

}  // namespace archsim::reports::slo_windows
