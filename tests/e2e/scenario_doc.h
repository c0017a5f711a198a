// A component of a scenario document by its id, for tests that read a written scenario (the
// importer's output); a missing one fails the test case.
#pragma once
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace archsim::e2e {

inline const nlohmann::json& component(const nlohmann::json& doc, const std::string& id) {
  for (const auto& c : doc["components"])
    if (c["id"] == id) return c;
  FAIL("no component " << id);
  static const nlohmann::json none;
  return none;
}

}  // namespace archsim::e2e
