// The units of the manifests, read exactly as their specifications define them:
// - Kubernetes resource quantities (apimachinery's resource.Quantity): a decimal number with
//   an optional suffix, binary (Ki Mi Gi Ti Pi Ei: 2^10 ...), decimal (n u m "" k M G T P E:
//   10^-9 ... 10^18) or an exponent (1e3). CPU "500m" = 0.5 cores; memory "512Mi".
// - Compose byte values ("{amount}{unit}", unit b, k/kb, m/mb, g/gb, binary multiples as
//   Docker reads them: "512m" is 512 x 2^20 bytes) and Compose/Go durations ("1m30s").
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace archsim::import {

// A Kubernetes quantity (string or number) as a plain number: "500m" -> 0.5, "1Gi" -> 2^30.
// nullopt when it is not one.
std::optional<double> k8s_quantity(const nlohmann::json& v);
// Compose byte value ("512m", "1g", "2GiB", 1073741824) in bytes; nullopt when it is not one.
std::optional<double> compose_bytes(const nlohmann::json& v);
// A duration ("30s", "1m30s", "1.5s"; a number is seconds) in seconds; nullopt when not one.
std::optional<double> duration_seconds(const nlohmann::json& v);
// An int-or-percentage ("25%" or 1) as the scenario writes it (a number or "N%"); nullopt when neither.
std::optional<nlohmann::json> int_or_percent(const nlohmann::json& v);
// "1.5s", "250ms": a duration string for the scenario (shortest form that keeps 6 digits).
std::string seconds_text(double s);

}  // namespace archsim::import
