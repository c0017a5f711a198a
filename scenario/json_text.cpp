#include "scenario/json_text.h"

#include <algorithm>
#include <functional>
#include <set>
#include <utility>
#include <string>
#include <vector>

#include "scenario/json_pointer.h"

namespace archsim {

namespace {

// Builds the document from nlohmann's SAX events and keeps the guards' state as it goes:
// the depth, the keys of each open object, the pointer of the value being read (for the
// errors the parser raises without a position). A member is appended to its object without
// the search nlohmann's own builder makes: the duplicate check below has already answered
// it, and an ordered_json object searches linearly (a summary with 50,000 figures in one
// object took seconds to read back).
template <class Json>
class Builder {
 public:
  using number_integer_t = typename Json::number_integer_t;
  using number_unsigned_t = typename Json::number_unsigned_t;
  using number_float_t = typename Json::number_float_t;
  using string_t = typename Json::string_t;
  using binary_t = typename Json::binary_t;

  Json root;
  int deepest = 0;

  // The pointer of the value being read: in each open array the element being read (the
  // last one placed, in an ancestor; the next one, in the innermost).
  std::string pointer() const { return pointer_in(stack_.size()); }

  bool null() { return put(Json(nullptr)); }
  bool boolean(bool v) { return put(Json(v)); }
  bool number_integer(number_integer_t v) { return put(Json(v)); }
  bool number_unsigned(number_unsigned_t v) { return put(Json(v)); }
  bool number_float(number_float_t v, const string_t&) { return put(Json(v)); }
  bool string(string_t& v) { return put(Json(std::move(v))); }
  bool binary(binary_t&) { return put(Json(nullptr)); }  // JSON text holds none
  bool start_object(std::size_t) { return open(Json::value_t::object); }
  bool start_array(std::size_t) { return open(Json::value_t::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(string_t& k) {
    Frame& f = stack_.back();
    if (!f.keys.insert(k).second)
      throw ScenarioError(pointer_with(k), "duplicate key \"" + k + "\" (JSON readers keep only one of them; remove the other)");
    f.key = std::move(k);
    return true;
  }
  [[noreturn]] bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    if (const auto* range = dynamic_cast<const nlohmann::detail::out_of_range*>(&ex)) throw *range;
    if (const auto* syntax = dynamic_cast<const nlohmann::detail::parse_error*>(&ex)) throw *syntax;
    throw ScenarioError(pointer(), ex.what());
  }

 private:
  struct Frame {
    Json* value;
    std::string key;  // objects: the member being read
    std::set<std::string> keys;
  };

  // The pointer through the first `frames` open containers (the innermost of them may be
  // the one being read).
  std::string pointer_in(std::size_t frames) const {
    std::string p;
    for (std::size_t i = 0; i < frames; ++i) {
      const Frame& f = stack_[i];
      const bool innermost = i + 1 == stack_.size();
      p += "/" + (f.value->is_array() ? std::to_string(f.value->size() - (innermost ? 0 : 1)) : pointer_token(f.key));
    }
    return p;
  }
  // The pointer of member `k` of the innermost object.
  std::string pointer_with(const std::string& k) const { return pointer_in(stack_.size() - 1) + "/" + pointer_token(k); }
  // Places `v` where the parser is: the root, the next element of the open array, or the
  // member of the open object whose key was just read.
  Json* place(Json&& v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    Frame& f = stack_.back();
    if (f.value->is_array()) {
      auto& a = f.value->template get_ref<typename Json::array_t&>();
      a.push_back(std::move(v));
      return &a.back();
    }
    auto& o = f.value->template get_ref<typename Json::object_t&>();
    if constexpr (requires { typename Json::object_t::Container; }) {  // ordered_json's ordered_map
      o.Container::emplace_back(f.key, std::move(v));  // unique: key() checked it
      return &o.Container::back().second;
    } else {
      return &o.emplace(f.key, std::move(v)).first->second;
    }
  }
  bool put(Json&& v) {
    place(std::move(v));
    return true;
  }
  bool open(typename Json::value_t type) {
    if (static_cast<int>(stack_.size()) >= kMaxJsonDepth)
      throw ScenarioError(pointer(), "nested deeper than " + std::to_string(kMaxJsonDepth) +
                                         " levels of arrays and objects: not a scenario (a scenario nests about 10 deep)");
    Json* v = place(Json(type));
    stack_.push_back(Frame{v, {}, {}});
    deepest = std::max(deepest, static_cast<int>(stack_.size()));
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }

  std::vector<Frame> stack_;
};

template <class Json>
Json parse_guarded(std::string_view text, int* depth, std::size_t max_bytes) {
  if (text.size() > max_bytes)
    throw ScenarioError("", "larger than " + std::to_string(max_bytes >> 20) + " MB: not a file archsim reads");
  Builder<Json> builder;
  try {
    Json::sax_parse(text.begin(), text.end(), &builder);
    if (depth) *depth = builder.deepest;
    return std::move(builder.root);
  } catch (const typename Json::out_of_range& e) {
    // nlohmann's text: "[json.exception.out_of_range.406] number overflow parsing '1e400'".
    std::string msg = e.what();
    auto close = msg.find("] ");
    throw ScenarioError(builder.pointer(), (close == std::string::npos ? msg : msg.substr(close + 2)) +
                                               " (beyond the range of a double)");
  } catch (const typename Json::parse_error& e) {
    // Byte offset -> line and column (1-based), as editors count them.
    const std::size_t pos = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    int line = 1, col = 1;
    for (std::size_t i = 0; i < pos; ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string msg = e.what();
    // nlohmann's text: "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error while parsing ..."
    auto colon = msg.find(": ", msg.find("parse error"));
    std::string reason = colon == std::string::npos ? msg : msg.substr(colon + 2);
    throw JsonSyntaxError("", "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + reason,
                          line, col);
  }
}

}  // namespace

nlohmann::json parse_json(std::string_view text, int* depth, std::size_t max_bytes) {
  return parse_guarded<nlohmann::json>(text, depth, max_bytes);
}

// Summaries archsim wrote (a sweep's jobs): no user text limit, a summary of 20,000
// components is larger than a scenario.
nlohmann::ordered_json parse_ordered_json(std::string_view text) {
  return parse_guarded<nlohmann::ordered_json>(text, nullptr, std::size_t{1} << 34);
}

}  // namespace archsim
