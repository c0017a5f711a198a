// What the hardening cases (test_hardening*.cpp) share: the smallest valid scenario to spoil
// one field at a time, a scenario file written as raw text, and the shape of a refusal.
#pragma once
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

namespace archsim::e2e {

// A client at 10 requests/s in front of one service of 1 ms, for 10 s, named `name`.
inline nlohmann::json minimal_scenario(const std::string& name) {
  nlohmann::json doc = nlohmann::json::parse(R"({"duration": "10s", "components": [
    {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 10}},
    {"id": "web", "type": "service", "service_time": "1ms"}]})");
  doc["name"] = name;
  return doc;
}

// Writes `text` as <fresh scratch dir>/<name>.json, byte for byte, and returns its path.
inline std::string write_text(const std::string& name, const std::string& text) {
  const std::string path = scratch_dir(name) + "/" + name + ".json";
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// Exit `code` (2: bad input), no signal, exactly one line on stderr holding every word of
// `words` (and starting with `head` when given).
inline void expect_one_line(const RunResult& r, const std::vector<std::string>& words, int code = 2,
                            const std::string& head = "") {
  INFO(describe(r));
  CHECK(!r.timed_out);
  CHECK(r.signal == 0);
  CHECK(r.exit_code == code);
  const auto ls = lines(r.err);
  REQUIRE(ls.size() == 1);
  CHECK(ls[0].rfind(head, 0) == 0);
  for (const auto& w : words) {
    CAPTURE(w);
    CHECK(ls[0].find(w) != std::string::npos);
  }
}

}  // namespace archsim::e2e
