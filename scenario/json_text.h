// The one JSON parser of archsim: every text read as JSON goes through here (scenario files,
// --set and --vary values, the summaries kept in a sweep's job store, the files of a folder
// `archsim report` redraws, manifests an importer reads), so each gets the same guards:
//
//   - size: at most kMaxJsonBytes for what a user writes (a scenario is a few kB; /dev/zero
//     never ends); a file archsim wrote itself (a trace of 100,000 requests) may be larger;
//   - depth: at most kMaxJsonDepth nested arrays and objects. nlohmann's parser is
//     iterative, but copying, comparing and dumping a value recurse once per level: a
//     100,000-level document parses and then overflows the stack in the first copy. The
//     limit is serde_json's default recursion limit (128); a scenario nests about 10 deep;
//   - duplicate keys are errors (a JSON reader keeps one of them silently);
//   - a number beyond a double is an error at its JSON pointer (not nlohmann's out_of_range);
//   - a syntax error gives line and column.
// Every refusal is a ScenarioError; a syntax error is a JsonSyntaxError (a ScenarioError), so
// that a caller taking "not JSON" as a plain string (--set name=web-2) can tell it from a
// value that is JSON but refused.
#pragma once
#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "scenario/errors.h"

namespace archsim {

inline constexpr std::size_t kMaxJsonBytes = std::size_t{64} << 20;
inline constexpr int kMaxJsonDepth = 128;

class JsonSyntaxError : public ScenarioError {
 public:
  using ScenarioError::ScenarioError;
};

// Parses `text` under the guards above. `depth`, when given, receives the deepest nesting
// seen (0 for a scalar, 1 for [] or {}), for a caller that nests the value further (--set).
nlohmann::json parse_json(std::string_view text, int* depth = nullptr, std::size_t max_bytes = kMaxJsonBytes);
// The same, keeping the members' order (summaries written back out as they were read).
nlohmann::ordered_json parse_ordered_json(std::string_view text);

}  // namespace archsim
