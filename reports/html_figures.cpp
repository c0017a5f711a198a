#include "reports/html_figures.h"

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include "reports/chart_scripts.h"
#include "reports/html_interactive.h"
#include "reports/html_page.h"
#include "reports/write_file.h"
#include "sim/text_list.h"

namespace archsim::reports::figures {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes `text` as DIR/charts/`file` unless DIR/charts holds an edited copy.
void install_text(const std::string& text, const fs::path& charts, const std::string& file, Drawing& d) {
  // A hidden copy of what was installed last tells a student's edit from an older
  // template: only the former is kept when the templates change.
  const fs::path dst = charts / file, installed = charts / ("." + file + ".installed");
  std::error_code ec;
  if (fs::exists(dst, ec)) {
    const std::string now = read_text(dst);
    const bool pristine = fs::exists(installed, ec) && read_text(installed) == now;
    if (now != text && !pristine) {
      d.kept_edits.push_back(file);
      return;
    }
  }
  write_file(dst, text);
  write_file(installed, text);
}

// Copies `file` from the templates unless DIR/charts holds an edited copy.
void install_script(const fs::path& templates, const fs::path& charts, const std::string& file, Drawing& d) {
  install_text(read_text(templates / file), charts, file, d);
}

// A gnuplot double-quoted string on one line.
std::string gp_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c != '\n' && c != '\r') out += c;
  }
  return out + "\"";
}

}  // namespace

void remove_stale(const fs::path& charts, const std::vector<std::string>& names, const std::vector<std::string>& data_files) {
  std::error_code ec;
  for (const auto& n : names) {
    fs::remove(charts / (n + ".svg"), ec);
    fs::remove(charts / (n + ".png"), ec);
  }
  for (const auto& d : data_files) fs::remove(charts / d, ec);
  fs::remove(charts / "gnuplot.log", ec);
}

Drawing draw(const fs::path& charts, const fs::path& templates, const std::vector<Chart>& list, bool run) {
  Drawing d;
  std::error_code ec;
  d.scripts_found = !templates.empty() && fs::is_regular_file(templates / "style.gp", ec);
  if (d.scripts_found) {
    install_script(templates, charts, "style.gp", d);
    bool generic = false;
    for (const auto& c : list) {
      if (!c.declared.empty()) {
        install_text(script_for(c), charts, c.name + ".gp", d);
        generic = true;
      } else if (fs::is_regular_file(templates / (c.name + ".gp"), ec)) {
        install_script(templates, charts, c.name + ".gp", d);
      }
    }
    if (generic) install_script(templates, charts, "panels.gp", d);
  }
  if (!run) return d;
  const auto gnuplot = find_on_path("gnuplot");
  d.gnuplot_found = gnuplot.has_value();
  if (!d.gnuplot_found) return d;
  for (const auto& c : list) {
    if (!fs::is_regular_file(charts / (c.name + ".gp"), ec)) {
      d.failed.push_back(c.name);
      continue;
    }
    const fs::path log = charts / "gnuplot.log";
    const int status = run_in_dir(*gnuplot, c.name + ".gp", charts, log);
    const fs::path svg = charts / (c.name + ".svg"), png = charts / (c.name + ".png");
    const bool whole = output_whole(svg) && (!fs::exists(png, ec) || output_whole(png));
    if (status == 0 && whole) {
      ++d.drawn;
      continue;
    }
    // gnuplot does not check its writes: on a full disk it exits 0 and leaves a truncated
    // chart. That, or a failure its messages put down to a write, is a write that failed.
    if (status == 0 || log_names_write_error(log))
      throw WriteError("cannot write " + svg.string() + ": gnuplot's output is not whole (a full disk or a file size limit)");
    // A failed script (a student's edit) leaves a truncated file; no chart is better than a broken one.
    fs::remove(svg, ec);
    fs::remove(png, ec);
    d.failed.push_back(c.name);
  }
  return d;
}

