// consistent_hash: a Ketama ring with virtual nodes.
//
// Follows libketama (ketama_get_server) as ported in Envoy's RING_HASH load balancer
// (source/extensions/load_balancing_policies/ring_hash/ring_hash_lb.cc): every backend
// puts points on a 64-bit ring, hash("<backend>_<i>") for i = 0, 1, ...; the points are
// sorted, and a request goes to the first point at or after the hash of its key, wrapping
// around (binary search). The number of points is proportional to the backend's weight.
// Because a backend's points depend only on its own identity (Backend::id), a backend
// joining takes about 1/(n+1) of the keys and one leaving gives away only its own.
// Unavailable backends are skipped by walking on to the next point, as Ketama clients do
// and as Envoy does for retries (Envoy rebuilds the ring from healthy hosts instead; with
// stable points walking on gives exactly the same owners).
//
// Simplified / chosen: points per backend = ring_points_per_weight (160, as NGINX's `hash
// consistent` and libketama) times its weight, so counts do not change when others join.
// If the ring would hold fewer than ring_min_size (Envoy's 1024) points in total, all
// counts are scaled up to reach it, and down to respect ring_max_size: Envoy applies this
// scale always (its per-host count is min_ring_size/n, so every membership change also
// moves keys of removed points); we apply it only when the ring would be too small or large.
// Point hashes are hash64(id, i) rather than xxHash of an address string; ties between
// equal point hashes go to the smaller id. Without a key the hash is random, as in Envoy.
//
// Cost per pick: O(log R) for the binary search over R points (R >= 1024), plus one step
// per unavailable point walked over; O(n) once if the first point is unavailable, to rule
// out walking a ring with nobody eligible. No allocation. Memory: 16 bytes per point.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/common/picker/picker_internal.h"

namespace archsim::picker_detail {
namespace {

// Separates ring point hashes from every other use of hash64.
constexpr std::uint64_t kRingSalt = 0x6b6574616d61ULL;  // "ketama"

class RingPicker final : public Picker {
 public:
  explicit RingPicker(const PickerOptions& o) : opt_(o) {}
  Algorithm algorithm() const override { return Algorithm::consistent_hash; }

  void rebuild(std::span<const Backend> backends) override {
    n_ = backends.size();
    ring_.clear();
    if (backends.empty()) return;
    double total = 0;
    for (const Backend& b : backends) total += points_for(b.weight, 1.0);
    double scale = 1.0;
    if (total < static_cast<double>(opt_.ring_min_size)) scale = static_cast<double>(opt_.ring_min_size) / total;
    if (total * scale > static_cast<double>(opt_.ring_max_size)) scale = static_cast<double>(opt_.ring_max_size) / total;
    for (std::size_t i = 0; i < backends.size(); ++i) {
      const auto count = static_cast<std::uint64_t>(std::max(1.0, std::ceil(points_for(backends[i].weight, scale))));
      const std::uint64_t base = hash64(backends[i].id, kRingSalt);
      for (std::uint64_t k = 0; k < count; ++k) {
        ring_.push_back({hash64(base, k), static_cast<std::uint32_t>(i)});
      }
    }
    std::sort(ring_.begin(), ring_.end(), [&](const Point& a, const Point& b) {
      if (a.hash != b.hash) return a.hash < b.hash;
      return backends[a.backend].id < backends[b.backend].id;
    });
  }

  int pick(std::span<const Backend> backends, const PickInput& in, Rng& rng) override {
    assert(backends.size() == n_);
    if (ring_.empty()) return -1;
    const std::uint64_t h = in.has_key ? hash64(in.key, opt_.hash_seed) : rng.next();
    auto it = std::lower_bound(ring_.begin(), ring_.end(), h,
                               [](const Point& p, std::uint64_t v) { return p.hash < v; });
    std::size_t pos = it == ring_.end() ? 0 : static_cast<std::size_t>(it - ring_.begin());
    if (backends[ring_[pos].backend].eligible) return static_cast<int>(ring_[pos].backend);
    if (count_eligible(backends) == 0) return -1;
    for (std::size_t step = 1; step < ring_.size(); ++step) {
      if (++pos == ring_.size()) pos = 0;
      if (backends[ring_[pos].backend].eligible) return static_cast<int>(ring_[pos].backend);
    }
    return -1;  // unreachable: an eligible backend owns at least one point
  }

 private:
  struct Point {
    std::uint64_t hash;
    std::uint32_t backend;
  };
  double points_for(double weight, double scale) const {
    if (!(weight >= 1e-3)) weight = 1e-3;
    if (weight > 1e6) weight = 1e6;
    return static_cast<double>(opt_.ring_points_per_weight) * weight * scale;
  }
  PickerOptions opt_;
  std::size_t n_ = 0;
  std::vector<Point> ring_;
};

}  // namespace

std::unique_ptr<Picker> make_ring_picker(const PickerOptions& o) { return std::make_unique<RingPicker>(o); }

}  // namespace archsim::picker_detail
