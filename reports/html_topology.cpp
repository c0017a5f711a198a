#include "reports/html_topology.h"

#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <system_error>

#include "reports/chart_scripts.h"
#include "reports/html_page.h"
#include "reports/write_file.h"

namespace archsim::reports::topology {
namespace fs = std::filesystem;

nlohmann::json for_page(const fs::path& dir) {
  using nlohmann::json;
  std::error_code ec;
  const fs::path svg = dir / "topology.svg", log = dir / "topology.log";
  fs::remove(svg, ec);
  fs::remove(log, ec);
  if (!fs::is_regular_file(dir / "topology.dot", ec)) return nullptr;
  const auto dot = find_on_path("dot");
  if (!dot) return {{"error", "no_dot"}};
  const int status = run_in_dir(*dot, {"-Tsvg", "-o", "topology.svg", "topology.dot"}, dir, log);
  // topology.dot is archsim's own: dot failing on it, or leaving a drawing that is not whole,
  // is a write that failed when its messages say so or it claimed success.
  if ((status == 0 && !output_whole(svg)) || (status != 0 && log_names_write_error(log)))
    throw WriteError("cannot write " + svg.string() + ": dot's output is not whole (a full disk or a file size limit)");
  std::ifstream in(svg, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const std::optional<std::string> inline_svg =
      status == 0 ? html::inline_svg(text.str(), "topo-", "Architecture of the scenario") : std::nullopt;
  if (!inline_svg) {
    fs::remove(svg, ec);
    return {{"error", "failed"}};
  }
  fs::remove(log, ec);
  // dot sizes its drawing in points; a small architecture is shown at that size, not
  // stretched over the page's width.
  json out = {{"svg", *inline_svg}, {"max_width_px", nullptr}};
  static const std::regex width(R"re(<svg[^>]*\swidth="([0-9.]+)pt")re");
  std::smatch m;
  const std::string original = text.str();
  if (std::regex_search(original, m, width)) out["max_width_px"] = static_cast<int>(std::stod(m[1]) * 4 / 3);
  return out;
}

}  // namespace archsim::reports::topology
