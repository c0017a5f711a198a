// What the model fuzzer adds to libFuzzer's byte mutations, so that its inputs reach every
// family's code rather than the parser's refusals:
//
//   - a structure-aware mutation (LLVMFuzzerCustomMutator, half of the time): the input is
//     parsed as JSON and one value is changed as a scenario author would get it wrong: a
//     number to 0, 1, -1, twice or half itself, huge or tiny; a duration string to 0, 1 ns,
//     1 ms, 1 s, 1 h or negative; a string to an enumerated value of the schema (a policy,
//     a fault kind, an eviction); a member deleted, or added with a name from the schema; an
//     array element deleted or duplicated; a boolean flipped. The result is printed back as
//     JSON, so that it stays a scenario the families read, not a syntax error;
//   - time compression (compress_schedule): the run is cut to two simulated seconds, but
//     what a scenario schedules minutes in (faults, rollouts, drains, a reshard, CDN
//     invalidations, the points of a load profile) is moved into those two seconds in
//     proportion, so that the data tier's failovers, the operations' rollouts and disruption
//     budgets and the edge's region failovers run too, instead of lying beyond the end.
//
// Both are deterministic given libFuzzer's seed and input; neither uses the simulator's
// random streams.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/errors.h"
#include "scenario/json_text.h"
#include "sim/random.h"
#include "sim/time.h"

namespace archsim::fuzz {

// ---------------------------------------------------------------- time compression

namespace detail {

inline std::optional<Time> duration_of(const nlohmann::json& v) {
  if (v.is_number()) {
    const double s = v.get<double>();
    if (!(s >= 0 && s < 9e9)) return std::nullopt;
    return from_seconds(s);
  }
  if (!v.is_string()) return std::nullopt;
  return parse_duration(v.get<std::string>(), nullptr);
}

inline void scale(nlohmann::json& v, double f) {
  if (auto t = duration_of(v)) v = std::to_string(static_cast<long long>(std::floor(static_cast<double>(*t) * f))) + "ns";
}

// A load profile: [[time, value], ...] with at least one point.
inline bool is_profile(const nlohmann::json& a) {
  if (!a.is_array() || a.empty()) return false;
  for (const auto& p : a)
    if (!p.is_array() || p.size() != 2 || !duration_of(p[0]) || !p[1].is_number()) return false;
  return true;
}

// Depth is bounded by the parser (scenario/json_text.h): recursion is safe.
inline void compress(nlohmann::json& j, double f, bool in_faults) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "at" || (in_faults && it.key() == "duration")) scale(it.value(), f);
      else if (is_profile(it.value()))
        for (auto& p : it.value()) scale(p[0], f);
      else compress(it.value(), f, in_faults || it.key() == "faults");
    }
  } else if (j.is_array()) {
    for (auto& x : j) compress(x, f, in_faults);
  }
}

}  // namespace detail

// Cuts `doc` to `run` of simulated time without warm-up, moving what it schedules (every
// "at", a fault's "duration", a profile's times) into the run in proportion to the
// scenario's own duration.
inline void compress_schedule(nlohmann::json& doc, Time run) {
  const std::optional<Time> was = doc.contains("duration") ? detail::duration_of(doc["duration"]) : std::optional<Time>(kHour);
  doc["duration"] = std::to_string(run) + "ns";
  doc.erase("warmup");
  if (!was || *was <= run) return;
  detail::compress(doc, static_cast<double>(run) / static_cast<double>(*was), false);
}

// ---------------------------------------------------------------- structured mutation

