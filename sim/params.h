// Typed parameters read once (ns-3 attributes without the macros): a Params is a view on
// one JSON object of the scenario at a known JSON pointer. Each reader knows units, ranges
// and defaults, and records the key as known; finish() rejects any key no reader asked for,
// with a "did you mean" among the known ones. All errors are ScenarioErrors with the exact
// pointer, e.g. /components/3/service_time/mean.
//
// Models include this header; it pulls only nlohmann's forward declarations, so model
// files compile fast.
#pragma once
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/distribution.h"
#include "sim/errors.h"
#include "sim/profile.h"
#include "sim/time.h"

namespace archsim {

class Params {
 public:
  static constexpr double kInf = std::numeric_limits<double>::infinity();

  // `j` must outlive the Params; `pointer` is its JSON location ("" for the document root).
  Params(const nlohmann::json& j, std::string pointer);

  const std::string& pointer() const;
  std::string path(std::string_view key) const;  // pointer of a member
  bool has(std::string_view key) const;          // present and not null
  std::vector<std::string> keys() const;         // member names, in document order

  double number(std::string_view key, double def, double lo = -kInf, double hi = kInf);
  double require_number(std::string_view key, double lo = -kInf, double hi = kInf);
  std::int64_t integer(std::string_view key, std::int64_t def, std::int64_t lo, std::int64_t hi);
  std::int64_t require_integer(std::string_view key, std::int64_t lo, std::int64_t hi);
  // A whole number or null (null / absent -> nullopt), e.g. queue_capacity.
  std::optional<std::int64_t> integer_or_null(std::string_view key, std::int64_t lo, std::int64_t hi);
  bool boolean(std::string_view key, bool def);
  std::string string(std::string_view key, std::string_view def);
  std::string string(std::string_view key);  // required
  // One of `choices`, else an error listing them with a suggestion.
  std::string choice(std::string_view key, std::string_view def, const std::vector<std::string>& choices);
  // Durations: "250ms", "2s", or a number of seconds.
  Time duration(std::string_view key, Time def, Time lo = 0, Time hi = kTimeMax);
  Time duration(std::string_view key);  // required, >= 0
  std::optional<Time> duration_opt(std::string_view key);
  // Distributions (docs/scenario-format.md, Durations); values in nanoseconds for durations.
  Distribution distribution(std::string_view key, const Distribution& def);
  Distribution distribution(std::string_view key);  // required
  // A number or a piecewise-linear profile [["0s", 100], ["30m", 1600]].
  Profile profile(std::string_view key, double lo, double hi);
  std::optional<Profile> profile_opt(std::string_view key, double lo, double hi);

  // An array of strings (absent -> empty).
  std::vector<std::string> strings(std::string_view key);

  Params object(std::string_view key);  // required object
  std::optional<Params> object_opt(std::string_view key);
  std::vector<Params> objects(std::string_view key);  // array of objects (absent -> empty)
  // Raw access for shapes the readers above do not cover; marks the key as known.
  const nlohmann::json& raw(std::string_view key);
  const nlohmann::json& object_json() const;
  void known(std::string_view key);  // accept a key without reading it

  // Rejects unknown keys here and in every child obtained through object()/objects().
  void finish();
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;
  [[noreturn]] void fail_here(const std::string& message) const;
  // "is required", unless an unknown key looks like a misspelling of it (then that is named).
  [[noreturn]] void missing(std::string_view key) const;

  // Parsers for values found elsewhere (array items, --set values).
  static Distribution parse_distribution(const nlohmann::json& j, const std::string& pointer);
  static Time parse_duration_value(const nlohmann::json& j, const std::string& pointer);
  static Distribution parse_distribution_checked(const nlohmann::json& j, const std::string& pointer);

 private:
  struct State;
  std::shared_ptr<State> s_;
  explicit Params(std::shared_ptr<State> s) : s_(std::move(s)) {}
  const nlohmann::json* get(std::string_view key);
};

}  // namespace archsim
