// html_json.h -- reading summary.json figures for the report pages: numbers at dotted
// paths, readable values, 95% confidence intervals. Knows the layout of summary.json
// (reports/summary.h) and nothing of the models that filled it.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace archsim::reports::js {

using nlohmann::json;

// The JSON document in `file`; throws std::runtime_error naming the file when it cannot be
// opened or is not valid JSON.
json read_json(const std::filesystem::path& file);
// A number at a '/'-free dotted path ("latency_ms.p99"), NaN when absent or not a number.
double num_at(const json& j, const std::string& dotted);
// A string member (other values as their JSON text); empty when absent.
std::string str_at(const json& j, const char* key);
// Any JSON value as escaped, readable HTML (objects become "key: value" lists).
std::string value_html(const json& v);
// A bound ("lo" or "hi") of the 95% confidence interval of `key` ("latency_ms.p99"),
// stored flat ({"ci95": {"latency_ms.p99": {"lo","hi"}}}) or nested; NaN when absent.
double ci_bound(const json& summary, const std::string& key, const char* bound);

}  // namespace archsim::reports::js