// The names a mutation may add and the enumerated values it may put in a string: every
// property name and enum string of scenarios/schema.json.
struct SchemaWords {
  std::vector<std::string> keys, enums;
  static const SchemaWords& get() {
    static const SchemaWords w = [] {
      SchemaWords out;
      std::ifstream in(ARCHSIM_SOURCE_DIR "/scenarios/schema.json");
      const nlohmann::json schema = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
      std::vector<const nlohmann::json*> todo{&schema};
      while (!todo.empty()) {
        const nlohmann::json* j = todo.back();
        todo.pop_back();
        if (j->is_object()) {
          for (auto it = j->begin(); it != j->end(); ++it) {
            if (it.key() == "properties" && it->is_object())
              for (auto p = it->begin(); p != it->end(); ++p) out.keys.push_back(p.key());
            if (it.key() == "enum" && it->is_array())
              for (const auto& e : *it)
                if (e.is_string()) out.enums.push_back(e.get<std::string>());
            todo.push_back(&*it);
          }
        } else if (j->is_array()) {
          for (const auto& x : *j) todo.push_back(&x);
        }
      }
      auto uniq = [](std::vector<std::string>& v) {
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
      };
      uniq(out.keys);
      uniq(out.enums);
      if (out.keys.empty()) out.keys.push_back("replicas");
      if (out.enums.empty()) out.enums.push_back("lru");
      return out;
    }();
    return w;
  }
};

namespace detail {

inline void collect(nlohmann::json& j, std::vector<nlohmann::json*>& all) {
  all.push_back(&j);
  if (j.is_structured())
    for (auto& x : j) collect(x, all);
}

inline void mutate_value(nlohmann::json& v, Rng& rng, const std::vector<nlohmann::json*>& all) {
  const SchemaWords& w = SchemaWords::get();
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng.below(n)); };
  if (v.is_number()) {
    const double x = v.get<double>();
    const double choices[] = {0, 1, -1, 2 * x, x / 2, x + 1, 1e9, 1e-9, 1e300, 100000};
    const double y = choices[pick(std::size(choices))];
    if (v.is_number_integer() && y == std::floor(y) && std::fabs(y) < 9e18) v = static_cast<long long>(y);
    else v = y;
  } else if (v.is_string()) {
    if (duration_of(v)) {
      static const char* kDurations[] = {"0s", "1ns", "1ms", "1s", "1h", "-1s", "100d"};
      v = kDurations[pick(std::size(kDurations))];
    } else if (rng.below(4) == 0) {
      // Another string of the same document: an id where another is expected, a route name.
      std::vector<const nlohmann::json*> strings;
      for (const auto* p : all)
        if (p->is_string()) strings.push_back(p);
      v = *strings[pick(strings.size())];
    } else {
      v = w.enums[pick(w.enums.size())];
    }
  } else if (v.is_boolean()) {
    v = !v.get<bool>();
  } else if (v.is_object()) {
    if (!v.empty() && rng.below(2) == 0) {
      auto it = v.begin();
      std::advance(it, static_cast<long>(pick(v.size())));
      v.erase(it);
    } else {
      // A schema name with a value taken from anywhere in the document.
      v[w.keys[pick(w.keys.size())]] = *all[pick(all.size())];
    }
  } else if (v.is_array()) {
    if (!v.empty() && rng.below(2) == 0) v.erase(pick(v.size()));
    else if (!v.empty()) v.push_back(v[pick(v.size())]);
  } else {
    v = 1;
  }
}

}  // namespace detail

// Mutates the JSON in `data` (size bytes, room for max_size) in place; returns the new size,
// or 0 when the input is not JSON or the result does not fit (the caller then mutates bytes).
inline std::size_t mutate_structure(std::uint8_t* data, std::size_t size, std::size_t max_size, unsigned seed) {
  if (size > 200000) return 0;
  nlohmann::json doc;
  try {
    // archsim's parser: its depth limit keeps the recursive walk below safe.
    doc = parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const ScenarioError&) {
    return 0;
  }
  if (!doc.is_object()) return 0;
  Rng rng(seed);
  const int rounds = 1 + static_cast<int>(rng.below(3));
  for (int r = 0; r < rounds; ++r) {
    std::vector<nlohmann::json*> all;
    detail::collect(doc, all);
    if (all.size() > 100000) return 0;
    nlohmann::json* v = all[rng.below(all.size())];
    detail::mutate_value(*v, rng, all);
  }
  const std::string out = doc.dump(1);
  if (out.size() > max_size) return 0;
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

}  // namespace archsim::fuzz
