// The one typed accessor the trace readers (trace_<format>.cpp) read JSON through: every
// access knows its JSON pointer, so a field of the wrong type (`"spanID": 7`, a numeric span
// name, `{"resourceSpans": [[]]}`) is one ImportError naming the file, the pointer and what
// was expected, and never an exception of the JSON library escaping to the terminal. What
// was found is named by its type only: a value may be long, or hold escape sequences.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "tools/import/traces.h"

namespace archsim::import {

class JsonAt {
 public:
  JsonAt(const nlohmann::json& v, const std::string& file, std::string pointer)
      : v_(&v), file_(&file), ptr_(std::move(pointer)) {}

  const nlohmann::json& json() const { return *v_; }
  const std::string& pointer() const { return ptr_; }
  bool is_object() const { return v_->is_object(); }
  bool is_array() const { return v_->is_array(); }
  // A member that is present and not null.
  bool has(const char* key) const;
  JsonAt operator[](const char* key) const;  // a member; null when absent (then has() is false)
  JsonAt operator[](std::size_t i) const;    // an item of an array
  std::size_t size() const;                  // of an array (expected one)

  // Checked reads: `what` says what the field is, for the message ("the span id").
  void expect_object(const char* what) const;
  void expect_array(const char* what) const;
  std::string text(const char* what) const;                                  // a string, required
  std::string text_or(const char* key, const char* what, std::string dflt = {}) const;  // absent or null: dflt
  std::int64_t integer(const char* what) const;          // a whole number >= 0 (or its decimal string)
  // A time or duration in microseconds (Jaeger, Zipkin), in nanoseconds: at most
  // INT64_MAX / 2000 us (the year 2116), so that a start and a duration add without overflow.
  std::int64_t micros_as_nanos(const char* what) const;
  std::string scalar_text() const;                       // a tag's value as text (string, number, bool)

  [[noreturn]] void fail(const std::string& message) const;

 private:
  const nlohmann::json* v_;
  const std::string* file_;
  std::string ptr_;
};

// "a string", "the number 7"-free names of JSON types for messages: "a number", "an array", ...
const char* json_type_name(const nlohmann::json& v);

// What the three readers read alike, each under its format's names.

// Tags or attributes by key, as text (Jaeger's span and process tags, OTLP's attributes,
// Zipkin's tags); a missing key reads "". Callable as read_common_attributes' `get`.
struct TagMap {
  std::map<std::string, std::string> values;
  bool has(const char* key) const { return values.count(key) > 0; }
  std::string operator()(const char* key) const {
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  }
};
// A list of {key, value} objects (Jaeger's tags, OTLP's attributes; null reads as none):
// `list_what` / `item_what` name them in messages, `value_text` reads an item's value as text.
TagMap read_key_values(const JsonAt& list, const char* list_what, const char* item_what,
                       std::string (*value_text)(const JsonAt& item));

// A span's place, trace id, span id and name (printable), under the format's keys.
struct SpanKeys {
  const char* trace;
  const char* id;
  const char* name;
};
void read_span_ids(const JsonAt& span, const SpanKeys& keys, Span& s);

// The file's sampling probability: the commonest that its spans say (probability -> how many).
void set_commonest_sampling(const std::map<double, std::size_t>& said, TraceFile& out);


}  // namespace archsim::import
