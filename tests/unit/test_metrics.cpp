#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "sim/metrics.h"
#include "sim/pool.h"
#include "sim/profile.h"
#include "sim/random.h"

using namespace archsim;

TEST_CASE("metrics: gauges are time-weighted, windows and warm-up are separate") {
  Metrics m(10 * kSecond, 5 * kSecond);
  GaugeId g = m.gauge("web", "queue", "queue_length");
  CounterId c = m.counter("web", "ok", "throughput_rps");
  m.set(g, 2, 0);
  m.add(c, 7);
  m.reset_whole_run(5 * kSecond);  // warm-up ends: whole-run figures start here
  m.set(g, 4, 7 * kSecond);        // 2 for 2 s, then 4 for 3 s
  m.add(c, 3);
  m.close_window(10 * kSecond);
  // Window [0,10): 2 for 7 s, 4 for 3 s -> 2.6; counter 10 per 10 s -> 1/s.
  REQUIRE(m.series().size() == 2);
  CHECK(m.series()[0].metric == "queue_length");
  CHECK(m.series()[0].values[0] == doctest::Approx(2.6));
  CHECK(m.series()[1].values[0] == doctest::Approx(1.0));
  // Since warm-up [5,10): (2*2 + 4*3)/5 = 3.2; counter total only after warm-up.
  CHECK(m.average(g, 10 * kSecond) == doctest::Approx(3.2));
  CHECK(m.total(c) == 3);
}

TEST_CASE("metrics: a ratio series divides integrals, not averages of ratios") {
  Metrics m(10 * kSecond, 0);
  GaugeId busy = m.gauge("s", "busy");
  GaugeId cap = m.gauge("s", "capacity");
  m.ratio_series("s", "utilization", busy, cap);
  m.set(cap, 1, 0);
  m.set(busy, 1, 0);
  m.set(cap, 4, 5 * kSecond);  // capacity rises half way; busy stays 1
  m.close_window(10 * kSecond);
  // busy area 10, capacity area 5 + 20 = 25 -> 0.4 (an average of ratios would say 0.625)
  CHECK(m.series()[0].values[0] == doctest::Approx(0.4));
  CHECK(m.ratio(busy, cap, 10 * kSecond) == doctest::Approx(0.4));
}

TEST_CASE("metrics: histogram windows report p50/p95/p99 in ms, NaN when empty") {
  Metrics m(kSecond, 0);
  HistogramId h = m.histogram("c", "latency", "latency");
  for (int i = 1; i <= 100; ++i) m.record(h, i * kMillisecond);
  m.close_window(kSecond);
  m.close_window(2 * kSecond);
  CHECK(m.series()[0].metric == "latency_p50_ms");
  CHECK(m.series()[0].values[0] == doctest::Approx(50).epsilon(0.01));
  CHECK(m.series()[2].values[0] == doctest::Approx(99).epsilon(0.01));
  CHECK(std::isnan(m.series()[0].values[1]));
  CHECK(m.whole(h).count() == 100);
}

TEST_CASE("metrics: the histograms' bytes are estimated before the run and counted at each window's close") {
  Metrics m(kSecond, 0);
  HistogramId h = m.histogram("c", "latency", "latency");
  // A whole-run and a window histogram, each charged the estimate's chunks before any value.
  CHECK(m.histogram_bytes() == 2 * (sizeof(Histogram) + Metrics::kEstimatedChunks * Histogram::kChunkBytes));
  CHECK(m.histogram_bytes_held() == 0);
  m.close_window(kSecond);
  CHECK(m.histogram_bytes_held() == 2 * sizeof(Histogram));
  // 1 ms to 1 s: eleven powers of two, a chunk each in the window's and (merged) the whole run's.
  for (int i = 1; i <= 1000; ++i) m.record(h, i * kMillisecond);
  m.close_window(2 * kSecond);
  CHECK(m.histogram_bytes_held() == 2 * (sizeof(Histogram) + 11 * Histogram::kChunkBytes));
}

TEST_CASE("pool: stale handles are detected after reuse") {
  Pool<int> p;
  Handle a = p.alloc();
  p[a] = 5;
  p.free(a);
  Handle b = p.alloc();  // reuses the slot with a new generation
  CHECK(p.valid(b));
  CHECK_FALSE(p.valid(a));
  CHECK(p.live() == 1);
}

TEST_CASE("profile: piecewise-linear interpolation and piece bounds") {
  Profile p{{{0, 100}, {10 * kSecond, 200}, {20 * kSecond, 200}}};
  CHECK(p.at(-1) == 100);
  CHECK(p.at(5 * kSecond) == doctest::Approx(150));
  CHECK(p.at(30 * kSecond) == 200);
  CHECK(p.piece_end(5 * kSecond) == 10 * kSecond);
  CHECK(p.piece_max(5 * kSecond) == doctest::Approx(200));
  CHECK(p.piece_end(25 * kSecond) == kTimeMax);
  CHECK(p.max() == 200);
}

