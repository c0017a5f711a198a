#include "reports/slo_gate.h"

#include <cstdio>

namespace archsim {

using nlohmann::ordered_json;

static double number_at(const ordered_json& j, const char* a, const char* b = nullptr) {
  if (!j.contains(a)) return 0;
  const ordered_json& v = b ? (j[a].contains(b) ? j[a][b] : ordered_json()) : j[a];
  return v.is_number() ? v.get<double>() : 0;
}

SloVerdict slo_verdict(const ordered_json& s) {
  SloVerdict v;
  if (!s.contains("slo") || !s["slo"].is_object()) return v;
  const ordered_json& slo = s["slo"];
  const bool means = s.contains("replications") && s["replications"].is_number() && s["replications"].get<double>() > 1;
  char buf[160];
  if (slo.contains("latency_p99_ms")) {
    v.has_objective = true;
    const double target = number_at(slo, "latency_p99_ms"), p99 = number_at(s, "latency_ms", "p99");
    const bool ok = means ? p99 <= target : slo.value("latency_met", true);
    if (!ok) {
      std::snprintf(buf, sizeof buf, "p99 latency %.6g ms > %.6g ms%s", p99, target, means ? " (mean of the replications)" : "");
      v.missed.push_back(buf);
    }
  }
  if (slo.contains("availability")) {
    v.has_objective = true;
    const double target = number_at(slo, "availability"), av = number_at(s, "availability");
    const bool ok = means ? av >= target : slo.value("availability_met", true);
    if (!ok && !(s.contains("availability") && s["availability"].is_number())) {
      v.missed.push_back("availability: no requests were made");
    } else if (!ok) {
      std::snprintf(buf, sizeof buf, "availability %.6g%% < %.6g%%%s", av * 100, target * 100,
                    means ? " (mean of the replications)" : "");
      v.missed.push_back(buf);
    }
  }
  v.met = v.missed.empty();
  return v;
}

bool scenario_has_slo(const nlohmann::json& doc) {
  if (!doc.is_object() || !doc.contains("slo") || !doc["slo"].is_object()) return false;
  const nlohmann::json& slo = doc["slo"];
  return slo.contains("latency_p99") || slo.contains("availability");
}

}  // namespace archsim
