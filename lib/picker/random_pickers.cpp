// Random pickers: random and power_of_two.
//
// random follows Envoy's RANDOM load balancer (source/common/upstream/load_balancer_impl.cc,
// RandomLoadBalancer): a uniformly random eligible host, weights ignored.
//
// power_of_two follows Envoy's LEAST_REQUEST (source/extensions/load_balancing_policies/
// least_request/least_request_lb.cc, on EdfLoadBalancerBase in
// source/extensions/load_balancing_policies/common/load_balancer_impl.cc and the
// EdfScheduler of source/common/upstream/edf_scheduler.h), in its two modes:
//  - all eligible weights equal: N_CHOICES, the "power of two choices" of Mitzenmacher:
//    draw choice_count hosts uniformly at random, with replacement, among the eligible ones;
//    a later draw replaces the candidate only if it has strictly fewer active requests, so
//    the first draw wins ties (unweightedHostPickNChoices);
//  - weights differ: an earliest-deadline-first schedule, no random draw. Every eligible
//    host is added, in array order, with deadline now + 1/w where w = weight /
//    (active + 1)^active_request_bias (hostWeight); each pick pops the earliest deadline
//    (ties: the earlier insertion), moves `now` to it and re-adds that host with its weight
//    recomputed from its active count at that moment (pickAndAdd). With no requests in
//    flight, weights 1:2 give b a b b a b ... exactly; bias 0 is weighted round robin.
// The schedule is rebuilt from the eligible hosts on rebuild() and eligibility_changed(),
// as Envoy rebuilds it when its healthy host set changes.
//
// power_of_two with distinct_choices follows NGINX's `random two least_conn`
// (src/http/modules/ngx_http_upstream_random_module.c, ngx_http_upstream_get_random2_peer):
// a server is drawn with probability proportional to its weight (peek_random_peer: a
// uniform number below the total weight, located in the cumulative ranges); draws that hit
// the first server again, or a server that is down or failed, are drawn again; of the two
// different servers the second wins unless `conns x weight` says the first has strictly
// fewer connections per unit of weight (peer->conns * prev->weight > prev->conns *
// peer->weight keeps the first). The same rule whatever the weights (no EDF). With one
// eligible server it is chosen. Simplified: NGINX redraws at most 20 times and then falls
// back to round robin, and uses round robin outright for an upstream of one server; here
// the redraws are done exactly, as the draw among the eligible servers (other than the
// first) that they converge to, so a pick costs exactly two random numbers.
// Simplified: Envoy's FULL_SCAN selection method and slow start are not modelled, and after
// building a schedule Envoy pre-picks (random seed mod n) entries so that many Envoys do
// not start in step; we start at the head of the schedule. If the head turns ineligible
// without a notice, the schedule is rebuilt at that pick.
//
// Cost per pick: random O(n); power_of_two O(n) to count the eligible and O(n) per draw to
// find the k-th of them, one random number per draw whatever the eligibility, so common
// random numbers hold across variants; the weighted schedule O(log n), no random number;
// NGINX's random two O(n), two random numbers.
// No allocation (the schedule's storage is reserved at rebuild).
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lib/picker/picker_internal.h"

namespace archsim::picker_detail {
namespace {

class RandomPicker final : public Picker {
 public:
  Algorithm algorithm() const override { return Algorithm::random; }
  void rebuild(std::span<const Backend>) override {}
  int pick(std::span<const Backend> backends, const PickInput&, Rng& rng) override {
    const std::size_t c = count_eligible(backends);
    if (c == 0) return -1;
    return nth_eligible(backends, rng.below(c));
  }
};

class LeastRequestPicker final : public Picker {
 public:
  LeastRequestPicker(std::uint32_t choices, double bias) : choices_(choices), bias_(bias) {}
  Algorithm algorithm() const override { return Algorithm::power_of_two; }
  void rebuild(std::span<const Backend> backends) override {
    units_ = weight_units(backends);
    heap_.clear();
    heap_.reserve(backends.size());
    schedule(backends);
  }
  void eligibility_changed(std::span<const Backend> backends) override { schedule(backends); }
  int pick(std::span<const Backend> backends, const PickInput&, Rng& rng) override {
    assert(backends.size() == units_.size());
    // The head turned ineligible without a notice: rebuild as the notice would have.
    if (weighted_ && !backends[heap_.front().backend].eligible) schedule(backends);
    if (weighted_) return pick_edf(backends);
    const std::size_t c = count_eligible(backends);
    if (c == 0) return -1;
    int best = -1;
    for (std::uint32_t k = 0; k < choices_; ++k) {
      const int s = nth_eligible(backends, rng.below(c));
      if (best < 0 || backends[static_cast<std::size_t>(s)].active < backends[static_cast<std::size_t>(best)].active)
        best = s;
    }
    return best;
  }

