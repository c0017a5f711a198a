#include "scenario/params.h"
#include "scenario/json_pointer.h"
#include "sim/text_list.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <nlohmann/json.hpp>

namespace archsim {

using json = nlohmann::json;

struct Params::State {
  const json* j;
  std::string pointer;
  std::vector<std::string> known;  // in the order asked (for "did you mean")
  // The same keys hashed, once there are many (a map of thousands of routes or regions): a
  // lookup is then O(1) instead of a walk of every key asked so far.
  std::unordered_set<std::string> known_index;
  std::vector<std::shared_ptr<State>> children;

  static constexpr std::size_t kIndexFrom = 16;
  bool is_known(std::string_view key) {
    if (known.size() < kIndexFrom) return std::find(known.begin(), known.end(), key) != known.end();
    if (known_index.empty()) known_index.insert(known.begin(), known.end());
    return known_index.count(std::string(key)) > 0;
  }
  void add_known(std::string_view key) {
    if (is_known(key)) return;
    known.emplace_back(key);
    if (!known_index.empty()) known_index.emplace(key);
  }
};

namespace {
thread_local FieldLog* current_log = nullptr;
}

FieldLog::FieldLog() : previous_(current_log) { current_log = this; }
FieldLog::~FieldLog() { current_log = previous_; }
FieldLog* FieldLog::current() { return current_log; }

void FieldLog::note(FieldRead r) {
  // Readers call one another (require_number reads through number): the outer call, noted
  // first, names the kind; an inner one can only add that the field is required.
  std::string id;
  id.reserve(r.object.size() + 1 + r.key.size());
  id.append(r.object).push_back('\0');
  id.append(r.key);
  ++notes_;
  if (!index_.empty()) compared_ += index_.bucket_size(index_.bucket(id));
  const auto [it, added] = index_.try_emplace(std::move(id), reads_.size());
  if (!added) {
    FieldRead& old = reads_[it->second];
    old.required = old.required || r.required;
    return;
  }
  reads_.push_back(std::move(r));
}

void Params::note(std::string_view key, const char* kind, const Where& where, bool required, std::string def, double lo,
                  double hi, const std::vector<std::string>* choices) const {
  FieldLog* log = current_log;
  if (!log) return;
  FieldRead r{s_->pointer, std::string(key), kind, required, std::move(def), lo, hi, {}, where};
  if (choices) r.choices = *choices;
  log->note(std::move(r));
}

static std::string json_text(double v) { return json(v).dump(); }
static std::string json_text(std::int64_t v) { return json(v).dump(); }
static std::string json_text(std::string_view v) { return json(v).dump(); }
static std::string seconds_text(Time t) { return json(static_cast<double>(t) / 1e9).dump(); }

static std::string type_name(const json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

Params::Params(const json& j, std::string pointer)
    : s_(std::make_shared<State>(State{&j, std::move(pointer), {}, {}, {}})) {
  if (!j.is_object()) throw ScenarioError(s_->pointer.empty() ? "/" : s_->pointer, "expected an object, found " + type_name(j));
}

const std::string& Params::pointer() const { return s_->pointer; }
std::string Params::path(std::string_view key) const { return s_->pointer + "/" + pointer_token(key); }

bool Params::has(std::string_view key) const {
  auto it = s_->j->find(key);
  return it != s_->j->end() && !it->is_null();
}

std::vector<std::string> Params::keys() const {
  std::vector<std::string> out;
  for (auto it = s_->j->begin(); it != s_->j->end(); ++it) out.push_back(it.key());
  return out;
}

void Params::known(std::string_view key, Where where) {
  note(key, "known", where);
  mark(key);
}

void Params::mark(std::string_view key) { s_->add_known(key); }

const json* Params::get(std::string_view key) {
  mark(key);
  auto it = s_->j->find(key);
  if (it == s_->j->end() || it->is_null()) return nullptr;
  return &*it;
}

void Params::missing(std::string_view key) const {
  // A misspelt required field is the fault to name, not the missing one.
  std::vector<std::string> wanted{std::string(key)};
  for (auto it = s_->j->begin(); it != s_->j->end(); ++it) {
    if (!s_->is_known(it.key()) && !did_you_mean(it.key(), wanted).empty())
      fail(it.key(), "unknown field \"" + it.key() + "\"" + did_you_mean(it.key(), wanted));
  }
  fail(key, "is required");
}

void Params::fail(std::string_view key, const std::string& message) const {
  throw ScenarioError(path(key), message);
}
void Params::fail_here(const std::string& message) const {
  throw ScenarioError(s_->pointer.empty() ? "/" : s_->pointer, message);
}

static std::string fmt_num(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

static double check_range(const Params& p, std::string_view key, double v, double lo, double hi) {
  if (std::isnan(v) || v < lo || v > hi) {
    std::string range;
    if (lo != -Params::kInf && hi != Params::kInf) range = "between " + fmt_num(lo) + " and " + fmt_num(hi);
    else if (lo != -Params::kInf) range = lo == 0 ? "non-negative" : "at least " + fmt_num(lo);
    else range = "at most " + fmt_num(hi);
    p.fail(key, "must be " + range + ", got " + fmt_num(v));
  }
  return v;
}

double Params::number(std::string_view key, double def, double lo, double hi, Where where) {
  note(key, "number", where, false, json_text(def), lo, hi);
  const json* v = get(key);
  if (!v) return def;
  if (!v->is_number()) fail(key, "expected a number, found " + type_name(*v));
  return check_range(*this, key, v->get<double>(), lo, hi);
}

double Params::require_number(std::string_view key, double lo, double hi, Where where) {
  note(key, "number", where, true, {}, lo, hi);
  if (!has(key)) { mark(key); missing(key); }
  return number(key, 0.0, lo, hi);
}

std::int64_t Params::integer(std::string_view key, std::int64_t def, std::int64_t lo, std::int64_t hi, Where where) {
  note(key, "integer", where, false, json_text(def), static_cast<double>(lo), static_cast<double>(hi));
  const json* v = get(key);
  if (!v) return def;
  if (!v->is_number()) fail(key, "expected a whole number, found " + type_name(*v));
  // Whole numbers as the file wrote them, never through a double (which rounds above 2^53:
  // a seed 9007199254740993 would run as ...992); the bounds are printed exactly.
  auto out_of_range = [&](const std::string& got) {
    fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + got);
  };
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) || static_cast<std::int64_t>(u) > hi ||
        static_cast<std::int64_t>(u) < lo)
      out_of_range(std::to_string(u));
    return static_cast<std::int64_t>(u);
  }
  if (v->is_number_integer()) {
    const auto i = v->get<std::int64_t>();
    if (i < lo || i > hi) out_of_range(std::to_string(i));
    return i;
  }
  double d = v->get<double>();
  if (d != std::floor(d)) fail(key, "expected a whole number, got " + fmt_num(d));
  // 2^63 is exactly representable; the cast is defined only below it.
  if (!(d >= static_cast<double>(lo) && d < 9223372036854775808.0 && static_cast<std::int64_t>(d) <= hi) ||
      static_cast<std::int64_t>(d) < lo)
    out_of_range(fmt_num(d));
  return static_cast<std::int64_t>(d);
}

