// The token ring and the consistency levels. See ring.h.
#include "models/kv_store/ring.h"

#include <algorithm>
#include <string>
#include <utility>

#include "lib/hash/digests.h"
#include "sim/random.h"

namespace archsim::kv_store {

void Ring::place_tokens(std::uint32_t vnodes, std::vector<std::pair<std::uint64_t, std::uint8_t>>& points) {
  points.reserve(static_cast<std::size_t>(nodes_) * vnodes);
  for (std::uint32_t n = 0; n < nodes_; ++n)
    for (std::uint32_t k = 0; k < vnodes; ++k)
      points.emplace_back(xxhash64(std::to_string(n) + "_" + std::to_string(k)), static_cast<std::uint8_t>(n));
  std::sort(points.begin(), points.end());  // equal tokens (never seen) go to the smaller node
  tokens_.reserve(points.size());
  for (const auto& p : points) tokens_.push_back(p.first);
}

Ring::Ring(std::uint32_t nodes, std::uint32_t replicas, std::uint32_t vnodes) : nodes_(nodes), rf_(replicas), width_(nodes) {
  std::vector<std::pair<std::uint64_t, std::uint8_t>> points;
  place_tokens(vnodes, points);
  lists_.reserve(points.size() * width_);
  std::vector<bool> taken(nodes);
  for (std::size_t t = 0; t < points.size(); ++t) {
    std::fill(taken.begin(), taken.end(), false);
    std::uint32_t got = 0;
    for (std::size_t step = 0; got < nodes_; ++step) {  // every node is met within one turn
      const std::uint8_t n = points[(t + step) % points.size()].second;
      if (taken[n]) continue;
      taken[n] = true;
      lists_.push_back(n);
      ++got;
    }
  }
}

Ring::Ring(std::uint32_t vnodes, const std::vector<std::uint8_t>& node_dc, const std::vector<std::uint32_t>& dc_replicas)
    : nodes_(static_cast<std::uint32_t>(node_dc.size())), rf_(0), width_(0) {
  for (std::uint32_t r : dc_replicas) rf_ += r;
  width_ = rf_;
  std::vector<std::pair<std::uint64_t, std::uint8_t>> points;
  place_tokens(vnodes, points);
  lists_.reserve(points.size() * width_);
  std::vector<bool> taken(nodes_);
  for (std::size_t t = 0; t < points.size(); ++t) {
    for (std::uint32_t d = 0; d < dc_replicas.size(); ++d) {
      std::fill(taken.begin(), taken.end(), false);
      std::uint32_t got = 0;
      for (std::size_t step = 0; got < dc_replicas[d]; ++step) {  // a centre's replicas <= its nodes
        const std::uint8_t n = points[(t + step) % points.size()].second;
        if (node_dc[n] != d || taken[n]) continue;
        taken[n] = true;
        lists_.push_back(n);
        ++got;
      }
    }
  }
}

std::uint32_t Ring::range_of(std::uint64_t key) const {
  const std::uint64_t h = mix64(key, 0x6b76);
  const auto it = std::lower_bound(tokens_.begin(), tokens_.end(), h);
  return it == tokens_.end() ? 0 : static_cast<std::uint32_t>(it - tokens_.begin());  // past the last: wraps
}

double Ring::share(std::uint32_t n) const {
  // Range t is (tokens_[t-1], tokens_[t]]; range 0 also takes the wrap past the last token.
  long double held = 0;
  const long double full = 18446744073709551616.0L;
  for (std::size_t t = 0; t < tokens_.size(); ++t) {
    const long double width = t == 0 ? full - static_cast<long double>(tokens_.back()) + static_cast<long double>(tokens_[0])
                                     : static_cast<long double>(tokens_[t] - tokens_[t - 1]);
    const std::uint8_t* r = replicas_of(static_cast<std::uint32_t>(t));
    if (std::find(r, r + rf_, static_cast<std::uint8_t>(n)) != r + rf_) held += width;
  }
  return static_cast<double>(held / full);
}

namespace {
constexpr std::string_view kNames[] = {"ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_ONE", "LOCAL_QUORUM"};
}

std::optional<Level> parse_level(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kNames); ++i)
    if (kNames[i] == name) return static_cast<Level>(i);
  return std::nullopt;
}

std::string_view level_name(Level l) { return kNames[static_cast<std::size_t>(l)]; }

std::vector<std::string> level_names() { return {std::begin(kNames), std::end(kNames)}; }

std::uint32_t block_for(Level l, std::uint32_t rf) {
  switch (l) {
    case Level::One:
    case Level::LocalOne: return 1;
    case Level::Two: return 2;
    case Level::Three: return 3;
    case Level::Quorum:
    case Level::LocalQuorum: return rf / 2 + 1;
    case Level::All: return rf;
  }
  return rf;
}

}  // namespace archsim::kv_store
