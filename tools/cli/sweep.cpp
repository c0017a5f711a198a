#include "tools/cli/sweep.h"

#include <cstdio>
#include <exception>
#include <iostream>
#include <new>

#include "reports/access_log.h"
#include "reports/ledgers/ledgers.h"
#include "reports/segment_result.h"
#include "reports/summary.h"
#include "reports/trace_json.h"
#include "reports/trace_otlp.h"
#include "scenario/errors.h"
#include "scenario/json_text.h"
#include "sim/random.h"
#include "scenario/scenario_file.h"
#include "sim/simulation.h"
#include "sim/text_list.h"
#include "tools/cli/interrupt.h"

namespace archsim::cli {

std::vector<std::string> split_values(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  bool quoted = false;
  for (char c : s) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == '[' || c == '{')) ++depth;
    if (!quoted && (c == ']' || c == '}')) --depth;
    if (c == ',' && depth == 0 && !quoted) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::optional<std::vector<Variant>> vary_grid(const std::vector<std::string>& varies) {
  std::vector<Variant> variants{Variant{}};
  for (const std::string& v : varies) {
    auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
      std::cerr << "archsim: --vary " << v << ": expected PATH=V1,V2,... e.g. lb.algorithm=round_robin,least_connections\n";
      return std::nullopt;
    }
    std::string path = v.substr(0, eq);
    std::vector<Variant> next;
    for (const Variant& prev : variants)
      for (const std::string& val : split_values(v.substr(eq + 1))) {
        Variant n = prev;
        append_item(n.label, " ", path + "=" + val);
        n.sets.push_back(path + "=" + val);
        next.push_back(n);
      }
    variants = next;
  }
  return variants;
}

