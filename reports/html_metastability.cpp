#include "reports/html_metastability.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "reports/html_interactive.h"
#include "reports/html_json.h"
#include "reports/html_page.h"

namespace archsim::reports {

ReportResult write_metastability_report(const std::filesystem::path& dir) {
  const nlohmann::json meta = js::read_json(dir / "metastability.json");
  if (!meta.contains("cells") || !meta["cells"].is_array() || !meta.contains("maps") || !meta["maps"].is_array())
    throw std::runtime_error((dir / "metastability.json").string() + ": no \"cells\" and \"maps\" arrays");
  const auto library = interactive::load_library();
  nlohmann::json data;
  data["page"] = "metastability";
  data["meta"] = meta;
  data["time"] = {{"unit", "s"}, {"div", 1}, {"end", nullptr}};
  data["library"] = {{"present", library.has_value()}, {"path", interactive::library_path().string()}};
  const std::string scenario = meta.value("scenario", std::string("archsim"));
  html::write_page(dir, interactive::render(scenario + " — metastability map", data, library ? &*library : nullptr));
  ReportResult result;
  result.charts_drawn = library.has_value();
  result.message = "wrote " + (dir / "report.html").string() + "; " +
                   (library ? std::string("the maps and the charts over time are drawn by the page")
                            : "the maps are drawn; the charts over time need the dygraphs library (libjs-dygraphs)");
  return result;
}

}  // namespace archsim::reports
