// The static charts' marks (reports/html_marks.h): alerts numbered by first firing, named once
// in a legend, and numbers of close firings placed where none prints over another.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/html_marks.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace archsim::reports;

TEST_CASE("alert marks: numbered by first firing, a legend once, close numbers apart") {
  // Four firings within 1.5% of a 1,000 s run: rule B first, then A, B again, then C.
  const json summary = {{"duration_s", 1000},
                        {"availability_report",
                         {{"alerts", {{{"alert", "B"}, {"fired_s", 500}}, {{"alert", "A"}, {"fired_s", 504}, {"resolved_s", 600}},
                                      {{"alert", "B"}, {"fired_s", 508}}, {{"alert", "C"}, {"fired_s", 512}}}}}}};
  const marks::Marks m = marks::collect(summary, data::TimeSeries{});
  const fs::path file = fs::temp_directory_path() / "archsim-marks-annotations.gp";
  marks::write_annotations(file, m);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const std::string gp = text.str();
  fs::remove(file);

  // Each firing's number, and where it is placed (side and height above the plot).
  std::vector<std::string> numbers;
  std::set<std::string> places;
  std::istringstream lines(gp);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("set label '", 0) != 0 || line.find("graph 1 ") == std::string::npos) continue;
    numbers.push_back(line.substr(11, line.find('\'', 11) - 11));
    places.insert(line.substr(line.find("graph 1 ")));
  }
  CHECK(numbers == std::vector<std::string>{"1", "2", "1", "3"});
  CHECK(places.size() == 4);  // no two share a side and a height
  // The legend names the rules in that order, once, tagged so a chart of panels shows it once.
  CHECK(gp.find("alert_legend = 'set label 9999 \"1  B\\n2  A\\n3  C\"") != std::string::npos);
  CHECK(gp.find("eval alert_legend") != std::string::npos);
}
