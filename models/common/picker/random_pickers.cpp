// Random pickers: random and power_of_two.
//
// random follows Envoy's RANDOM load balancer (source/common/upstream/load_balancer_impl.cc,
// RandomLoadBalancer): a uniformly random eligible host, weights ignored.
//
// power_of_two follows Envoy's LEAST_REQUEST with choice_count 2 (the "power of two
// choices" of Mitzenmacher): draw choice_count hosts uniformly at random, with replacement,
// among the eligible ones; a later draw replaces the candidate only if it has strictly
// fewer active requests, so the first draw wins ties, as in Envoy's unweighted path.
// Simplified: when weights differ Envoy switches to an EDF schedule over all hosts with
// effective weight = weight / (active + 1)^active_request_bias. We keep the two random
// draws and compare exactly that effective weight (bias 1): a draw wins if
// weight/(active+1) is strictly larger. With equal weights this is the unweighted rule.
//
// Cost per pick: O(n) to count the eligible and O(n) per draw to find the k-th of them;
// one random number per draw, whatever the eligibility, so common random numbers hold
// across variants. No allocation.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/common/picker/picker_internal.h"

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

class PowerOfTwoPicker final : public Picker {
 public:
  explicit PowerOfTwoPicker(std::uint32_t choices) : choices_(choices) {}
  Algorithm algorithm() const override { return Algorithm::power_of_two; }
  void rebuild(std::span<const Backend> backends) override { units_ = weight_units(backends); }
  int pick(std::span<const Backend> backends, const PickInput&, Rng& rng) override {
    assert(backends.size() == units_.size());
    const std::size_t c = count_eligible(backends);
    if (c == 0) return -1;
    int best = -1;
    for (std::uint32_t k = 0; k < choices_; ++k) {
      const int s = nth_eligible(backends, rng.below(c));
      if (best < 0 || better(backends, s, best)) best = s;
    }
    return best;
  }

 private:
  // weight_s/(active_s+1) > weight_b/(active_b+1), cross-multiplied in integers.
  bool better(std::span<const Backend> b, int s, int best) const {
    const auto si = static_cast<std::size_t>(s);
    const auto bi = static_cast<std::size_t>(best);
    return units_[si] * (static_cast<std::int64_t>(b[bi].active) + 1) >
           units_[bi] * (static_cast<std::int64_t>(b[si].active) + 1);
  }
  std::uint32_t choices_;
  std::vector<std::int64_t> units_;
};

}  // namespace

std::unique_ptr<Picker> make_random_picker(Algorithm a, const PickerOptions& o) {
  if (a == Algorithm::random) return std::make_unique<RandomPicker>();
  return std::make_unique<PowerOfTwoPicker>(o.choice_count);
}

}  // namespace archsim::picker_detail
