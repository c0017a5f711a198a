// Helpers shared by the picker implementations; not part of the public interface.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "models/common/picker/picker.h"

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
std::unique_ptr<Picker> make_ring_picker(const PickerOptions& o);
std::unique_ptr<Picker> make_maglev_picker(const PickerOptions& o);

}  // namespace archsim::picker_detail
