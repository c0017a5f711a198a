#include "reports/progress_line.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace archsim {

std::string clock_text(double s) {
  char buf[48];
  if (!(s >= 0) || !std::isfinite(s)) return "?";
  if (s < 60) {
    std::snprintf(buf, sizeof buf, s < 10 ? "%.1fs" : "%.0fs", s);
    return buf;
  }
  const auto whole = static_cast<long long>(std::llround(s));
  const long long d = whole / 86400, h = whole / 3600 % 24, m = whole / 60 % 60, sec = whole % 60;
  if (d > 0) std::snprintf(buf, sizeof buf, "%lldd%02lldh", d, h);
  else if (h > 0) std::snprintf(buf, sizeof buf, "%lldh%02lldm", h, m);
  else std::snprintf(buf, sizeof buf, "%lldm%02llds", m, sec);
  return buf;
}

std::string progress_line(double fraction, double sim_total_s, double elapsed_s) {
  const double f = std::clamp(fraction, 0.0, 1.0);
  const int pct = static_cast<int>(f * 100);
  const int filled = pct * 40 / 100;
  char buf[160];
  std::snprintf(buf, sizeof buf, "[%.*s%*s] %3d%%", filled, "########################################", 40 - filled, "", pct);
  std::string line = buf;
  if (sim_total_s > 0) line += "  sim " + clock_text(f * sim_total_s) + " of " + clock_text(sim_total_s);
  if (f >= 0.01 && f < 1) line += "  ETA " + clock_text(elapsed_s * (1 - f) / f);
  return line;
}

}  // namespace archsim
