#include "tools/import/quantity.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>

#include "sim/time.h"

namespace archsim::import {

std::optional<double> k8s_quantity(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  static const std::regex kQuantity("([+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+))([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?");
  std::smatch m;
  const std::string s = v.get<std::string>();
  if (s.size() > 64 || !std::regex_match(s, m, kQuantity)) return std::nullopt;
  double x = std::strtod(m[1].str().c_str(), nullptr);
  const std::string suffix = m[4].str();
  if (suffix.empty()) return x;
  if (suffix[0] == 'e' || suffix[0] == 'E') return x * std::pow(10.0, std::atoi(suffix.c_str() + 1));
  if (suffix.size() == 2) {
    const int power = std::string("KMGTPE").find(suffix[0]) + 1;
    return x * std::pow(1024.0, power);
  }
  switch (suffix[0]) {
    case 'n': return x * 1e-9;
    case 'u': return x * 1e-6;
    case 'm': return x * 1e-3;
    case 'k': return x * 1e3;
    case 'M': return x * 1e6;
    case 'G': return x * 1e9;
    case 'T': return x * 1e12;
    case 'P': return x * 1e15;
    case 'E': return x * 1e18;
  }
  return std::nullopt;
}

std::optional<double> compose_bytes(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  // As Docker reads them (go-units' RAMInBytes): a number, an optional space, a unit letter,
  // an optional "i" and an optional "b", each a binary multiple: "512m", "1gb", "2GiB".
  static const std::regex kBytes("([0-9]+(\\.[0-9]+)?) ?([kKmMgGtTpP]?)[iI]?[bB]?");
  std::smatch m;
  const std::string s = v.get<std::string>();
  if (s.size() > 64 || !std::regex_match(s, m, kBytes)) return std::nullopt;
  if (m[3].str().empty() && s.find_first_of("iI") != std::string::npos) return std::nullopt;  // "5ib"
  const double x = std::strtod(m[1].str().c_str(), nullptr);
  const std::string units = "kmgtp";
  const auto power = m[3].str().empty() ? std::string::npos : units.find(static_cast<char>(std::tolower(m[3].str()[0])));
  return power == std::string::npos ? x : x * std::pow(1024.0, static_cast<double>(power + 1));
}

std::optional<double> duration_seconds(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>() >= 0 ? std::optional<double>(v.get<double>()) : std::nullopt;
  if (!v.is_string()) return std::nullopt;
  std::string error;
  auto t = parse_duration(v.get<std::string>(), &error);
  if (!t) return std::nullopt;
  return to_seconds(*t);
}

std::optional<nlohmann::json> int_or_percent(const nlohmann::json& v) {
  if (v.is_number_integer() && v.get<long long>() >= 0) return v;
  if (!v.is_string()) return std::nullopt;
  static const std::regex kPercent("[0-9]+%");
  if (std::regex_match(v.get<std::string>(), kPercent)) return v;
  return std::nullopt;
}

std::string seconds_text(double s) {
  char b[64];
  if (s == 0) return "0s";
  if (s >= 1 || s <= -1) std::snprintf(b, sizeof b, "%.6gs", s);
  else if (s >= 1e-3) std::snprintf(b, sizeof b, "%.6gms", s * 1e3);
  else std::snprintf(b, sizeof b, "%.6gus", s * 1e6);
  return b;
}

}  // namespace archsim::import
