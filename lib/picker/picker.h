// Load-balancing algorithms ("pickers"), free of the engine: the `balancer` component and a
// service's built-in instance picker both own a small array of backends and ask a Picker
// which one gets the next request. Each algorithm follows a real implementation, named in
// the header comment of its .cpp file together with where it simplifies:
//
//   round_robin            plain rotation, weights ignored              rotation_pickers.cpp
//   weighted_round_robin   NGINX smooth weighted round robin            rotation_pickers.cpp
//   least_connections      NGINX least_conn (weighted, ties by SWRR)    rotation_pickers.cpp
//   random                 Envoy RANDOM                                 random_pickers.cpp
//   power_of_two           Envoy LEAST_REQUEST (P2C; EDF when weighted) random_pickers.cpp
//                          or, with distinct_choices, NGINX `random two least_conn`
//   ip_hash, hash          NGINX ip_hash / hash (weighted mod, rehash)  hash_pickers.cpp
//   ketama                 NGINX `hash consistent` / libketama ring     ring_picker.cpp
//   ring_hash              Envoy RING_HASH ring                         ring_picker.cpp
//   consistent_hash        another name for ketama (older scenarios)
//   maglev                 Maglev table as in Envoy MAGLEV              maglev_picker.cpp
//
// Ownership and lifecycle. The owner keeps the std::span<const Backend> (its own array) and
// the `active` counts in it (incremented on dispatch, decremented on completion). It calls
// rebuild() once before the first pick and again whenever membership or weights change
// (autoscaling, crash, reconfiguration: rare, may allocate). Between rebuilds, the array
// must keep its size and order; only `active` and `eligible` may change. Eligibility flips
// (health checks, readiness) need no rebuild: pick() never returns an ineligible backend,
// each algorithm falling back the way its real counterpart does. eligibility_changed() is
// an optional notice after such flips; only maglev acts on it (Envoy rebuilds its table
// from the healthy hosts), the others keep their state so sequences are not disturbed.
//
// Hot path. pick() never allocates and draws from the Rng the caller passes (the owner's
// component stream), so runs are reproducible. Draws per pick: none for the rotations and
// for keyed hashing, one for random and for unkeyed hashing, choice_count for power_of_two
// (none when weights differ: Envoy's EDF schedule);
// give the picker a stream of its own (Rng::stream(seed, id, purpose)) so that switching
// algorithm leaves arrivals and service times unchanged. Costs per pick are stated in each
// .cpp header; n is the number of backends, small in practice.
//
// Weights must be > 0 (the scenario loader rejects others). They are used as NGINX uses
// its integer weights: exact integer arithmetic after putting the weights on a 1/1000 grid
// and dividing by their gcd (5,1,1 stays 5,1,1; 0.5,1 becomes 1,2), clamped to [0.001, 1e6].
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "sim/random.h"

namespace archsim {

enum class Algorithm : std::uint8_t {
  round_robin,
  weighted_round_robin,
  least_connections,
  random,
  power_of_two,
  ip_hash,
  hash,
  ketama,     // also written "consistent_hash"
  ring_hash,
  maglev,
};

struct Backend {
  double weight = 1;
  std::uint32_t active = 0;  // requests in flight, kept by the owner
  bool eligible = true;      // healthy and ready; false = never picked
  // Stable identity used by the hashing algorithms, so that a backend keeps its ring
  // positions / table preferences while others come and go. Use backend_id().
  std::uint64_t id = 0;
};

struct PickInput {
  std::uint64_t key = 0;      // request key (route key, URL, user id), for hash algorithms
  bool has_key = false;       // no key: hash algorithms pick at random, as Envoy does
  std::uint64_t client = 0;   // client address stand-in, for ip_hash
  std::uint64_t session = 0;  // session cookie, for pick_sticky(); 0 = no session
};

// What a hashing algorithm hashes; the balancer's validation requires that source.
enum class KeySource : std::uint8_t { none, request_key, client };
KeySource key_source(Algorithm a);

// Names as users write them in JSON ("round_robin", "maglev", ...). "consistent_hash"
// parses as ketama; algorithm_name(ketama) is "ketama".
std::optional<Algorithm> parse_algorithm(std::string_view name);
std::string_view algorithm_name(Algorithm a);
std::vector<std::string_view> algorithm_names();  // for "did you mean" messages

struct PickerOptions {
  // ketama: points per unit of weight (NGINX `hash ... consistent` and libketama use 160).
  // ring_hash: Envoy's minimum_ring_size / maximum_ring_size.
  std::uint32_t ring_points_per_weight = 160;
  std::uint64_t ring_min_size = 1024;
  std::uint64_t ring_max_size = 8 * 1024 * 1024;
  // maglev: lookup table size, prime (Envoy's default 65537).
  std::uint64_t maglev_table_size = 65537;
  // power_of_two (Envoy LEAST_REQUEST): random choices per pick when all weights are equal
  // (choice_count), and the exponent of (active + 1) dividing each weight in the EDF
  // schedule used when they differ (active_request_bias, >= 0; 0 = weighted round robin).
  std::uint32_t choice_count = 2;
  double active_request_bias = 1.0;
  // power_of_two as NGINX's `random two least_conn` (ngx_http_upstream_random_module.c)
  // instead of Envoy's: two *different* servers drawn in proportion to their weights, the one
  // with fewer active requests per unit of weight wins, the second drawn on a tie. Needs
  // choice_count 2 (NGINX's "two").
  bool distinct_choices = false;
  // Salt for hashing request keys and clients; the same salt gives the same mapping.
  std::uint64_t hash_seed = 0;
};

class Picker {
 public:
  virtual ~Picker() = default;
  virtual Algorithm algorithm() const = 0;
  // Membership or weights changed (or first use). May allocate.
  virtual void rebuild(std::span<const Backend> backends) = 0;
  // Optional notice that some `eligible` flags flipped since the last rebuild/notice.
  virtual void eligibility_changed(std::span<const Backend> /*backends*/) {}
  // Index of the chosen backend, or -1 when none is eligible. Never allocates.
  virtual int pick(std::span<const Backend> backends, const PickInput& in, Rng& rng) = 0;
};

// Throws std::invalid_argument for options no real balancer accepts (a maglev table size
// that is not prime, choice_count 0); the scenario loader checks them first.
std::unique_ptr<Picker> make_picker(Algorithm a, const PickerOptions& o = {});

// Stable 64-bit hash (a bijection of x for a given seed; splitmix64-based, identical on
// every platform, unlike std::hash).
inline std::uint64_t hash64(std::uint64_t x, std::uint64_t seed = 0) {
  return mix64(x, seed ^ 0x6a09e667f3bcc909ULL);
}
// Identity of replica `instance` of component `component`.
inline std::uint64_t backend_id(std::string_view component, std::uint64_t instance) {
  return hash64(hash_name(component), instance);
}

}  // namespace archsim