std::int64_t Params::require_integer(std::string_view key, std::int64_t lo, std::int64_t hi, Where where) {
  note(key, "integer", where, true, {}, static_cast<double>(lo), static_cast<double>(hi));
  if (!has(key)) { mark(key); missing(key); }
  return integer(key, 0, lo, hi);
}

std::optional<std::int64_t> Params::integer_or_null(std::string_view key, std::int64_t lo, std::int64_t hi, Where where) {
  note(key, "integer_or_null", where, false, "null", static_cast<double>(lo), static_cast<double>(hi));
  if (!has(key)) { mark(key); return std::nullopt; }
  return integer(key, 0, lo, hi);
}

bool Params::boolean(std::string_view key, bool def, Where where) {
  note(key, "boolean", where, false, def ? "true" : "false");
  const json* v = get(key);
  if (!v) return def;
  if (!v->is_boolean()) fail(key, "expected true or false, found " + type_name(*v));
  return v->get<bool>();
}

std::string Params::string(std::string_view key, std::string_view def, Where where) {
  note(key, "string", where, false, json_text(def));
  const json* v = get(key);
  if (!v) return std::string(def);
  if (!v->is_string()) fail(key, "expected a string, found " + type_name(*v));
  return v->get<std::string>();
}

std::string Params::string(std::string_view key, Where where) {
  note(key, "string", where, true);
  if (!has(key)) { mark(key); missing(key); }
  return string(key, "");
}

