// html_declared_charts.h -- the static (gnuplot) charts of what each component declared the page
// should show of it (sim/page_section.h, carried in summary.json as components.<id>.page): one
// chart per component, one panel per declared panel, its series matched by name or /pattern/ as
// the page's script matches them (reports/page/datatier.js), those that stayed at zero left
// out, a panel that must vary left out when flat. Drawn by the generic tools/charts/panels.gp;
// the page shows each under its component's section, beside the interactive panels the
// script draws from the same series. Names no family: what is drawn is what was declared.
#pragma once

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/html_data.h"
#include "reports/html_figures.h"

namespace archsim::reports::declared_charts {

// Writes the data files (tier_<n>_<k>.dat: time_s, then one column per series) and returns
// the charts ("tier_<n>", the n-th declaring component in the series' order), each with
// `component` set and its declared panels.
std::vector<figures::Chart> prepare(const std::filesystem::path& charts, const nlohmann::json& summary,
                                    const data::TimeSeries& ts);

// Removes the outputs of an earlier report's declared charts (tier_*.svg, .png, .dat).
void remove_stale(const std::filesystem::path& charts);

}  // namespace archsim::reports::declared_charts
