// maglev: the Maglev lookup table.
//
// Follows the Maglev paper (Eisenbud et al., NSDI 2016, section 3.4 and Pseudocode 1) as
// implemented by Envoy's MAGLEV load balancer
// (source/extensions/load_balancing_policies/maglev/maglev_lb.cc): each backend has a
// preference list of table slots, permutation[j] = (offset + j * skip) mod M with offset
// and skip from two hashes of its identity and M prime (Envoy's default 65537). Backends
// take turns claiming their next free preferred slot until all M slots are filled; a key
// goes to table[hash(key) mod M]. Each backend gets M/n slots give or take one, and a
// backend joining or leaving moves little more than its own share of keys.
// Weights as Envoy: in round r a backend claims a slot only if r * weight >= its running
// target, which then grows by the maximum weight, so it claims in proportion to weight.
// Backends take turns in order of id, as Envoy sorts hosts by address for a stable table.
// The table holds the backends that are eligible at rebuild() / eligibility_changed(), as
// Envoy rebuilds it from the healthy hosts (its panic mode, using all hosts when too few
// are healthy, is left out).
//
// Simplified: offset/skip come from hash64(id, salt) instead of xxHash of the address;
// weights are integers as in picker.h instead of normalized doubles (same proportions).
// Between an eligibility flip and the notice, a key whose slot names an ineligible backend
// is re-hashed as Envoy does for retry attempts (hash ^= ~0 - attempt + 1), up to 16 times,
// then goes to the eligible backend at position hash mod count.
//
// Cost per pick: O(1) (one table lookup; up to 16 more, then O(n), only while a stale
// table names an ineligible backend). No allocation. Memory: 4 bytes per slot (256 KiB at
// the default size). Rebuild: O(M log M) slot probes, about a millisecond.
#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "lib/picker/picker_internal.h"

namespace archsim::picker_detail {
namespace {

constexpr std::uint64_t kOffsetSalt = 0x6d61676c65764f66ULL;
constexpr std::uint64_t kSkipSalt = 0x6d61676c6576536bULL;
constexpr int kRetryAttempts = 16;

class MaglevPicker final : public Picker {
 public:
  explicit MaglevPicker(const PickerOptions& o) : size_(o.maglev_table_size), seed_(o.hash_seed) {}
  Algorithm algorithm() const override { return Algorithm::maglev; }
  void rebuild(std::span<const Backend> backends) override { build(backends); }
  void eligibility_changed(std::span<const Backend> backends) override { build(backends); }

  int pick(std::span<const Backend> backends, const PickInput& in, Rng& rng) override {
    assert(backends.size() == n_);
    const std::uint64_t h = in.has_key ? hash64(in.key, seed_) : rng.next();
    if (!table_.empty()) {
      for (int attempt = 0; attempt <= kRetryAttempts; ++attempt) {
        const std::uint64_t hh = attempt == 0 ? h : h ^ (~0ULL - static_cast<std::uint64_t>(attempt) + 1);
        const auto i = static_cast<std::size_t>(table_[hh % size_]);
        if (backends[i].eligible) return static_cast<int>(i);
      }
    }
    const std::size_t c = count_eligible(backends);
    return c == 0 ? -1 : nth_eligible(backends, h % c);
  }

 private:
  struct Entry {
    std::uint32_t backend;
    std::uint64_t offset, skip, next = 0;
    std::int64_t weight, target = 0;
  };

  void build(std::span<const Backend> backends) {
    n_ = backends.size();
    table_.clear();
    const auto units = weight_units(backends);
    std::vector<Entry> entries;
    for (std::size_t i = 0; i < backends.size(); ++i) {
      if (!backends[i].eligible) continue;
      const std::uint64_t id = backends[i].id;
      entries.push_back({static_cast<std::uint32_t>(i), hash64(id, kOffsetSalt) % size_,
                         hash64(id, kSkipSalt) % (size_ - 1) + 1, 0, units[i], 0});
    }
    if (entries.empty()) return;
    std::sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
      return backends[a.backend].id < backends[b.backend].id;
    });
    std::int64_t max_weight = 0;
    for (const Entry& e : entries) max_weight = std::max(max_weight, e.weight);

    table_.assign(size_, -1);
    std::uint64_t filled = 0;
    for (std::int64_t round = 1; filled < size_; ++round) {
      for (Entry& e : entries) {
        if (filled == size_) break;
        if (round * e.weight < e.target) continue;
        e.target += max_weight;
        std::uint64_t slot = (e.offset + e.skip * e.next) % size_;
        while (table_[slot] >= 0) {
          ++e.next;
          slot = (e.offset + e.skip * e.next) % size_;
        }
        table_[slot] = static_cast<std::int32_t>(e.backend);
        ++e.next;
        ++filled;
      }
    }
  }

  std::uint64_t size_;
  std::uint64_t seed_;
  std::size_t n_ = 0;
  std::vector<std::int32_t> table_;
};

}  // namespace

std::unique_ptr<Picker> make_maglev_picker(const PickerOptions& o) { return std::make_unique<MaglevPicker>(o); }

}  // namespace archsim::picker_detail
