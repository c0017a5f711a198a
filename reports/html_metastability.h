// html_metastability.h -- the page of `archsim metastability`: report.html written from
// metastability.json alone (tools/cli/metastability_map.h states its layout; nothing of the
// models). The page's script (reports/page/metastability.js) draws, from one data block:
// the verdict rule; per trigger duration (and any other fixed --vary value) the maps of
// load against trigger size, one per mitigation side by side, each cell "recovers" (with
// its recovery time) or "stays failed" with the share of replications; a table of recovery
// times; and for the cells chosen at each map's boundary, goodput and offered work over
// time with the trigger marked (the hysteresis: goodput stays down after the trigger ends
// while the attempts per request stay amplified).
#pragma once

#include <filesystem>

#include "reports/html_report.h"

namespace archsim::reports {

// Writes DIR/report.html from DIR/metastability.json. Throws std::runtime_error naming the
// file when it is missing or not valid JSON.
ReportResult write_metastability_report(const std::filesystem::path& dir);

}  // namespace archsim::reports
