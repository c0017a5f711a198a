// The availability ledger (SRE-book terms): availability of requests (served / total) and
// of time (windows meeting the SLO, the SRE workbook's "good minutes"), the error budget,
// and for each injected fault the time to detect and to recover.
//
// Everything is judged on the SLO's population (slo.h: every request, or its scope's).
// A window meets the SLO when its end-to-end availability is at least slo.availability
// (0.999 when the scenario has no "slo") and its p99 at most slo.latency_p99. Time to
// detect a fault = end of the first window breaking the SLO that ends after the fault
// starts, minus the start; time to recover = end of the first window meeting it again
// after both the fault's end and its detection, minus the fault's end.
#pragma once
#include <vector>

#include "reports/ledgers/slo.h"
#include "sim/results.h"

namespace archsim::ledgers {

// Per window, for every component with errors_rps and throughput_rps: ok / (ok + failed),
// NaN for a window without requests. Named "<component>.availability".
std::vector<Series> derived_availability(const std::vector<Series>& series);

// Everything but the alerts. The faults and figures come from the run's section
// components (their intervals and figures); episodes from the scenario's components'
// intervals, those of kind kOomKillKind listed apart (oom_kills).
AvailabilityResult availability_ledger(const SloSettings& slo, const RunResult& r);

}  // namespace archsim::ledgers
