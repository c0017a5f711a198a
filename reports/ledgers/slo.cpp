#include "reports/ledgers/slo.h"

namespace archsim::ledgers {

SloSettings read_slo(Params& top) {
  SloSettings s;
  if (auto slo = top.object_opt("slo")) {
    s.latency_p99 = slo->duration_opt("latency_p99");
    if (slo->has("availability")) s.availability = slo->number("availability", 0.0, 0.0, 1.0);
    else slo->known("availability");
  }
  return s;
}

SloResult slo_ledger(const SloSettings& s, const RunResult& r) {
  SloResult out;
  if (s.latency_p99) {
    out.has_latency = true;
    out.latency_p99_ms = to_millis(*s.latency_p99);
    out.latency_met = r.latency.count > 0 && r.latency.p99 <= out.latency_p99_ms;
  }
  if (s.availability) {
    out.has_availability = true;
    out.availability = *s.availability;
    std::uint64_t total = r.outcomes.total();
    // As the latency objective: a run with no request does not meet it (nothing was served).
    out.availability_met = total > 0 && static_cast<double>(r.outcomes.ok()) / static_cast<double>(total) >= out.availability;
  }
  return out;
}

}  // namespace archsim::ledgers
