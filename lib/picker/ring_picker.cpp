// Hash rings: ketama (NGINX `hash $key consistent`, libketama) and ring_hash (Envoy
// RING_HASH). `consistent_hash` is another name for ketama (see picker.cpp).
//
// Both put points on a ring, sort them, and send a request to the first point at or after
// the hash of its key, wrapping around (binary search: libketama's ketama_get_server, which
// Envoy ported). Unavailable backends are skipped by walking on to the next point, as
// Ketama clients and NGINX's consistent hash do (ngx_http_upstream_get_chash_peer).
//
// ketama: a backend of weight w gets round(160 w) points (NGINX
// ngx_http_upstream_init_chash: npoints = weight * 160), whatever the others, so a backend
// joining takes only keys from the others and one leaving gives away only its own: keys of
// surviving backends never move. The points are libketama's (ketama_create_continuum):
// MD5 of "<server>-<k>" for k = 0, 1, ..., each digest giving four points, the 32-bit
// little-endian words of bytes 0-3, 4-7, 8-11, 12-15. The key hash is 32 bits, as both
// compute it. Simplified: the server string is the backend's stable id in decimal (NGINX
// and libketama hash "host:port"); the key hash is our hash64 folded to 32 bits (libketama:
// MD5 of the key, NGINX: CRC32); NGINX computes its points with CRC32 chained over the
// previous point, libketama with MD5: we take libketama's. Equal points go to the smaller id.
//
// ring_hash follows Envoy's RingHashLoadBalancer::Ring (source/extensions/
// load_balancing_policies/ring_hash/ring_hash_lb.cc): with weights normalized to sum 1,
// scale = min(ceil(min_weight * minimum_ring_size) / min_weight, maximum_ring_size), the
// ring has ceil(scale) points, and host i (in order) adds points while a running count is
// below the running target sum(scale * w_j, j <= i); point k of a host is xxHash64 of
// "<host>_<k>" (seed 0). Envoy builds the ring from the healthy hosts, so it is rebuilt on
// eligibility_changed() too, and every membership or health change rescales it: keys move
// between surviving hosts (Envoy's documented behaviour). The key hash is 64 bits.
// Simplified: the host string is the stable id in decimal (Envoy: the address, or the
// hostname with use_hostname_for_hashing); no hash_balance_factor (bounded load).
//
// Without a key the hash is random, as in Envoy. Cost per pick: O(log R) binary search over
// R points plus one step per unavailable point walked over; O(n) once if the first point
// is unavailable, to rule out walking a ring with nobody eligible. No allocation. Memory:
// 16 bytes per point. Building: one MD5 per 4 ketama points, one xxHash64 per Envoy point.
#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lib/hash/digests.h"
#include "lib/picker/picker_internal.h"

namespace archsim::picker_detail {

std::vector<std::uint32_t> ketama_points(std::string_view server, std::uint64_t count) {
  std::vector<std::uint32_t> out;
  out.reserve(count);
  std::string text(server);
  text += '-';
  const std::size_t prefix = text.size();
  for (std::uint64_t k = 0; out.size() < count; ++k) {
    text.resize(prefix);
    text += std::to_string(k);
    const auto d = md5(text);
    for (std::size_t h = 0; h < 4 && out.size() < count; ++h)
      out.push_back(static_cast<std::uint32_t>(d[4 * h]) | static_cast<std::uint32_t>(d[4 * h + 1]) << 8 |
                    static_cast<std::uint32_t>(d[4 * h + 2]) << 16 | static_cast<std::uint32_t>(d[4 * h + 3]) << 24);
  }
  return out;
}

std::vector<std::uint64_t> ring_hash_counts(std::span<const double> weights, std::uint64_t min_ring_size,
                                            std::uint64_t max_ring_size) {
  std::vector<std::uint64_t> counts(weights.size(), 0);
  if (weights.empty()) return counts;
  double total = 0;
  for (double w : weights) total += w;
  double min_w = 1;
  for (double w : weights) min_w = std::min(min_w, w / total);
  const double scale = std::min(std::ceil(min_w * static_cast<double>(min_ring_size)) / min_w,
                                static_cast<double>(max_ring_size));
  double current = 0, target = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    target += scale * (weights[i] / total);
    while (current < target) {
      ++counts[i];
      ++current;
    }
  }
  return counts;
}

