// summary.json from a RunResult, merging replications with 95% confidence
// intervals, and the other data files of a run directory. Knows no model: component
// figures are written as the models named them (dotted names nest).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/ledgers/ledger_results.h"
#include "sim/results.h"

namespace archsim {

// The summary of one run. Keys in a fixed order; figures rounded to 6 significant digits
// so files are readable and byte-identical across machines.
// `l`: what the ledgers made of `r` (reports/ledgers/ledgers.h Ledgers::apply).
nlohmann::ordered_json summary_json(const RunResult& r, const LedgerResults& l);

// Several replications of one scenario: every numeric figure becomes the mean over the
// replications, and "ci95" holds {mean, lo, hi, half_width} per dotted path (Student t).
// A latency percentile's half-width is at least 1/256 of its mean, the histogram's resolution
// (sim/histogram.h): replications that land in one bucket do not make it exact.
// Lists stay the first replication's (availability_report.alerts and .faults: the charts,
// drawn from the first replication's series, mark them). How often each alert rule fired is
// availability_report.alert_replications, one entry per rule that fired in any replication,
// in order of first appearance: {alert, replications_fired, replications,
// firings_per_replication, first_fired_s: {mean, min, max} over the replications it fired in}.
nlohmann::ordered_json merge_replications(const std::vector<nlohmann::ordered_json>& runs);

// The text of timeseries.csv and latency_cdf.csv; the caller writes it (the output folder's
// checked writes) or ships it elsewhere first (a sweep's worker sends it to the process
// that writes).
// timeseries.csv in long format: time_s,component,metric,value (windows without a value skipped),
// with each state's value at 0 and its transitions at their exact times (ns, every digit),
// "nan" where the kept transitions end (sim/metrics.h, kind state).
std::string timeseries_csv(const RunResult& r);
// latency_cdf.csv: component,latency_ms,cumulative_fraction, end to end: "all" (every client's
// successful requests), "every request" (when some failed), then each client's own when there
// are several (RunResult::client_cdfs) and the SLO population's, by their series names.
std::string latency_cdf_csv(const RunResult& r);

// A 64-bit hash as 16 hex digits (run.fingerprint): a JSON number would lose its low bits.
std::string fingerprint_hex(std::uint64_t fp);
// Puts `value` at the dotted path `name` inside `obj` ("a.b.c"), creating objects on the way.
void put_dotted(nlohmann::ordered_json& obj, const std::string& name, const nlohmann::ordered_json& value);
// The value at the dotted path `name` inside `obj` ("a.b.c"), or nullptr where a key is missing.
const nlohmann::ordered_json* at_dotted(const nlohmann::ordered_json& obj, const std::string& name);

// `v` to `digits` significant digits; whole numbers up to 2^53 are returned exact.
double round_sig(double v, int digits = 6);
// An availability to 6 significant digits of the smaller of itself and its unavailability
// 1 - a: near 1, of 1 - a, so that five or more nines survive (0.9999995 stays 0.9999995,
// where round_sig would say 1, a perfect run); near 0, of a itself (0.000123456789 is
// 0.000123457, where rounding 1 - a would leave 0.000123). 0, 1 and NaN are returned as
// they are.
double round_availability(double a);

}  // namespace archsim
