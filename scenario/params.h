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
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/distribution.h"
#include "scenario/errors.h"
#include "sim/profile.h"
#include "sim/time.h"

namespace archsim {

// One field a reader asked for, as `archsim validate --fields` prints it: the schema check
// (tools/check_schema.py) holds these against scenarios/schema.json, so that a field a reader
// gains is a field the schema must declare, with the same type, range, choices and default.
// A place in the source: the caller of the function whose default argument is
// SourcePlace::current(). Built on __builtin_FILE and __builtin_LINE, which GCC and the
// Clang of the sanitizer build (14, without std::source_location) both have.
struct SourcePlace {
  const char* file = "";
  unsigned line_no = 0;
  static constexpr SourcePlace current(const char* f = __builtin_FILE(), unsigned l = __builtin_LINE()) noexcept {
    return SourcePlace{f, l};
  }
  const char* file_name() const { return file; }
  unsigned line() const { return line_no; }
};

struct FieldRead {
  std::string object;   // JSON pointer of the object the field is a member of ("" = the root)
  std::string key;
  const char* kind;     // the reader: "number", "integer", "choice", "duration", ... (Params below)
  bool required = false;
  std::string def;      // the default as JSON text, durations in seconds ("" = none given)
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // a choice's values
  SourcePlace where;                 // the reader's caller (models/<family>/...)
};

// While one lives, every field read on its thread is recorded in it (the first read of a key
// of an object wins; a later one only adds `required`). Without one the readers record
// nothing and pay one thread-local load. Logs nest: the innermost records. A read costs one
// hash lookup of (object, key), whatever the log holds: a scenario of N components is read
// in O(N), not O(N^2) (a balancer in front of 5,000 services took 80 s when each read
// scanned the log).
class FieldLog {
 public:
  FieldLog();
  ~FieldLog();
  FieldLog(const FieldLog&) = delete;
  FieldLog& operator=(const FieldLog&) = delete;
  const std::vector<FieldRead>& reads() const { return reads_; }
  void note(FieldRead r);
  // The work of note(): how many reads it was given, and how many recorded ones it compared
  // them with (those of the hash bucket it looked in), for the test that keeps it O(1).
  std::uint64_t notes() const { return notes_; }
  std::uint64_t compared() const { return compared_; }
  static FieldLog* current();

 private:
  std::vector<FieldRead> reads_;
  std::unordered_map<std::string, std::size_t> index_;  // object '\0' key -> its place in reads_
  std::uint64_t notes_ = 0, compared_ = 0;
  FieldLog* previous_;
};

class Params {
 public:
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  // Each reader takes its caller's place in the source, which only a FieldLog keeps.
  using Where = SourcePlace;

  // `j` must outlive the Params; `pointer` is its JSON location ("" for the document root).
  Params(const nlohmann::json& j, std::string pointer);

  const std::string& pointer() const;
  std::string path(std::string_view key) const;  // pointer of a member
  bool has(std::string_view key) const;          // present and not null
  std::vector<std::string> keys() const;         // member names, in document order