JobOutput run_job(const nlohmann::json& base, const JobSpec& spec, const Registry& registry,
                  const std::function<void(double)>& progress) {
  JobOutput out;
  if (interrupt_flag().load(std::memory_order_relaxed)) {
    out.partial = true;
    out.error = "interrupted before it started";
    return out;
  }
  try {
    nlohmann::json doc = base;
    for (const auto& s : spec.sets) apply_set(doc, s);
    // A segment (run --segments, tools/cli/segments.h): [start, end) counted from the cut, on
    // the whole run's windows; its result goes back whole for the stitching.
    const bool segment = spec.segment.size() == 4;
    if (segment) {
      doc["duration"] = std::to_string(spec.segment[2]) + "ns";
      doc["warmup"] = std::to_string(spec.segment[1]) + "ns";
      doc["window"] = std::to_string(spec.segment[3]) + "ns";
    }
    Simulation sim(doc, registry, spec.seed);
    if (spec.trace) sim.enable_trace(spec.trace);
    if (segment) {
      sim.start_at(spec.segment[0]);
      sim.keep_histograms();
    }
    sim.run(progress, &interrupt_flag());
    RunResult r = sim.result();
    out.partial = r.partial;
    if (segment) {
      out.summary = encode_segment(r);
      return out;
    }
    const ledgers::Ledgers ledgers(doc);
    const LedgerResults l = ledgers.apply(r);
    out.summary = summary_json(r, l).dump();
    if (spec.want_series) {
      out.timeseries_csv = timeseries_csv(r);
      out.latency_cdf_csv = latency_cdf_csv(r);
      for (AccessLogFile& f : access_logs(r)) out.access_logs.emplace_back(std::move(f.name), std::move(f.text));
    }
    if (spec.trace && spec.trace_format != "otlp") out.trace_json = trace_json(r);
    if (spec.trace && spec.trace_format != "chrome") out.trace_otlp = trace_otlp_json(r);
  } catch (const ScenarioError& e) {
    out.error = e.format("scenario");
  } catch (const std::bad_alloc&) {
    out.error = "out of memory";
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  if (!out.error.empty()) out.summary.clear();
  return out;
}

// Fields as "<length>\n<bytes>" after a magic line: binary-safe and cheap to parse.
static void put_field(std::string& to, const std::string& field) {
  to += std::to_string(field.size());
  to += '\n';
  to += field;
}

static bool get_field(const std::string& from, std::size_t& pos, std::string& field) {
  const std::size_t nl = from.find('\n', pos);
  if (nl == std::string::npos || nl == pos || nl - pos > 19) return false;
  std::size_t n = 0;
  for (std::size_t i = pos; i < nl; ++i) {
    if (from[i] < '0' || from[i] > '9') return false;
    n = n * 10 + static_cast<std::size_t>(from[i] - '0');
  }
  if (n > from.size() - nl - 1) return false;
  field.assign(from, nl + 1, n);
  pos = nl + 1 + n;
  return true;
}

static const char kJobMagic[] = "archsim-job-output 1\n";
static const char kSpecMagic[] = "archsim-job-spec 1\n";

std::string encode_job(const JobOutput& out) {
  std::string s = kJobMagic;
  put_field(s, out.summary);
  put_field(s, out.timeseries_csv);
  put_field(s, out.latency_cdf_csv);
  put_field(s, out.error);
  // Optional, in this order: older encodings stay valid.
  const bool logs = !out.access_logs.empty();
  if (!out.trace_json.empty() || !out.trace_otlp.empty() || logs) put_field(s, out.trace_json);
  if (!out.trace_otlp.empty() || logs) put_field(s, out.trace_otlp);
  if (logs) {
    put_field(s, std::to_string(out.access_logs.size()));
    for (const auto& [name, text] : out.access_logs) {
      put_field(s, name);
      put_field(s, text);
    }
  }
  return s;
}

std::optional<JobOutput> decode_job(const std::string& bytes) {
  if (bytes.rfind(kJobMagic, 0) != 0) return std::nullopt;
  std::size_t pos = sizeof kJobMagic - 1;
  JobOutput out;
  if (!get_field(bytes, pos, out.summary) || !get_field(bytes, pos, out.timeseries_csv) ||
      !get_field(bytes, pos, out.latency_cdf_csv) || !get_field(bytes, pos, out.error))
    return std::nullopt;
  if (pos != bytes.size() && !get_field(bytes, pos, out.trace_json)) return std::nullopt;
  if (pos != bytes.size() && !get_field(bytes, pos, out.trace_otlp)) return std::nullopt;
  if (pos != bytes.size()) {
    std::string count;
    if (!get_field(bytes, pos, count) || count.empty() || count.size() > 6 ||
        count.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    out.access_logs.resize(std::stoul(count));
    for (auto& [name, text] : out.access_logs)
      if (!get_field(bytes, pos, name) || !get_field(bytes, pos, text)) return std::nullopt;
  }
  if (pos != bytes.size()) return std::nullopt;
  return out;
}

std::string encode_spec(const JobSpec& spec) {
  std::string s = kSpecMagic;
  put_field(s, std::to_string(spec.seed));
  put_field(s, spec.want_series ? "1" : "0");
  put_field(s, std::to_string(spec.sets.size()));
  for (const auto& v : spec.sets) put_field(s, v);
  if (spec.trace) put_field(s, "trace=" + std::to_string(spec.trace));  // optional: job keys without a trace unchanged
  if (spec.trace && spec.trace_format != "chrome") put_field(s, "trace_format=" + spec.trace_format);
  if (!spec.segment.empty()) {
    std::string times;
    for (const Time t : spec.segment) append_item(times, ",", std::to_string(t));
    put_field(s, "segment=" + times);
  }
  return s;
}

std::optional<JobSpec> decode_spec(const std::string& bytes) {
  if (bytes.rfind(kSpecMagic, 0) != 0) return std::nullopt;
  std::size_t pos = sizeof kSpecMagic - 1;
  std::string seed, series, count;
  if (!get_field(bytes, pos, seed) || !get_field(bytes, pos, series) || !get_field(bytes, pos, count)) return std::nullopt;
  JobSpec spec;
  try {
    spec.seed = std::stoull(seed);
    spec.want_series = series == "1";
    const std::size_t n = std::stoull(count);
    if (n > bytes.size()) return std::nullopt;
    spec.sets.resize(n);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  for (auto& v : spec.sets)
    if (!get_field(bytes, pos, v)) return std::nullopt;
  // Optional fields, each "key=value" (tools/cli/sweep.h encode_spec).
  while (pos != bytes.size()) {
    std::string field;
    if (!get_field(bytes, pos, field)) return std::nullopt;
    try {
      if (field.rfind("trace=", 0) == 0) {
        spec.trace = static_cast<std::uint32_t>(std::stoul(field.substr(6)));
      } else if (field.rfind("trace_format=", 0) == 0) {
        spec.trace_format = field.substr(13);
        if (spec.trace_format != "otlp" && spec.trace_format != "both") return std::nullopt;
      } else if (field.rfind("segment=", 0) == 0) {
        for (const std::string& t : split_values(field.substr(8))) spec.segment.push_back(std::stoll(t));
        if (spec.segment.size() != 4) return std::nullopt;
      } else {
        return std::nullopt;
      }
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (pos != bytes.size()) return std::nullopt;
  return spec;
}

std::uint64_t scenario_hash(const nlohmann::json& base) { return hash_name(base.dump()); }

std::uint64_t job_key(std::uint64_t scenario, const JobSpec& spec) {
  return mix64(scenario, hash_name(encode_spec(spec)));
}

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

nlohmann::ordered_json sets_object(const std::vector<std::string>& sets) {
  nlohmann::ordered_json set = nlohmann::ordered_json::object();
  for (const auto& s : sets) {
    const auto eq = s.find('=');
    nlohmann::json val;
    try {
      val = parse_json(s.substr(eq + 1));
    } catch (const ScenarioError&) {
      val = s.substr(eq + 1);  // not JSON (apply_set refused any JSON it would not take)
    }
    set[s.substr(0, eq)] = val;
  }
  return set;
}

}  // namespace archsim::cli