TEST_CASE("profile: a piece that rises past the run's end is bounded by its value at the end") {
  // A point at 100 days in a one-minute run: thinning against 1e9/s would draw about 40,000
  // rejected candidates per arrival; the bound that matters is the rate at the run's end.
  constexpr Time kDay = 86400 * kSecond;
  Profile p{{{0, 100}, {100 * kDay, 1e9}}};
  const double at_end = p.at(60 * kSecond);
  CHECK(at_end == doctest::Approx(100 + (1e9 - 100) * 60.0 / 8.64e6));
  CHECK(p.piece_max(0) == doctest::Approx(1e9));                  // no end given: the far point
  CHECK(p.piece_max(0, 60 * kSecond) == doctest::Approx(at_end));  // bounded by the end
  CHECK(p.piece_max(30 * kSecond, 60 * kSecond) == doctest::Approx(at_end));
  // A falling piece keeps its start as the bound; an end before t bounds by the value at t.
  Profile down{{{0, 1000}, {10 * kSecond, 0}}};
  CHECK(down.piece_max(0, 5 * kSecond) == doctest::Approx(1000));
  CHECK(p.piece_max(60 * kSecond, 30 * kSecond) == doctest::Approx(at_end));
  // An end past the piece's own end changes nothing.
  Profile two{{{0, 100}, {10 * kSecond, 200}, {20 * kSecond, 50}}};
  CHECK(two.piece_max(0, 15 * kSecond) == doctest::Approx(200));
}

TEST_CASE("metrics: a histogram's whole run leaves out the part of a window before the warm-up") {
  // Recorded once into the window and merged into the whole run when the window closes: a
  // window that spans the warm-up keeps all its values for its percentiles, the whole run only
  // those after the warm-up.
  Metrics m(10 * kSecond, 5 * kSecond);
  HistogramId h = m.histogram("c", "latency", "latency");
  for (int i = 0; i < 90; ++i) m.record(h, 1000 * kMillisecond);  // before the warm-up
  m.reset_whole_run(5 * kSecond);
  for (int i = 0; i < 10; ++i) m.record(h, 1 * kMillisecond);
  m.close_window(10 * kSecond);
  CHECK(m.series()[0].values[0] == doctest::Approx(1000).epsilon(0.01));  // p50 of all 100
  CHECK(m.whole(h).count() == 10);
  CHECK(m.whole(h).max() == 1 * kMillisecond);
  // The next window holds only its own values.
  m.record(h, 2 * kMillisecond);
  m.close_window(20 * kSecond);
  CHECK(m.series()[0].values[1] == doctest::Approx(2).epsilon(0.01));
  CHECK(m.whole(h).count() == 11);
}

TEST_CASE("metrics: a histogram summed from two sources is what recording every value into it gave") {
  // Two clients' latencies summed into "all" (sim/request_ledger.h), against "twice": every
  // value recorded into it directly. Windows before, across and after the warm-up, zeros
  // counted, an empty window: every series value and the whole run must be the same.
  Metrics m(10 * kSecond, 15 * kSecond);
  HistogramId all = m.histogram("all", "latency", "latency");
  HistogramId twice = m.histogram("twice", "latency", "latency");
  HistogramId a = m.histogram("a", "latency", "latency");
  HistogramId b = m.windowed_histogram("b", "latency");  // a part of the sum with no series of its own
  m.sum_into(a, all);
  m.sum_into(b, all);
  CHECK_THROWS_AS(m.sum_into(all, all), std::logic_error);
  CHECK_THROWS_AS(m.sum_into(m.histogram("plain", "latency"), all), std::logic_error);  // no series: no window
  CHECK_THROWS_AS(m.sum_into(all, twice), std::logic_error);  // a target is no source: sums do not chain
  CHECK(m.series().size() == 9);  // all, twice and a: three each; b none
  CHECK_THROWS_AS(m.sum_into(m.histogram("c", "latency", "latency"), a), std::logic_error);
  Rng rng(7);
  auto record = [&](int n, Time scale) {
    for (int i = 0; i < n; ++i) {
      const Time v = static_cast<Time>(rng.uniform() * static_cast<double>(scale));
      HistogramId source = rng.uniform() < 0.3 ? a : b;
      if (v < scale / 10) {
        m.record_zero(source);
        m.record(twice, 0);
      } else {
        m.record(source, v);
        m.record(twice, v);
      }
    }
  };
  record(500, 40 * kMillisecond);
  m.close_window(10 * kSecond);
  record(300, 900 * kMillisecond);  // this window spans the warm-up
  m.reset_whole_run(15 * kSecond);
  record(200, 5 * kMillisecond);
  m.close_window(20 * kSecond);
  m.close_window(30 * kSecond);  // empty: NaN in both
  record(1000, 70 * kMillisecond);
  m.close_window(40 * kSecond);
  for (int k = 0; k < 3; ++k) {  // p50, p95, p99 of "all" (series 0..2) and "twice" (3..5)
    const auto& x = m.series()[k].values;
    const auto& y = m.series()[3 + k].values;
    REQUIRE(x.size() == 4);
    for (std::size_t w = 0; w < x.size(); ++w) {
      if (std::isnan(y[w])) CHECK(std::isnan(x[w]));
      else CHECK(x[w] == y[w]);
    }
  }
  CHECK(std::isnan(m.series()[0].values[2]));
  CHECK(m.whole(all).count() == 1200);  // after the warm-up only
  CHECK(m.whole(all).count() == m.whole(twice).count());
  CHECK(m.whole(all).mean() == m.whole(twice).mean());
  CHECK(m.whole(all).min() == m.whole(twice).min());
  CHECK(m.whole(all).max() == m.whole(twice).max());
  for (double q : {50.0, 90.0, 99.0, 99.9}) CHECK(m.whole(all).percentile(q) == m.whole(twice).percentile(q));
  // The sources keep their own values.
  CHECK(m.whole(a).count() + m.whole(b).count() == 1200);
}

