// power_of_two with distinct_choices against NGINX's `random two least_conn`
// (src/http/modules/ngx_http_upstream_random_module.c, ngx_http_upstream_get_random2_peer):
// two *different* servers, each drawn in proportion to its weight; the first is kept only
// when the second has strictly more connections per unit of weight, so the second wins
// ties. Envoy's LEAST_REQUEST (the default) draws with replacement and keeps the first on a
// tie; each check below tells the two rules apart.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "lib/picker/picker.h"
#include "tests/unit/picker_fixtures.h"

using namespace archsim;

namespace {

std::vector<Backend> weighted(std::initializer_list<double> weights) { return test::backends_with_weights(weights); }

std::unique_ptr<Picker> nginx_two(const std::vector<Backend>& b) {
  PickerOptions o;
  o.distinct_choices = true;
  auto p = make_picker(Algorithm::power_of_two, o);
  p->rebuild(b);
  return p;
}

std::vector<int> counts(Picker& p, const std::vector<Backend>& b, int n, std::uint64_t seed) {
  std::vector<int> c(b.size(), 0);
  Rng rng(seed);
  for (int i = 0; i < n; ++i) ++c[static_cast<std::size_t>(p.pick(b, {}, rng))];
  return c;
}

}  // namespace

TEST_CASE("random two (NGINX): of two servers the less loaded is always chosen; Envoy's draws miss it a quarter of the time") {
  // Two servers, one with 5 requests in flight: NGINX's two different draws always see both
  // and take the idle one. Envoy draws with replacement: both draws land on the busy server
  // with probability 1/4 (2,500 of 10,000; 5 sigma is 217).
  std::vector<Backend> b = weighted({1, 1});
  b[1].active = 5;
  auto nginx = nginx_two(b);
  CHECK(counts(*nginx, b, 10000, 7)[1] == 0);
  auto envoy = make_picker(Algorithm::power_of_two);
  envoy->rebuild(b);
  const int busy = counts(*envoy, b, 10000, 7)[1];
  CHECK(busy == doctest::Approx(2500).epsilon(0.09));
}

TEST_CASE("random two (NGINX): draws follow the weights and a tie goes to the second draw") {
  // Weights 1:3, nothing in flight (a tie every time): the first draw is a with probability
  // 1/4, and then the second is b; the second wins the tie, so a is chosen exactly when b was
  // drawn first: 3/4 of the picks. Keeping the first on ties (Envoy's order) would give a
  // 1/4; unweighted draws would give 1/2. 40,000 picks: 5 sigma is 0.011.
  const std::vector<Backend> b = weighted({1, 3});
  auto p = nginx_two(b);
  const std::vector<int> c = counts(*p, b, 40000, 11);
  CHECK(static_cast<double>(c[0]) / 40000 == doctest::Approx(0.75).epsilon(0.015));
}

TEST_CASE("random two (NGINX): connections are compared per unit of weight") {
  // a: weight 2, 3 in flight (1.5 per weight); b: weight 1, 2 in flight (2 per weight): a
  // always, though it has more connections. Then b with 1 in flight (1 per weight): b always.
  std::vector<Backend> b = weighted({2, 1});
  b[0].active = 3;
  b[1].active = 2;
  auto p = nginx_two(b);
  CHECK(counts(*p, b, 2000, 3)[0] == 2000);
  b[1].active = 1;
  CHECK(counts(*p, b, 2000, 3)[1] == 2000);
}

TEST_CASE("random two (NGINX): equal servers get equal shares; ineligible ones none; one eligible is chosen") {
  std::vector<Backend> b = weighted({1, 1, 1, 1});
  auto p = nginx_two(b);
  const std::vector<int> c = counts(*p, b, 40000, 5);
  for (int x : c) CHECK(static_cast<double>(x) / 40000 == doctest::Approx(0.25).epsilon(0.04));
  b[1].eligible = false;
  b[2].eligible = false;
  const std::vector<int> two = counts(*p, b, 1000, 5);
  CHECK(two[1] + two[2] == 0);
  b[3].eligible = false;
  CHECK(counts(*p, b, 100, 5)[0] == 100);
  b[0].eligible = false;
  Rng rng(1);
  CHECK(p->pick(b, {}, rng) == -1);
}

TEST_CASE("random two (NGINX): two random numbers per pick whatever the eligibility, and reproducible") {
  // Common random numbers across variants: the generator advances by exactly two draws.
  std::vector<Backend> b = weighted({1, 1, 1});
  auto p = nginx_two(b);
  for (int eligible = 3; eligible >= 1; --eligible) {
    for (int i = 0; i < 3; ++i) b[static_cast<std::size_t>(i)].eligible = i < eligible;
    Rng rng(99), twin(99);
    p->pick(b, {}, rng);
    twin.below(10);
    twin.below(10);
    CHECK(rng.below(1000000) == twin.below(1000000));
  }
  CHECK_THROWS([] {
    PickerOptions o;
    o.distinct_choices = true;
    o.choice_count = 3;
    return make_picker(Algorithm::power_of_two, o);
  }());
}