namespace {

std::string decimal(std::uint64_t id) { return std::to_string(id); }

double clamped(double weight) {
  if (!(weight >= 1e-3)) return 1e-3;
  return std::min(weight, 1e6);
}

class RingPicker final : public Picker {
 public:
  RingPicker(Algorithm a, const PickerOptions& o) : algorithm_(a), opt_(o) {}
  Algorithm algorithm() const override { return algorithm_; }

  void rebuild(std::span<const Backend> backends) override {
    n_ = backends.size();
    build(backends);
  }
  void eligibility_changed(std::span<const Backend> backends) override {
    if (algorithm_ == Algorithm::ring_hash) build(backends);  // Envoy rings the healthy hosts
  }

  int pick(std::span<const Backend> backends, const PickInput& in, Rng& rng) override {
    assert(backends.size() == n_);
    if (ring_.empty()) {
      if (count_eligible(backends) == 0) return -1;
      build(backends);  // backends came back without a notice
      if (ring_.empty()) return -1;
    }
    std::uint64_t h = in.has_key ? hash64(in.key, opt_.hash_seed) : rng.next();
    if (algorithm_ == Algorithm::ketama) h >>= 32;
    auto it = std::lower_bound(ring_.begin(), ring_.end(), h,
                               [](const Point& p, std::uint64_t v) { return p.hash < v; });
    std::size_t pos = it == ring_.end() ? 0 : static_cast<std::size_t>(it - ring_.begin());
    if (backends[ring_[pos].backend].eligible) return static_cast<int>(ring_[pos].backend);
    if (count_eligible(backends) == 0) return -1;
    for (std::size_t step = 1; step < ring_.size(); ++step) {
      if (++pos == ring_.size()) pos = 0;
      if (backends[ring_[pos].backend].eligible) return static_cast<int>(ring_[pos].backend);
    }
    return nth_eligible(backends, 0);  // only eligible backends missing from an Envoy ring
  }

 private:
  struct Point {
    std::uint64_t hash;
    std::uint32_t backend;
  };

  void build(std::span<const Backend> backends) {
    ring_.clear();
    if (algorithm_ == Algorithm::ketama) {
      for (std::size_t i = 0; i < backends.size(); ++i) {
        const auto count = static_cast<std::uint64_t>(
            std::max(1.0, std::round(static_cast<double>(opt_.ring_points_per_weight) * clamped(backends[i].weight))));
        for (std::uint32_t p : ketama_points(decimal(backends[i].id), count))
          ring_.push_back({p, static_cast<std::uint32_t>(i)});
      }
    } else {
      std::vector<double> weights;
      std::vector<std::uint32_t> members;
      for (std::size_t i = 0; i < backends.size(); ++i) {
        if (!backends[i].eligible) continue;
        weights.push_back(clamped(backends[i].weight));
        members.push_back(static_cast<std::uint32_t>(i));
      }
      const auto counts = ring_hash_counts(weights, opt_.ring_min_size, opt_.ring_max_size);
      for (std::size_t m = 0; m < members.size(); ++m) {
        const std::string prefix = decimal(backends[members[m]].id) + "_";
        for (std::uint64_t k = 0; k < counts[m]; ++k)
          ring_.push_back({xxhash64(prefix + std::to_string(k)), members[m]});
      }
    }
    std::sort(ring_.begin(), ring_.end(), [&](const Point& a, const Point& b) {
      if (a.hash != b.hash) return a.hash < b.hash;
      return backends[a.backend].id < backends[b.backend].id;
    });
  }

  Algorithm algorithm_;
  PickerOptions opt_;
  std::size_t n_ = 0;
  std::vector<Point> ring_;
};

}  // namespace

std::unique_ptr<Picker> make_ring_picker(Algorithm a, const PickerOptions& o) {
  return std::make_unique<RingPicker>(a, o);
}

}  // namespace archsim::picker_detail