std::string Params::choice(std::string_view key, std::string_view def, const std::vector<std::string>& choices,
                          Where where) {
  // An empty default that is not among the choices means "required" (a distribution's dist).
  bool def_is_choice = false;
  for (const auto& c : choices) def_is_choice = def_is_choice || c == def;
  note(key, "choice", where, !def_is_choice, def_is_choice ? json_text(def) : std::string(), -kInf, kInf, &choices);
  std::string v = string(key, def);
  for (const auto& c : choices)
    if (c == v) return v;
  const std::string list = join_items(choices, ", ");
  fail(key, "unknown value \"" + v + "\"" + did_you_mean(v, choices) + "; expected one of: " + list);
}

Time Params::parse_duration_value(const nlohmann::json& j, const std::string& pointer) {
  if (j.is_number()) {
    double s = j.get<double>();
    if (std::isnan(s) || s < 0) throw ScenarioError(pointer, "duration must not be negative, got " + fmt_num(s));
    if (s > 9e9) throw ScenarioError(pointer, "duration is too large");
    return from_seconds(s);
  }
  if (!j.is_string()) throw ScenarioError(pointer, "expected a duration such as \"250ms\" or a number of seconds, found " + type_name(j));
  std::string err;
  auto t = parse_duration(j.get<std::string>(), &err);
  if (!t) throw ScenarioError(pointer, err);
  return *t;
}

Time Params::duration(std::string_view key, Time def, Time lo, Time hi, Where where) {
  note(key, "duration", where, false, seconds_text(def), static_cast<double>(lo) / 1e9,
       hi == kTimeMax ? kInf : static_cast<double>(hi) / 1e9);
  const json* v = get(key);
  if (!v) return def;
  Time t = parse_duration_value(*v, path(key));
  if (t < lo || t > hi) {
    if (hi == kTimeMax) fail(key, "must be at least " + format_duration(lo));
    fail(key, "must be between " + format_duration(lo) + " and " + format_duration(hi));
  }
  return t;
}

Time Params::duration(std::string_view key, Where where) {
  note(key, "duration", where, true, {}, 0);
  if (!has(key)) { mark(key); missing(key); }
  return duration(key, 0);
}

std::optional<Time> Params::duration_opt(std::string_view key, Where where) {
  note(key, "duration", where, false, {}, 0);
  if (!has(key)) { mark(key); return std::nullopt; }
  return duration(key, 0);
}

Distribution Params::parse_distribution(const nlohmann::json& j, const std::string& ptr) {
  try {
    return parse_distribution_checked(j, ptr);
  } catch (const std::invalid_argument& e) {
    throw ScenarioError(ptr, e.what());
  }
}

