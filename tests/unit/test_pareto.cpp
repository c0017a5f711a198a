// The Pareto front of a comparison (reports/html_pareto.h): a variant is on it when no other
// is at least as cheap and as fast and strictly better on one.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "reports/html_pareto.h"

using archsim::reports::pareto::front;
using archsim::reports::pareto::Point;

TEST_CASE("pareto front: dominated variants are off it, ties and trade-offs stay on") {
  const std::vector<Point> pts = {
      {"cheap slow", 500, 1},     // on: the cheapest
      {"fast dear", 40, 4},       // on: the fastest
      {"middle", 45, 2},          // on: dearer than cheap slow, faster; cheaper than fast dear
      {"worse middle", 45, 3},    // off: middle is as fast and cheaper
      {"slower same cost", 60, 2},  // off: middle is faster at the same cost
      {"twin", 500, 1},           // on: equal to cheap slow, neither strictly better
      {"no cost", 10, NAN},       // off: a figure is missing, and it dominates nothing
  };
  const std::vector<bool> on = front(pts);
  REQUIRE(on.size() == pts.size());
  CHECK(on[0]);
  CHECK(on[1]);
  CHECK(on[2]);
  CHECK_FALSE(on[3]);
  CHECK_FALSE(on[4]);
  CHECK(on[5]);
  CHECK_FALSE(on[6]);
}
