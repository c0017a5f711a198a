// Modulo hashing: ip_hash (on the client) and hash (on the request key).
//
// Follows NGINX ip_hash (ngx_http_upstream_ip_hash_module.c) and the non-consistent
// `hash $key` (ngx_http_upstream_hash_module.c): w = hash mod total weight, then the
// backends are walked subtracting their weights until w falls inside one, so a backend of
// weight 3 owns three residues. If that backend is unavailable, the hash is perturbed and
// the lookup repeated, up to 20 times, after which NGINX falls back to round robin.
// Because the modulus is over all members (not only the eligible ones), a backend going
// down only moves its own keys; a member joining or leaving changes the modulus and moves
// about n/(n+1) of all keys, which is what consistent hashing exists to avoid.
// Simplified: the hash is our 64-bit hash64() (NGINX: CRC32 for `hash`, and for ip_hash a
// small polynomial over the first three octets of the IPv4 address, so a /24 shares a
// backend; here each client id hashes on its own). The perturbation is hash64(h, attempt).
// The final fallback takes the eligible backend at position h mod count instead of NGINX's
// round robin. Without a key (`hash` with has_key false) the hash is random, as Envoy does.
//
// Cost per pick: O(log n) per attempt (binary search on cumulative weights), at most 20
// attempts, then O(n). No allocation.
#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lib/picker/picker_internal.h"

namespace archsim::picker_detail {
namespace {

constexpr int kMaxTries = 20;  // NGINX's limit before falling back

class ModHashPicker final : public Picker {
 public:
  ModHashPicker(Algorithm a, std::uint64_t seed) : algorithm_(a), seed_(seed) {}
  Algorithm algorithm() const override { return algorithm_; }
  void rebuild(std::span<const Backend> backends) override {
    const auto units = weight_units(backends);
    ends_.resize(units.size());
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < units.size(); ++i) {
      sum += static_cast<std::uint64_t>(units[i]);
      ends_[i] = sum;  // backend i owns residues [ends_[i-1], ends_[i])
    }
  }
  int pick(std::span<const Backend> backends, const PickInput& in, Rng& rng) override {
    assert(backends.size() == ends_.size());
    if (ends_.empty()) return -1;
    std::uint64_t h;
    if (algorithm_ == Algorithm::ip_hash) {
      h = hash64(in.client, seed_);
    } else {
      h = in.has_key ? hash64(in.key, seed_) : rng.next();
    }
    const std::uint64_t total = ends_.back();
    for (int attempt = 0; attempt < kMaxTries; ++attempt) {
      const std::uint64_t w = h % total;
      const auto it = std::upper_bound(ends_.begin(), ends_.end(), w);
      const auto i = static_cast<std::size_t>(it - ends_.begin());
      if (backends[i].eligible) return static_cast<int>(i);
      h = hash64(h, static_cast<std::uint64_t>(attempt) + 1);
    }
    const std::size_t c = count_eligible(backends);
    return c == 0 ? -1 : nth_eligible(backends, h % c);
  }

 private:
  Algorithm algorithm_;
  std::uint64_t seed_;
  std::vector<std::uint64_t> ends_;
};

}  // namespace

std::unique_ptr<Picker> make_hash_picker(Algorithm a, const PickerOptions& o) {
  return std::make_unique<ModHashPicker>(a, o.hash_seed);
}

}  // namespace archsim::picker_detail
