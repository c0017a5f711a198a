#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "reports/page_assets.h"

namespace archsim::reports::page {

std::string asset(std::string_view name) {
  if (const char* dir = std::getenv("ARCHSIM_PAGE_DIR"); dir != nullptr && *dir != '\0') {
    const std::filesystem::path file = std::filesystem::path(dir) / name;
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error(file.string() + ": cannot read (ARCHSIM_PAGE_DIR)");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  for (const Asset& a : embedded())
    if (a.name == name) return std::string(a.text);
  throw std::runtime_error("reports/page/" + std::string(name) + ": not embedded in this build");
}

const std::vector<std::string_view>& script_modules() {
  // Helpers first, then the charts, the sections, the pages, and main.js, which draws.
  static const std::vector<std::string_view> kOrder = {"format.js",   "charts.js",  "marks.js",   "tables.js",
                                                       "run_head.js", "sections.js", "alerts.js", "datatier.js",
                                                       "compare.js",  "metastability.js", "main.js"};
  return kOrder;
}

}  // namespace archsim::reports::page
