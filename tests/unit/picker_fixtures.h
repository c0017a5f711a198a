// Backend arrays for the picker tests (test_pickers.cpp, test_picker_random_two.cpp).
#pragma once
#include <initializer_list>
#include <vector>

#include "lib/picker/picker.h"

namespace archsim::test {

// One backend per weight, with the stable ids of replicas of "web".
inline std::vector<Backend> backends_with_weights(std::initializer_list<double> weights) {
  std::vector<Backend> out;
  for (double w : weights) {
    Backend b;
    b.weight = w;
    b.id = backend_id("web", out.size());
    out.push_back(b);
  }
  return out;
}

}  // namespace archsim::test