  double number(std::string_view key, double def, double lo = -kInf, double hi = kInf, Where where = Where::current());
  double require_number(std::string_view key, double lo = -kInf, double hi = kInf, Where where = Where::current());
  std::int64_t integer(std::string_view key, std::int64_t def, std::int64_t lo, std::int64_t hi, Where where = Where::current());
  std::int64_t require_integer(std::string_view key, std::int64_t lo, std::int64_t hi, Where where = Where::current());
  // A whole number or null (null / absent -> nullopt), e.g. queue_capacity.
  std::optional<std::int64_t> integer_or_null(std::string_view key, std::int64_t lo, std::int64_t hi, Where where = Where::current());
  bool boolean(std::string_view key, bool def, Where where = Where::current());
  std::string string(std::string_view key, std::string_view def, Where where = Where::current());
  std::string string(std::string_view key, Where where = Where::current());  // required
  // One of `choices`, else an error listing them with a suggestion.
  std::string choice(std::string_view key, std::string_view def, const std::vector<std::string>& choices, Where where = Where::current());
  // Durations: "250ms", "2s", or a number of seconds.
  Time duration(std::string_view key, Time def, Time lo = 0, Time hi = kTimeMax, Where where = Where::current());
  Time duration(std::string_view key, Where where = Where::current());  // required, >= 0
  std::optional<Time> duration_opt(std::string_view key, Where where = Where::current());
  // Distributions (docs/scenario-format.md, Durations); values in nanoseconds for durations.
  Distribution distribution(std::string_view key, const Distribution& def, Where where = Where::current());
  Distribution distribution(std::string_view key, Where where = Where::current());  // required
  // A number or a piecewise-linear profile [["0s", 100], ["30m", 1600]].
  Profile profile(std::string_view key, double lo, double hi, Where where = Where::current());
  std::optional<Profile> profile_opt(std::string_view key, double lo, double hi, Where where = Where::current());

  // An array of strings (absent -> empty).
  std::vector<std::string> strings(std::string_view key, Where where = Where::current());

  Params object(std::string_view key, Where where = Where::current());  // required object
  std::optional<Params> object_opt(std::string_view key, Where where = Where::current());
  std::vector<Params> objects(std::string_view key, Where where = Where::current());  // array of objects (absent -> empty)
  void known(std::string_view key, Where where = Where::current());  // accept a key without reading it

  // Fields that take more than one shape (a number or a duration, a string or an object, an
  // array of ids or of objects, an array of arrays): the model asks for the shape and reads
  // each case with the typed accessors of Value, wording its own error for a wrong shape.
  // Null counts as absent, as for has().
  enum class Shape : std::uint8_t { absent, boolean, number, string, array, object };
  Shape shape(std::string_view key) const;  // does not mark the key as known
  class Value;
  Value value(std::string_view key, Where where = Where::current());  // marks the key as known; absent when missing or null

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
  void mark(std::string_view key);  // known, unrecorded
  void note(std::string_view key, const char* kind, const Where& where, bool required = false,
            std::string def = {}, double lo = -kInf, double hi = kInf, const std::vector<std::string>* choices = nullptr) const;
  // The JSON of a member (null when absent), marked as known. Only scenario/ reads JSON directly
  // (the scenario's sections); models go through the typed readers and Value.
  const nlohmann::json& raw(std::string_view key, Where where = Where::current());
  friend class Simulation;
};

// One value of the document (a member, or an item of an array) with its JSON pointer. The
// as_* accessors return nullopt when the value has another shape, so that the caller can
// name what it expected; items(), object() and duration() fail with the pointer themselves.
class Params::Value {
 public:
  Shape shape() const;
  const std::string& pointer() const { return pointer_; }
  std::optional<std::string> as_string() const;
  std::optional<double> as_number() const;
  // An integer literal (2, not 2.0) that fits the type.
  std::optional<std::int64_t> as_integer() const;
  std::optional<std::uint64_t> as_unsigned() const;
  // An array's items, each with its pointer (.../3); another shape: "expected an array, found ...".
  std::vector<Value> items() const;
  // An object: "expected an object, found ..." otherwise. It is a child of the Params the
  // value came from, so that Params' finish() checks its keys too.
  Params object() const;
  // A duration as Params::duration reads it ("250ms", "2s" or a number of seconds).
  Time duration() const;
  [[noreturn]] void fail(const std::string& message) const;

 private:
  friend class Params;
  Value(std::shared_ptr<State> owner, const nlohmann::json* j, std::string pointer)
      : owner_(std::move(owner)), j_(j), pointer_(std::move(pointer)) {}
  std::shared_ptr<State> owner_;
  const nlohmann::json* j_;  // nullptr: absent or null
  std::string pointer_;
};

}  // namespace archsim
