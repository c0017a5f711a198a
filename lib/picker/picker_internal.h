// Helpers shared by the picker implementations; not part of the public interface.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "lib/picker/picker.h"

namespace archsim::picker_detail {

// Weights as exact integers (see picker.h): on a 1/1000 grid, divided by their gcd.
std::vector<std::int64_t> weight_units(std::span<const Backend> backends);

// O(n). Both are how the random algorithms draw uniformly among eligible backends with one
// random number and no allocation.
std::size_t count_eligible(std::span<const Backend> backends);
int nth_eligible(std::span<const Backend> backends, std::size_t k);  // -1 if k >= count

std::unique_ptr<Picker> make_rotation_picker(Algorithm a);
std::unique_ptr<Picker> make_random_picker(Algorithm a, const PickerOptions& o);
std::unique_ptr<Picker> make_hash_picker(Algorithm a, const PickerOptions& o);
std::unique_ptr<Picker> make_ring_picker(Algorithm a, const PickerOptions& o);

// libketama's first `count` points of `server`: MD5 of "<server>-<k>", four little-endian
// 32-bit words per digest (ring_picker.cpp).
std::vector<std::uint32_t> ketama_points(std::string_view server, std::uint64_t count);
// Envoy RING_HASH: points per host for these weights and ring bounds (ring_picker.cpp).
std::vector<std::uint64_t> ring_hash_counts(std::span<const double> weights, std::uint64_t min_ring_size,
                                            std::uint64_t max_ring_size);
std::unique_ptr<Picker> make_maglev_picker(const PickerOptions& o);

}  // namespace archsim::picker_detail
