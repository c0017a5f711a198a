// Garbage-collection pauses (models/server/pool/gc_pauses.h): the young generation, the
// collections' spacing and the pause lengths of each collector, worked out by hand from the
// collectors' documented rules (G1's pause goal within 5% to 60% of the heap, Parallel's
// NewRatio=2, ZGC's cycle per free heap, Go's GOGC), and the fields refused where they do not apply.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "models/server/pool/gc_pauses.h"
#include "scenario/errors.h"
#include "scenario/params.h"

using namespace archsim;

namespace {

GcSpec read_gc(const nlohmann::json& j, double limit_mb = 0) {
  Params p(j, "/gc");
  return GcSpec::read(p, limit_mb);
}

std::string refusal(const nlohmann::json& j) {
  try {
    read_gc(j);
  } catch (const ScenarioError& e) {
    return e.pointer() + ": " + e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("gc: G1 sizes its young generation for the pause goal, within 5% and 60% of the heap") {
  // The study guides' -Xmx4g -XX:MaxGCPauseMillis=200: the goal allows 0.2 s x 1024 MiB/s /
  // 0.05 = 4096 MiB, more than 60%: 2457.6 MiB, whose pause is 0.05 x 2457.6 / 1024 = 120 ms,
  // one per 2457.6 / 2 = 1228.8 requests.
  const GcSpec g1 = read_gc({{"heap_mb", 4096}, {"alloc_per_request_mb", 2}});
  CHECK(g1.collector == GcSpec::G1);
  CHECK(g1.young() == doctest::Approx(2457.6));
  CHECK(g1.pause_length() == 120 * kMillisecond);
  CHECK(g1.requests_per_cycle() == doctest::Approx(1228.8));
  CHECK(g1.concurrent_length() == 0);
  // A 50 ms goal: young 0.05 x 1024 / 0.05 = 1024 MiB, pauses of exactly the goal, 4 times as often.
  const GcSpec tight = read_gc({{"heap_mb", 4096}, {"alloc_per_request_mb", 2}, {"max_pause", "50ms"}});
  CHECK(tight.young() == doctest::Approx(1024));
  CHECK(tight.pause_length() == 50 * kMillisecond);
  CHECK(tight.requests_per_cycle() == doctest::Approx(512));
  // A 1 ms goal asks for 20.48 MiB, below G1NewSizePercent's 5% (204.8 MiB): the goal is
  // missed, 0.05 x 204.8 / 1024 = 10 ms.
  const GcSpec impossible = read_gc({{"heap_mb", 4096}, {"alloc_per_request_mb", 2}, {"max_pause", "1ms"}});
  CHECK(impossible.young() == doctest::Approx(204.8));
  CHECK(impossible.pause_length() == 10 * kMillisecond);
  // A fixed young generation (-Xmn), and the heap from memory.limit_mb.
  const GcSpec fixed = read_gc({{"alloc_per_request_mb", 1}, {"young_mb", 512}, {"survival", 0.1}}, 2048);
  CHECK(fixed.heap_mb == 2048);
  CHECK(fixed.young() == 512);
  CHECK(fixed.pause_length() == 50 * kMillisecond);  // 0.1 x 512 / 1024
  // The live set in the old generation leaves the young one less room: 4096 - 3000.
  CHECK(read_gc({{"heap_mb", 4096}, {"live_mb", 3000}, {"alloc_per_request_mb", 2}}).young() == doctest::Approx(1096));
}

TEST_CASE("gc: Parallel's young generation is a third of the heap; a full collection when the old one fills") {
  // young 4096 / 3 = 1365.33 MiB, pause 0.05 x 1365.33 / 1024 = 66.67 ms; the old generation's
  // room, 4096 - 1365.33 - 1024 = 1706.67 MiB, takes 1706.67 / 68.27 = 25 young collections'
  // survivors: the 26th is a full one, 66.67 ms + 1024 / 1024 s.
  const GcSpec par = read_gc({{"collector", "parallel"}, {"heap_mb", 4096}, {"live_mb", 1024}, {"alloc_per_request_mb", 2}});
  CHECK(par.young() == doctest::Approx(4096.0 / 3));
  CHECK(par.pause_length() == doctest::Approx(66.667 * kMillisecond).epsilon(1e-4));
  CHECK(par.young_per_full() == 25);
  CHECK(par.full_pause_length() == doctest::Approx(1066.667 * kMillisecond).epsilon(1e-4));
}

TEST_CASE("gc: ZGC collects per free heap, Go per GOGC% of the live heap, with sub-millisecond pauses") {
  const GcSpec z = read_gc({{"collector", "zgc"}, {"heap_mb", 4096}, {"live_mb", 1024}, {"alloc_per_request_mb", 2}});
  CHECK(z.cycle_mb() == 3072);
  CHECK(z.pause_length() == 500 * kMicrosecond);
  CHECK(z.concurrent_length() == kSecond);  // 1024 MiB marked at 1024 MiB/s
  CHECK(z.concurrent_factor() == doctest::Approx(4.0 / 3));  // a quarter of the CPU to the collector
  const GcSpec go = read_gc({{"collector", "go"}, {"live_mb", 1024}, {"alloc_per_request_mb", 2}});
  CHECK(go.cycle_mb() == 1024);  // GOGC=100: the heap doubles over the live heap
  CHECK(go.requests_per_cycle() == 512);
  CHECK(read_gc({{"collector", "go"}, {"live_mb", 1024}, {"gogc", 50}, {"alloc_per_request_mb", 2}}).cycle_mb() == 512);
}

TEST_CASE("gc: a field refused where it does not apply, and missing or impossible sizes") {
  CHECK(refusal({{"alloc_per_request_mb", 2}}).find("/gc/heap_mb") == 0);
  CHECK(refusal({{"heap_mb", 4096}}).find("/gc/alloc_per_request_mb") == 0);
  CHECK(refusal({{"collector", "zgc"}, {"heap_mb", 4096}, {"live_mb", 1024}, {"alloc_per_request_mb", 2}, {"max_pause", "10ms"}})
            .find("/gc/max_pause: applies to g1 only") == 0);
  CHECK(refusal({{"collector", "g1"}, {"heap_mb", 4096}, {"alloc_per_request_mb", 2}, {"gogc", 50}}).find("/gc/gogc") == 0);
  CHECK(refusal({{"heap_mb", 4096}, {"alloc_per_request_mb", 2}, {"young_mb", 512}, {"max_pause", "50ms"}})
            .find("/gc/max_pause: a fixed young_mb") == 0);
  CHECK(refusal({{"heap_mb", 4096}, {"alloc_per_request_mb", 2}, {"young_mb", 5000}}).find("/gc/young_mb") == 0);
  CHECK(refusal({{"collector", "zgc"}, {"heap_mb", 1024}, {"live_mb", 1024}, {"alloc_per_request_mb", 2}}).find("/gc/live_mb") == 0);
  CHECK(refusal({{"collector", "go"}, {"heap_mb", 1024}, {"live_mb", 1024}, {"alloc_per_request_mb", 2}}).find("/gc/heap_mb") == 0);
  CHECK(refusal({{"collector", "cms"}, {"heap_mb", 1024}, {"alloc_per_request_mb", 2}}).find("/gc/collector") == 0);
}
