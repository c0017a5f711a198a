// archsim report DIR, and the report step at the end of run and compare: both call the
// writers of reports/html_report.h with the chart templates found by default_chart_dir().
#include "tools/cli/report_command.h"

#include <exception>
#include <iostream>
#include <sstream>

#include "reports/chart_scripts.h"
#include "reports/html_metastability.h"
#include "reports/html_plan.h"
#include "reports/html_report.h"

namespace archsim::cli {

namespace fs = std::filesystem;

std::optional<std::string> write_report(const fs::path& dir, const fs::path& shown, bool* stopped) {
  std::ostringstream os;
  try {
    std::error_code ec;
    const bool compare = fs::is_regular_file(dir / "compare.json", ec);
    const bool plan = fs::is_regular_file(dir / "plan.json", ec);
    const bool meta = fs::is_regular_file(dir / "metastability.json", ec);
    const reports::ReportResult r = meta      ? reports::write_metastability_report(dir)
                                    : plan    ? reports::write_plan_report(dir)
                                    : compare ? reports::write_compare_report(dir, reports::default_chart_dir())
                                              : reports::write_run_report(dir, reports::default_chart_dir());
    const fs::path& where = shown.empty() ? dir : shown;
    os << "report: " << (where / "report.html").string() << "\n";
    // The writer's message starts with "wrote <page>; "; keep only what follows.
    std::string msg = r.message;
    for (std::size_t at; !shown.empty() && (at = msg.find(dir.string())) != std::string::npos;)
      msg.replace(at, dir.string().size(), shown.string());
    if (auto semi = msg.find("; "); msg.rfind("wrote ", 0) == 0 && semi != std::string::npos) msg = msg.substr(semi + 2);
    if (!msg.empty()) os << "        " << msg << "\n";
    return os.str();
  } catch (const reports::DrawingStopped&) {
    // The report's files only (reports/html_report.h writes these): the data files stay.
    std::error_code ec;
    for (const char* drawn : {"charts", "report.html", "report.html.tmp", "topology.svg", "topology.log"})
      fs::remove_all(dir / drawn, ec);
    if (stopped) *stopped = true;
    return std::nullopt;
  } catch (const std::exception& e) {
    std::cerr << "archsim: the report could not be written: " << e.what() << "\n";
    return std::nullopt;
  }
}

int report_command(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::cerr << "archsim: report: " << dir << " is not a directory (give the --out folder of a run or compare)\n";
    return 2;
  }
  if (!fs::is_regular_file(fs::path(dir) / "summary.json", ec) && !fs::is_regular_file(fs::path(dir) / "compare.json", ec) &&
      !fs::is_regular_file(fs::path(dir) / "plan.json", ec) && !fs::is_regular_file(fs::path(dir) / "metastability.json", ec)) {
    std::cerr << "archsim: report: " << dir
              << " holds none of summary.json, compare.json, plan.json, metastability.json (is it an archsim output folder?)\n";
    return 2;
  }
  const auto said = write_report(dir);
  if (!said) return 1;
  std::cout << *said;
  return 0;
}

}  // namespace archsim::cli
