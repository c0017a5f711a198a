// Algorithm names, the factory and the shared helpers of the pickers (see picker.h).
#include "lib/picker/picker.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <utility>

#include "lib/picker/picker_internal.h"

namespace archsim {
namespace {

constexpr std::array<std::pair<std::string_view, Algorithm>, 11> kNames{{
    {"round_robin", Algorithm::round_robin},
    {"weighted_round_robin", Algorithm::weighted_round_robin},
    {"least_connections", Algorithm::least_connections},
    {"random", Algorithm::random},
    {"power_of_two", Algorithm::power_of_two},
    {"ip_hash", Algorithm::ip_hash},
    {"hash", Algorithm::hash},
    {"ketama", Algorithm::ketama},
    {"ring_hash", Algorithm::ring_hash},
    {"consistent_hash", Algorithm::ketama},  // the name before ketama and ring_hash were apart
    {"maglev", Algorithm::maglev},
}};

bool is_prime(std::uint64_t n) {
  if (n < 2) return false;
  for (std::uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

}  // namespace

KeySource key_source(Algorithm a) {
  switch (a) {
    case Algorithm::hash:
    case Algorithm::ketama:
    case Algorithm::ring_hash:
    case Algorithm::maglev:
      return KeySource::request_key;
    case Algorithm::ip_hash:
      return KeySource::client;
    default:
      return KeySource::none;
  }
}

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  for (const auto& [n, a] : kNames) {
    if (n == name) return a;
  }
  return std::nullopt;
}

std::string_view algorithm_name(Algorithm a) {
  for (const auto& [n, alg] : kNames) {
    if (alg == a) return n;
  }
  return "?";
}

std::vector<std::string_view> algorithm_names() {
  std::vector<std::string_view> out;
  for (const auto& entry : kNames) out.push_back(entry.first);
  return out;
}

std::unique_ptr<Picker> make_picker(Algorithm a, const PickerOptions& o) {
  using namespace picker_detail;
  switch (a) {
    case Algorithm::round_robin:
    case Algorithm::weighted_round_robin:
    case Algorithm::least_connections:
      return make_rotation_picker(a);
    case Algorithm::random:
    case Algorithm::power_of_two:
      if (o.choice_count == 0) throw std::invalid_argument("power_of_two: choice_count must be >= 1");
      if (!(o.active_request_bias >= 0)) throw std::invalid_argument("power_of_two: active_request_bias must be >= 0");
      if (o.distinct_choices && o.choice_count != 2)
        throw std::invalid_argument("power_of_two: distinct_choices (NGINX random two) draws exactly two servers");
      return make_random_picker(a, o);
    case Algorithm::ip_hash:
    case Algorithm::hash:
      return make_hash_picker(a, o);
    case Algorithm::ketama:
    case Algorithm::ring_hash:
      if (o.ring_min_size == 0 || o.ring_min_size > o.ring_max_size || o.ring_points_per_weight == 0)
        throw std::invalid_argument("ring: need 0 < ring_min_size <= ring_max_size and points per weight > 0");
      return make_ring_picker(a, o);
    case Algorithm::maglev:
      // The population walk only visits every slot when the size is prime.
      if (!is_prime(o.maglev_table_size) || o.maglev_table_size > (1ULL << 31))
        throw std::invalid_argument("maglev: table size must be a prime below 2^31");
      return make_maglev_picker(o);
  }
  throw std::invalid_argument("unknown balancing algorithm");
}

namespace picker_detail {

std::vector<std::int64_t> weight_units(std::span<const Backend> backends) {
  std::vector<std::int64_t> units(backends.size());
  std::int64_t g = 0;
  for (std::size_t i = 0; i < backends.size(); ++i) {
    double w = backends[i].weight;
    if (!(w >= 1e-3)) w = 1e-3;  // also catches NaN
    if (w > 1e6) w = 1e6;
    units[i] = std::max<std::int64_t>(1, std::llround(w * 1000.0));
    g = std::gcd(g, units[i]);
  }
  if (g > 1) {
    for (auto& u : units) u /= g;
  }
  return units;
}

std::size_t count_eligible(std::span<const Backend> backends) {
  std::size_t c = 0;
  for (const Backend& b : backends) c += b.eligible ? 1 : 0;
  return c;
}

int nth_eligible(std::span<const Backend> backends, std::size_t k) {
  for (std::size_t i = 0; i < backends.size(); ++i) {
    if (!backends[i].eligible) continue;
    if (k == 0) return static_cast<int>(i);
    --k;
  }
  return -1;
}

}  // namespace picker_detail
}  // namespace archsim
