// Reading a scenario file and applying --set overrides to it, before any validation of
// its meaning. Syntax errors carry line and column.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace archsim {

// Parses the file; throws ScenarioError (line/column for syntax errors).
nlohmann::json load_scenario_file(const std::string& path);
// The same for a scenario already in memory (the fuzzers' entry point; the file loader's
// parser): what scenario/json_text.h refuses (size, depth, duplicate keys, numbers beyond a
// double, syntax), and a control character (C0, DEL, C1) in any key or string, tabs and line
// breaks in a "description" excepted: names are printed on the terminal and in the page.
nlohmann::json parse_scenario_text(const std::string& text);

// Applies "PATH=VALUE" (docs/scenario-format.md): the first segment is a component id when one
// matches, else the "name" of a fault (faults[i]), else a top-level key; numeric segments index arrays; VALUE is JSON, else a
// string. VALUE null removes an object's field (null means absent), making nothing on the
// way to it; an array's item is set to null. Throws ScenarioError with pointer "--set
// <assignment>" on a bad path, a value the parser refuses, a control character, a document
// nested deeper than the parser allows, or a first segment that is no component, fault or key
// of the document but one typo away from a component's id or a fault's name (did you mean).
void apply_set(nlohmann::json& doc, const std::string& assignment);

// The JSON pointer the PATH of an assignment designates (for messages and --vary labels).
std::string set_path_pointer(const nlohmann::json& doc, const std::string& path);

}  // namespace archsim