TEST_CASE("metrics: a counter's series is a rate per second, or with kCountSeries the count of each window") {
  Metrics m(5 * kSecond, 0);
  CounterId rate = m.counter("web", "errors", "errors_rps");
  CounterId count = m.counter("web", "oom_kills", "oom_kills", Metrics::kCountSeries);
  m.add(rate, 3);
  m.add(count, 3);
  m.close_window(5 * kSecond);
  m.close_window(10 * kSecond);
  CHECK(m.series()[0].values == std::vector<double>{0.6, 0});
  CHECK(m.series()[1].values == std::vector<double>{3, 0});
  CHECK(m.total(count) == 3);
}

TEST_CASE("metrics: record_zero is record(h, 0), with and without series") {
  Metrics m(10 * kSecond, 0);
  HistogramId counted = m.histogram("c", "wait", "wait");
  HistogramId recorded = m.histogram("c", "wait2", "wait2");
  HistogramId plain = m.histogram("c", "wait3");
  for (int i = 0; i < 60; ++i) {
    m.record_zero(counted);
    m.record(recorded, 0);
    m.record_zero(plain);
  }
  for (int i = 1; i <= 40; ++i) {
    m.record(counted, i * kMillisecond);
    m.record(recorded, i * kMillisecond);
    m.record(plain, i * kMillisecond);
  }
  m.close_window(10 * kSecond);
  for (HistogramId h : {counted, plain}) {
    CHECK(m.whole(h).count() == m.whole(recorded).count());
    CHECK(m.whole(h).min() == 0);
    CHECK(m.whole(h).mean() == m.whole(recorded).mean());
    CHECK(m.whole(h).percentile(50) == m.whole(recorded).percentile(50));
    CHECK(m.whole(h).percentile(99) == m.whole(recorded).percentile(99));
  }
  CHECK(m.series()[0].values[0] == m.series()[3].values[0]);  // p50: 0
  CHECK(m.series()[2].values[0] == m.series()[5].values[0]);  // p99
  CHECK(m.whole(counted).percentile(50) == 0);
}

TEST_CASE("metrics: a state keeps every transition at its exact time, bounded, with the rest counted") {
  Metrics m(10 * kSecond, 5 * kSecond);
  StateId s = m.state("api->db", "circuit_state_transitions", 3);
  REQUIRE(m.states().size() == 1);
  CHECK(m.states()[0].initial == 3);
  CHECK(m.states()[0].transitions.capacity() >= Metrics::kStateReserve);  // reserved: no allocation at first
  m.enter(s, 1, 1234567);
  m.reset_whole_run(5 * kSecond);  // warm-up: transitions are a series, kept from t = 0
  m.enter(s, 2, 7 * kSecond + 1);
  m.close_window(10 * kSecond);
  const StateSeries& st = m.states()[0];
  REQUIRE(st.transitions.size() == 2);
  CHECK(st.transitions[0].at == 1234567);
  CHECK(st.transitions[0].value == 1);
  CHECK(st.transitions[1].at == 7 * kSecond + 1);
  CHECK(st.transitions[1].value == 2);
  CHECK(st.dropped == 0);
  CHECK(m.series().empty());  // a state adds no window series

  // Past kStateKept the transitions are counted from the first one not kept, never stored.
  for (std::size_t i = st.transitions.size(); i < Metrics::kStateKept; ++i)
    m.enter(s, static_cast<double>(i % 3), 20 * kSecond + static_cast<Time>(i));
  CHECK(st.transitions.size() == Metrics::kStateKept);
  CHECK(st.dropped == 0);
  const std::size_t cap = st.transitions.capacity();
  m.enter(s, 0, 30 * kSecond);
  m.enter(s, 1, 31 * kSecond);
  CHECK(st.transitions.size() == Metrics::kStateKept);
  CHECK(st.transitions.capacity() == cap);
  CHECK(st.dropped == 2);
  CHECK(st.dropped_from == 30 * kSecond);
}
