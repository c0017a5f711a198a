#include "reports/html_topology.h"

#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <system_error>

#include "reports/chart_scripts.h"
#include "reports/html_page.h"

namespace archsim::reports::topology {
namespace fs = std::filesystem;

std::string section(const fs::path& dir) {
  std::error_code ec;
  const fs::path svg = dir / "topology.svg", log = dir / "topology.log";
  fs::remove(svg, ec);
  fs::remove(log, ec);
  if (!fs::is_regular_file(dir / "topology.dot", ec)) return {};
  const std::string head = "<h2 id=\"architecture\">Architecture</h2>\n";
  const auto dot = find_on_path("dot");
  if (!dot)
    return head + "<p class=\"notice\">The diagram is not drawn: graphviz's <code>dot</code> was not found on PATH "
                  "(<code>apt-get install graphviz</code>); the graph is in <code>topology.dot</code>.</p>\n";
  const int status = run_in_dir(*dot, {"-Tsvg", "-o", "topology.svg", "topology.dot"}, dir, log);
  std::ifstream in(svg, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const std::optional<std::string> inline_svg =
      status == 0 ? html::inline_svg(text.str(), "topo-", "Architecture of the scenario") : std::nullopt;
  if (!inline_svg) {
    fs::remove(svg, ec);
    return head + "<p class=\"notice\">The diagram is not drawn: <code>dot</code> failed on <code>topology.dot</code> "
                  "(its messages are in <code>topology.log</code>).</p>\n";
  }
  fs::remove(log, ec);
  // dot sizes its drawing in points; a small architecture is shown at that size, not
  // stretched over the page's width.
  std::string svg_el = *inline_svg;
  static const std::regex width(R"re(<svg[^>]*\swidth="([0-9.]+)pt")re");
  std::smatch m;
  const std::string original = text.str();
  if (std::regex_search(original, m, width))
    svg_el.insert(4, " style=\"max-width:" + std::to_string(static_cast<int>(std::stod(m[1]) * 4 / 3)) + "px\"");
  return head + "<figure id=\"topology\" class=\"topology\">\n" + svg_el +
         "\n<figcaption>Each component with its type, replicas and zones; each arrow a call with its route, "
         "timeout, resilience policy and link latency. Files: <a href=\"topology.svg\">svg</a> · "
         "<code>topology.dot</code> (re-draw with <code>dot -Tpng topology.dot -o topology.png</code>).</figcaption>\n"
         "</figure>\n";
}

}  // namespace archsim::reports::topology