Distribution Params::parse_distribution_checked(const nlohmann::json& j, const std::string& ptr) {
  if (j.is_string() || j.is_number()) return Distribution::constant(static_cast<double>(parse_duration_value(j, ptr)));
  if (!j.is_object())
    throw ScenarioError(ptr, "expected a distribution such as {\"dist\": \"exponential\", \"mean\": \"10ms\"} or a duration, found " + type_name(j));
  Params p(j, ptr);
  static const std::vector<std::string> kinds = {"constant", "exponential", "uniform", "normal",
                                                  "lognormal", "pareto", "empirical"};
  std::string kind = p.choice("dist", "", kinds);
  auto dur = [&](std::string_view k) { return static_cast<double>(p.duration(k)); };
  Distribution d;
  if (kind == "constant") {
    d = Distribution::constant(dur("value"));
  } else if (kind == "exponential") {
    double m = dur("mean");
    if (m <= 0) p.fail("mean", "must be positive");
    d = Distribution::exponential(m);
  } else if (kind == "uniform") {
    double lo = dur("min"), hi = dur("max");
    if (hi < lo) p.fail("max", "must not be less than min");
    d = Distribution::uniform(lo, hi);
  } else if (kind == "normal") {
    double m = dur("mean"), sd = dur("stddev");
    d = Distribution::normal(m, sd);
  } else if (kind == "lognormal") {
    if (p.has("median") || p.has("p99")) {
      double med = dur("median"), p99 = dur("p99");
      if (med <= 0) p.fail("median", "must be positive");
      if (p99 <= med) p.fail("p99", "must be greater than the median");
      d = Distribution::lognormal_median_p99(med, p99);
    } else {
      double m = dur("mean"), sd = dur("stddev");
      if (m <= 0) p.fail("mean", "must be positive");
      d = Distribution::lognormal_mean_stddev(m, sd);
    }
  } else if (kind == "pareto") {
    double scale = dur("scale");
    double shape = p.require_number("shape", 0.0, kInf);
    if (scale <= 0) p.fail("scale", "must be positive");
    if (shape <= 0) p.fail("shape", "must be positive");
    d = Distribution::pareto(scale, shape);
  } else {
    Value vals = p.value("values");
    if (vals.shape() != Shape::array || vals.items().empty()) p.fail("values", "expected a non-empty array of durations");
    std::vector<double> v;
    for (const Value& x : vals.items()) v.push_back(static_cast<double>(x.duration()));
    d = Distribution::empirical(std::move(v));
  }
  p.finish();
  return d;
}

Distribution Params::distribution(std::string_view key, const Distribution& def, Where where) {
  // Only a constant default has a plain value to state (seconds, as for durations).
  note(key, "distribution", where, false,
       def.kind == Distribution::Kind::Constant ? json_text(def.p1 / 1e9) : std::string());
  const json* v = get(key);
  if (!v) return def;
  return parse_distribution(*v, path(key));
}

Distribution Params::distribution(std::string_view key, Where where) {
  note(key, "distribution", where, true);
  if (!has(key)) { mark(key); missing(key); }
  return distribution(key, Distribution{});
}

std::optional<Profile> Params::profile_opt(std::string_view key, double lo, double hi, Where where) {
  note(key, "profile", where, false, {}, lo, hi);
  const json* v = get(key);
  if (!v) return std::nullopt;
  if (v->is_number()) return Profile::constant(check_range(*this, key, v->get<double>(), lo, hi));
  if (!v->is_array() || v->empty())
    fail(key, "expected a number or a profile such as [[\"0s\", 100], [\"30m\", 1600]]");
  Profile prof;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const json& pt = (*v)[i];
    std::string ptr = path(key) + "/" + std::to_string(i);
    if (!pt.is_array() || pt.size() != 2 || !pt[1].is_number())
      throw ScenarioError(ptr, "expected a [time, value] pair such as [\"30m\", 1600]");
    Time t = parse_duration_value(pt[0], ptr + "/0");
    double val = pt[1].get<double>();
    if (std::isnan(val) || val < lo || val > hi)
      throw ScenarioError(ptr + "/1", "must be between " + fmt_num(lo) + " and " + fmt_num(hi) + ", got " + fmt_num(val));
    if (!prof.points.empty() && t <= prof.points.back().first)
      throw ScenarioError(ptr + "/0", "profile times must increase");
    prof.points.emplace_back(t, val);
  }
  return prof;
}

Profile Params::profile(std::string_view key, double lo, double hi, Where where) {
  note(key, "profile", where, true, {}, lo, hi);
  auto p = profile_opt(key, lo, hi);
  if (!p) missing(key);
  return *p;
}

std::vector<std::string> Params::strings(std::string_view key, Where where) {
  note(key, "strings", where);
  const json* v = get(key);
  std::vector<std::string> out;
  if (!v) return out;
  if (!v->is_array()) fail(key, "expected an array of strings, found " + type_name(*v));
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) throw ScenarioError(path(key) + "/" + std::to_string(i), "expected a string, found " + type_name((*v)[i]));
    out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