 private:
  struct Entry {
    double deadline;
    std::uint64_t order;  // insertion counter: FIFO among equal deadlines
    std::uint32_t backend;
  };
  // std heap functions build a max-heap: "less" means a later deadline.
  static bool later(const Entry& a, const Entry& b) {
    return a.deadline > b.deadline || (a.deadline == b.deadline && a.order > b.order);
  }

  // Envoy's hostWeight: weight / (active + 1)^bias, the division exact for bias 1.
  double host_weight(const Backend& b, std::size_t i) const {
    const double w = static_cast<double>(units_[i]);
    const double a = static_cast<double>(b.active) + 1.0;
    if (bias_ == 1.0) return w / a;
    if (bias_ == 0.0) return w;
    return w / std::pow(a, bias_);
  }

  void add(std::span<const Backend> backends, std::size_t i) {
    heap_.push_back({now_ + 1.0 / host_weight(backends[i], i), order_++, static_cast<std::uint32_t>(i)});
    std::push_heap(heap_.begin(), heap_.end(), later);
  }

  // Chooses the mode from the eligible hosts' weights and, if weighted, a fresh schedule.
  void schedule(std::span<const Backend> backends) {
    heap_.clear();
    now_ = 0;
    order_ = 0;
    weighted_ = false;
    std::int64_t first = -1;
    for (std::size_t i = 0; i < backends.size(); ++i) {
      if (!backends[i].eligible) continue;
      if (first < 0) first = units_[i];
      if (units_[i] != first) weighted_ = true;
    }
    if (!weighted_) return;
    for (std::size_t i = 0; i < backends.size(); ++i)
      if (backends[i].eligible) add(backends, i);
  }

  int pick_edf(std::span<const Backend> backends) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    const Entry top = heap_.back();
    heap_.pop_back();
    now_ = top.deadline;
    add(backends, top.backend);
    return static_cast<int>(top.backend);
  }

  std::uint32_t choices_;
  double bias_;
  std::vector<std::int64_t> units_;
  bool weighted_ = false;
  std::vector<Entry> heap_;
  double now_ = 0;
  std::uint64_t order_ = 0;
};

// NGINX `random two least_conn`: two different servers, weighted draws (see the header).
class RandomTwoPicker final : public Picker {
 public:
  Algorithm algorithm() const override { return Algorithm::power_of_two; }
  void rebuild(std::span<const Backend> backends) override { units_ = weight_units(backends); }
  int pick(std::span<const Backend> backends, const PickInput&, Rng& rng) override {
    assert(backends.size() == units_.size());
    std::int64_t total = 0;
    for (std::size_t i = 0; i < backends.size(); ++i) total += backends[i].eligible ? units_[i] : 0;
    if (total == 0) return -1;
    const int first = draw(backends, rng.below(static_cast<std::uint64_t>(total)), -1);
    const std::int64_t rest = total - units_[static_cast<std::size_t>(first)];
    const std::uint64_t x = rng.below(static_cast<std::uint64_t>(std::max<std::int64_t>(1, rest)));
    if (rest == 0) return first;  // the only eligible server (the draw above kept CRN)
    const int second = draw(backends, x, first);
    const auto f = static_cast<std::size_t>(first), s = static_cast<std::size_t>(second);
    // NGINX keeps the first only when the second has strictly more connections per weight.
    const bool keep_first = static_cast<std::int64_t>(backends[s].active) * units_[f] >
                            static_cast<std::int64_t>(backends[f].active) * units_[s];
    return keep_first ? first : second;
  }

 private:
  // The eligible server (other than `skip`) whose cumulative weight range holds x.
  int draw(std::span<const Backend> backends, std::uint64_t x, int skip) const {
    int last = -1;
    for (std::size_t i = 0; i < backends.size(); ++i) {
      if (!backends[i].eligible || static_cast<int>(i) == skip) continue;
      last = static_cast<int>(i);
      const auto u = static_cast<std::uint64_t>(units_[i]);
      if (x < u) return last;
      x -= u;
    }
    return last;
  }

  std::vector<std::int64_t> units_;
};

}  // namespace

std::unique_ptr<Picker> make_random_picker(Algorithm a, const PickerOptions& o) {
  if (a == Algorithm::random) return std::make_unique<RandomPicker>();
  if (o.distinct_choices) return std::make_unique<RandomTwoPicker>();
  return std::make_unique<LeastRequestPicker>(o.choice_count, o.active_request_bias);
}

}  // namespace archsim::picker_detail
