// Rotation pickers: round_robin, weighted_round_robin, least_connections.
//
// weighted_round_robin follows NGINX's smooth weighted round robin
// (src/http/ngx_http_upstream_round_robin.c, ngx_http_upstream_get_peer; introduced in
// nginx 1.3.1 with the example "weights 5,1,1 give a a b a c a a"): on every pick each
// eligible backend's current weight grows by its weight, the largest current weight wins
// (the first one on ties) and is lowered by the sum of the weights. Every cycle of
// sum(weights) picks gives each backend exactly its weight, interleaved.
// Simplified: NGINX's effective_weight (lowered after failures, regained one step per pick)
// is the configured weight here; failures are handled by health checks making a backend
// ineligible, which the loop skips as NGINX skips `down` peers.
//
// least_connections follows NGINX least_conn (ngx_http_upstream_least_conn_module.c): the
// backend with the least active/weight (compared as active_a*w_b < active_b*w_a) wins;
// when several tie, smooth weighted round robin runs among the tied ones only, starting
// at the first of them. With equal activity it therefore degenerates to smooth WRR.
// Simplified as above (no effective_weight, no max_conns).
//
// round_robin is plain rotation over the eligible backends, ignoring weights (NGINX's
// round robin with all weights 1; Envoy starts at a random index, we start at 0).
//
// Costs per pick: round_robin O(1) amortized (O(n) when many in a row are ineligible);
// weighted_round_robin and least_connections O(n). No allocation.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lib/picker/picker_internal.h"

namespace archsim::picker_detail {
namespace {

class RoundRobinPicker final : public Picker {
 public:
  Algorithm algorithm() const override { return Algorithm::round_robin; }
  void rebuild(std::span<const Backend> backends) override {
    n_ = backends.size();
    if (next_ >= n_) next_ = 0;
  }
  int pick(std::span<const Backend> backends, const PickInput&, Rng&) override {
    assert(backends.size() == n_);
    for (std::size_t k = 0; k < n_; ++k) {
      std::size_t i = next_ + k;
      if (i >= n_) i -= n_;
      if (backends[i].eligible) {
        next_ = i + 1 == n_ ? 0 : i + 1;
        return static_cast<int>(i);
      }
    }
    return -1;
  }

 private:
  std::size_t n_ = 0;
  std::size_t next_ = 0;
};

class SmoothWeightedPicker final : public Picker {
 public:
  Algorithm algorithm() const override { return Algorithm::weighted_round_robin; }
  void rebuild(std::span<const Backend> backends) override {
    units_ = weight_units(backends);
    current_.assign(backends.size(), 0);  // as NGINX does on reconfiguration
  }
  int pick(std::span<const Backend> backends, const PickInput&, Rng&) override {
    assert(backends.size() == units_.size());
    int best = -1;
    std::int64_t total = 0;
    for (std::size_t i = 0; i < backends.size(); ++i) {
      if (!backends[i].eligible) continue;
      current_[i] += units_[i];
      total += units_[i];
      if (best < 0 || current_[i] > current_[static_cast<std::size_t>(best)]) best = static_cast<int>(i);
    }
    if (best >= 0) current_[static_cast<std::size_t>(best)] -= total;
    return best;
  }

 private:
  std::vector<std::int64_t> units_;
  std::vector<std::int64_t> current_;
};

class LeastConnPicker final : public Picker {
 public:
  Algorithm algorithm() const override { return Algorithm::least_connections; }
  void rebuild(std::span<const Backend> backends) override {
    units_ = weight_units(backends);
    current_.assign(backends.size(), 0);
  }
  int pick(std::span<const Backend> backends, const PickInput&, Rng&) override {
    assert(backends.size() == units_.size());
    const std::size_t n = backends.size();
    std::size_t best = n;
    bool many = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (!backends[i].eligible) continue;
      if (best == n) {
        best = i;
        many = false;
        continue;
      }
      const std::int64_t lhs = load(backends, i) * units_[best];
      const std::int64_t rhs = load(backends, best) * units_[i];
      if (lhs < rhs) {
        best = i;
        many = false;
      } else if (lhs == rhs) {
        many = true;
      }
    }
    if (best == n) return -1;
    if (many) {
      // Smooth WRR among the backends tied with `best` (they all follow it in order).
      const std::size_t first = best;
      std::int64_t total = 0;
      for (std::size_t i = first; i < n; ++i) {
        if (!backends[i].eligible) continue;
        if (load(backends, i) * units_[first] != load(backends, first) * units_[i]) continue;
        current_[i] += units_[i];
        total += units_[i];
        if (current_[i] > current_[best]) best = i;
      }
      current_[best] -= total;
    }
    return static_cast<int>(best);
  }

 private:
  static std::int64_t load(std::span<const Backend> b, std::size_t i) { return b[i].active; }
  std::vector<std::int64_t> units_;
  std::vector<std::int64_t> current_;
};

}  // namespace

std::unique_ptr<Picker> make_rotation_picker(Algorithm a) {
  switch (a) {
    case Algorithm::round_robin:
      return std::make_unique<RoundRobinPicker>();
    case Algorithm::weighted_round_robin:
      return std::make_unique<SmoothWeightedPicker>();
    default:
      return std::make_unique<LeastConnPicker>();
  }
}

}  // namespace archsim::picker_detail
