// html_plan.h -- the page of `archsim plan`: report.html written from plan.json alone. It
// knows plan.json's layout (tools/cli/plan_command.cpp writes it) and nothing of the models
// or of how the search was walked.
//
// The page: the answer (the cheapest configuration meeting the SLO, or that none does and
// the best found), a chart of cost against the latency objective drawn here as inline SVG
// (no gnuplot: every configuration run, its 95% upper bound as a whisker, the SLO target as
// a dashed line, the Pareto front as a line, the cheapest ringed), and a table of every
// configuration run (cost, latency with its bound, availability with its bound, verdict,
// on the front or not), then the configurations the search did not need to run (pruned),
// with the verdict monotonicity gave them.
#pragma once

#include <filesystem>

#include "reports/html_report.h"

namespace archsim::reports {

// Writes DIR/report.html from DIR/plan.json. Throws std::runtime_error naming the file when
// plan.json is missing or not valid JSON.
ReportResult write_plan_report(const std::filesystem::path& dir);

}  // namespace archsim::reports