json notice(const fs::path& dir, const Drawing& d, std::string& message) {
  json out = {{"kind", ""}, {"failed", d.failed}, {"kept_edits", d.kept_edits},
              {"redo", "archsim report " + dir.string()}};
  if (!d.gnuplot_found) {
    out["kind"] = "no_gnuplot";
    message = "charts not drawn: gnuplot not found; install gnuplot (apt-get install gnuplot-nox) and run `archsim report " +
              dir.string() + "`";
  } else if (!d.scripts_found) {
    out["kind"] = "no_scripts";
    message = "charts not drawn: chart scripts not found (set ARCHSIM_CHARTS to tools/charts)";
  } else if (!d.failed.empty()) {
    out["kind"] = "failed";
    const std::string names = join_items(d.failed, ", ");
    message = std::to_string(d.drawn) + " charts drawn; failed: " + names + " (see charts/gnuplot.log)";
  } else {
    message = std::to_string(d.drawn) + " charts drawn";
  }
  if (!d.kept_edits.empty()) message += "; kept edited " + join_items(d.kept_edits, ", ");
  return out;
}

std::size_t inline_svg_budget() {
  const char* env = std::getenv("ARCHSIM_INLINE_SVG_BYTES");
  if (env == nullptr || *env == '\0') return kInlineSvgBudget;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(env, &end, 10);
  return *end == '\0' ? static_cast<std::size_t>(n) : kInlineSvgBudget;
}

json describe(const fs::path& charts, const std::vector<Chart>& list, bool interactive, double x_div,
              std::size_t inline_budget) {
  json out = json::array();
  int n = 0;
  std::size_t inlined = 0;
  for (const auto& c : list) {
    ++n;
    const fs::path svg_file = charts / (c.name + ".svg");
    std::error_code ec;
    std::optional<std::string> svg;
    if (fs::is_regular_file(svg_file, ec)) svg = html::inline_svg(read_text(svg_file), "c" + std::to_string(n) + "-", c.title);
    json panels = json::array();
    if (!c.component.empty()) {
      // Drawn interactively by the component's section from the page's series.
    } else if (interactive && !c.panels.empty()) {
      panels = c.panels;
    } else if (interactive && !c.declared.empty()) {
      panels = interactive::read_panels(charts, c.declared, x_div);
    } else if (interactive) {
      std::vector<interactive::Panel> list_of;
      for (const auto& d : c.data_files)
        if (auto p = interactive::panel_for(d)) list_of.push_back(*p);
      panels = interactive::read_panels(charts, list_of, x_div);
    }
    const bool live = interactive && (!c.component.empty() || !panels.empty());
    const bool linked = svg && live && inlined + svg->size() > inline_budget;
    if (svg && !linked) inlined += svg->size();
    out.push_back({{"name", c.name}, {"title", c.title}, {"caption", c.caption}, {"files", c.data_files},
                   {"svg", svg && !linked ? json(*svg) : json(nullptr)}, {"panels", std::move(panels)}});
    if (linked) out.back()["svg_linked"] = true;
    if (!c.component.empty()) out.back()["component"] = c.component;
  }
  return out;
}

std::string script_for(const Chart& c) {
  std::string gp = "# " + c.name + ".gp -- written by archsim (`archsim report` rewrites it unless you edited it): " + c.title +
                   ".\n# Run in DIR/charts:  gnuplot " + c.name + ".gp   (writes " + c.name + ".svg, " + c.name +
                   ".png)\n# Each panel pN_* draws one data file: column 1 time_s, one series per further column\n"
                   "# (the header names it); pN_y2 = 1 puts the last column on the right axis. panels.gp draws them.\n";
  gp += "chart = " + gp_string(c.name) + "\nchart_title = " + gp_string(c.title) + "\n";
  gp += "npanels = " + std::to_string(c.declared.size()) + "\n";
  int k = 0;
  for (const auto& p : c.declared) {
    const std::string n = "p" + std::to_string(++k) + "_";
    gp += n + "file = " + gp_string(p.file) + "\n" + n + "title = " + gp_string(p.subtitle) + "\n" + n +
          "ylabel = " + gp_string(p.ylabel) + "\n" + n + "y2 = " + (p.y2_last ? "1" : "0") + "\n" + n +
          "y2label = " + gp_string(p.y2label) + "\n" + n + "slo = " + (p.slo ? "1" : "0") + "\n" + n +
          "percent = " + (p.percent ? "1" : "0") + "\n" + n + "logy = " + (p.logy ? "1" : "0") + "\n" + n +
          "step = " + (p.step ? "1" : "0") + "\n";
  }
  return gp + "load \"panels.gp\"\n";
}

}  // namespace archsim::reports::figures
