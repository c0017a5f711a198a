#include "tools/import/trace_json.h"

#include <cstdio>

#include "tools/import/import_error.h"
#include "tools/import/traces.h"

namespace archsim::import {

namespace {

const nlohmann::json kNull;

std::string escape_segment(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return printable(out);
}

}  // namespace

const char* json_type_name(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::binary: return "binary data";
    case nlohmann::json::value_t::discarded: return "nothing";
    default: return "a number";
  }
}

std::string printable(const std::string& name) {
  std::string out;
  out.reserve(name.size());
  char buf[8];
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c == 0xc2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(name[i + 1]) <= 0x9f) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(name[i + 1]));
      out += buf;
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void JsonAt::fail(const std::string& message) const { throw ImportError(*file_, ptr_, message); }

bool JsonAt::has(const char* key) const {
  if (!v_->is_object()) return false;
  auto it = v_->find(key);
  return it != v_->end() && !it->is_null();
}

JsonAt JsonAt::operator[](const char* key) const {
  const std::string p = ptr_ + "/" + escape_segment(key);
  if (!v_->is_object()) return JsonAt(kNull, *file_, p);
  auto it = v_->find(key);
  return JsonAt(it == v_->end() ? kNull : *it, *file_, p);
}

JsonAt JsonAt::operator[](std::size_t i) const {
  const std::string p = ptr_ + "/" + std::to_string(i);
  return JsonAt(v_->is_array() && i < v_->size() ? (*v_)[i] : kNull, *file_, p);
}

std::size_t JsonAt::size() const { return v_->is_array() ? v_->size() : 0; }

void JsonAt::expect_object(const char* what) const {
  if (!v_->is_object()) fail(std::string("expected ") + what + " (an object), found " + json_type_name(*v_));
}

void JsonAt::expect_array(const char* what) const {
  if (!v_->is_array()) fail(std::string("expected ") + what + " (an array), found " + json_type_name(*v_));
}

std::string JsonAt::text(const char* what) const {
  if (!v_->is_string()) fail(std::string("expected ") + what + " (a string), found " + json_type_name(*v_));
  return v_->get<std::string>();
}

std::string JsonAt::text_or(const char* key, const char* what, std::string dflt) const {
  const JsonAt f = (*this)[key];
  if (f.json().is_null()) return dflt;
  return f.text(what);
}

std::int64_t JsonAt::integer(const char* what) const {
  if (v_->is_number_unsigned() && v_->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))
    return v_->get<std::int64_t>();
  if (v_->is_number_integer() && v_->get<std::int64_t>() >= 0) return v_->get<std::int64_t>();
  if (v_->is_number_float() && v_->get<double>() >= 0 && v_->get<double>() < 9e18)
    return static_cast<std::int64_t>(v_->get<double>());
  if (v_->is_string()) {
    const std::string& s = v_->get_ref<const std::string&>();
    if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos &&
        (s.size() < 19 || (s.size() == 19 && s <= "9223372036854775807")))
      return std::stoll(s);
  }
  fail(std::string("expected ") + what + " (a whole number >= 0), found " +
       (v_->is_number() ? "a negative or too large number" : json_type_name(*v_)));
}

std::int64_t JsonAt::micros_as_nanos(const char* what) const {
  const std::int64_t us = integer(what);
  if (us > INT64_MAX / 2000)
    fail(std::string("expected ") + what + ", found " + std::to_string(us) + ": past the year 2116 (a clock in nanoseconds?)");
  return us * 1000;
}

std::string JsonAt::scalar_text() const {
  if (v_->is_string()) return v_->get<std::string>();
  if (v_->is_boolean()) return v_->get<bool>() ? "true" : "false";
  if (v_->is_number()) return v_->dump();
  return "";
}

TagMap read_key_values(const JsonAt& list, const char* list_what, const char* item_what,
                       std::string (*value_text)(const JsonAt& item)) {
  TagMap out;
  if (list.json().is_null()) return out;
  list.expect_array(list_what);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const JsonAt item = list[i];
    item.expect_object(item_what);
    out.values[item["key"].text("the key")] = value_text(item);
  }
  return out;
}

void read_span_ids(const JsonAt& span, const SpanKeys& keys, Span& s) {
  s.where = span.pointer();
  s.trace = span[keys.trace].text((std::string("the span's ") + keys.trace).c_str());
  s.id = span[keys.id].text((std::string("the span's ") + keys.id).c_str());
  s.name = printable(span.text_or(keys.name, (std::string("the span's ") + keys.name).c_str()));
}

void set_commonest_sampling(const std::map<double, std::size_t>& said, TraceFile& out) {
  std::size_t best = 0;
  for (const auto& [p, n] : said)
    if (n > best) best = n, out.sampling = p;
}

}  // namespace archsim::import