Params Params::object(std::string_view key, Where where) {
  note(key, "object", where, true);
  const json* v = get(key);
  if (!v) missing(key);
  if (!v->is_object()) fail(key, "expected an object, found " + type_name(*v));
  Params child(*v, path(key));
  s_->children.push_back(child.s_);
  return child;
}

std::optional<Params> Params::object_opt(std::string_view key, Where where) {
  note(key, "object", where);
  if (!has(key)) { mark(key); return std::nullopt; }
  return object(key);
}

std::vector<Params> Params::objects(std::string_view key, Where where) {
  note(key, "objects", where);
  const json* v = get(key);
  std::vector<Params> out;
  if (!v) return out;
  if (!v->is_array()) fail(key, "expected an array, found " + type_name(*v));
  for (std::size_t i = 0; i < v->size(); ++i) {
    std::string ptr = path(key) + "/" + std::to_string(i);
    if (!(*v)[i].is_object()) throw ScenarioError(ptr, "expected an object, found " + type_name((*v)[i]));
    Params child((*v)[i], ptr);
    s_->children.push_back(child.s_);
    out.push_back(child);
  }
  return out;
}

const json& Params::raw(std::string_view key, Where where) {
  note(key, "raw", where);
  static const json null_json;
  const json* v = get(key);
  return v ? *v : null_json;
}

static Params::Shape shape_of(const json* v) {
  using S = Params::Shape;
  if (!v || v->is_null()) return S::absent;
  if (v->is_boolean()) return S::boolean;
  if (v->is_number()) return S::number;
  if (v->is_string()) return S::string;
  if (v->is_array()) return S::array;
  return S::object;
}

Params::Shape Params::shape(std::string_view key) const {
  auto it = s_->j->find(key);
  return it == s_->j->end() ? Shape::absent : shape_of(&*it);
}

Params::Value Params::value(std::string_view key, Where where) {
  note(key, "value", where);
  return Value(s_, get(key), path(key));
}

Params::Shape Params::Value::shape() const { return shape_of(j_); }

void Params::Value::fail(const std::string& message) const { throw ScenarioError(pointer_, message); }

std::optional<std::string> Params::Value::as_string() const {
  if (!j_ || !j_->is_string()) return std::nullopt;
  return j_->get<std::string>();
}

std::optional<double> Params::Value::as_number() const {
  if (!j_ || !j_->is_number()) return std::nullopt;
  return j_->get<double>();
}

std::optional<std::int64_t> Params::Value::as_integer() const {
  if (!j_ || !j_->is_number_integer()) return std::nullopt;
  if (j_->is_number_unsigned() && j_->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return j_->get<std::int64_t>();
}

std::optional<std::uint64_t> Params::Value::as_unsigned() const {
  if (!j_ || !j_->is_number_integer()) return std::nullopt;
  if (!j_->is_number_unsigned() && j_->get<std::int64_t>() < 0) return std::nullopt;
  return j_->get<std::uint64_t>();
}

std::vector<Params::Value> Params::Value::items() const {
  if (!j_ || !j_->is_array()) fail("expected an array, found " + (j_ ? type_name(*j_) : std::string("null")));
  std::vector<Value> out;
  out.reserve(j_->size());
  for (std::size_t i = 0; i < j_->size(); ++i) out.push_back(Value(owner_, &(*j_)[i], pointer_ + "/" + std::to_string(i)));
  return out;
}

Params Params::Value::object() const {
  if (!j_ || !j_->is_object()) fail("expected an object, found " + (j_ ? type_name(*j_) : std::string("null")));
  Params child(*j_, pointer_);
  owner_->children.push_back(child.s_);
  return child;
}

Time Params::Value::duration() const {
  if (!j_) fail("is required");
  return parse_duration_value(*j_, pointer_);
}

void Params::finish() {
  for (auto it = s_->j->begin(); it != s_->j->end(); ++it)
    if (!s_->is_known(it.key())) fail(it.key(), "unknown field \"" + it.key() + "\"" + did_you_mean(it.key(), s_->known));
  for (auto& c : s_->children) Params(c).finish();
}

}  // namespace archsim
