// Load-balancing algorithms against their published behaviour: NGINX's smooth weighted
// round robin sequence (5,1,1 -> a a b a c a a, from the nginx 1.3.1 change that introduced
// it), NGINX least_conn, the balls-into-bins gap of the power of two choices (Azar et al.
// 1994: log log n / log 2 versus about sqrt(2 (m/n) ln n) for one random choice), and the
// key movement of consistent hashing (about 1/(n+1) when a node joins, against n/(n+1)
// for hashing mod n) and of Maglev (Eisenbud et al. 2016: minimal disruption).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/balancer/sticky.h"
#include "lib/picker/picker.h"
#include "lib/picker/picker_internal.h"
#include "tests/unit/picker_fixtures.h"

using namespace archsim;

namespace {

using test::backends_with_weights;

std::vector<Backend> equal_backends(std::size_t n, std::string_view name = "node") {
  std::vector<Backend> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i].id = backend_id(name, i);
  return out;
}

std::unique_ptr<Picker> built(Algorithm a, const std::vector<Backend>& b, const PickerOptions& o = {}) {
  auto p = make_picker(a, o);
  p->rebuild(b);
  return p;
}

// Picks `count` times (active untouched, i.e. every request completes at once) and spells
// the sequence with a letter per backend.
std::string letters(Picker& p, const std::vector<Backend>& b, int count) {
  Rng rng(1);
  std::string s;
  for (int i = 0; i < count; ++i) {
    const int k = p.pick(b, {}, rng);
    s += k < 0 ? '-' : static_cast<char>('a' + k);
  }
  return s;
}

std::vector<double> shares(Picker& p, const std::vector<Backend>& b, int picks, std::uint64_t seed = 7) {
  Rng rng(seed);
  std::vector<double> count(b.size(), 0);
  for (int i = 0; i < picks; ++i) {
    PickInput in;
    in.key = static_cast<std::uint64_t>(i);
    in.has_key = true;
    in.client = static_cast<std::uint64_t>(i);
    const int k = p.pick(b, in, rng);
    REQUIRE(k >= 0);
    count[static_cast<std::size_t>(k)] += 1;
  }
  for (double& c : count) c /= picks;
  return count;
}

// Backend id owning each of keys 0..nkeys-1.
std::vector<std::uint64_t> owners(Picker& p, const std::vector<Backend>& b, int nkeys) {
  Rng rng(3);
  std::vector<std::uint64_t> out;
  out.reserve(static_cast<std::size_t>(nkeys));
  for (int key = 0; key < nkeys; ++key) {
    PickInput in;
    in.key = static_cast<std::uint64_t>(key);
    in.has_key = true;
    const int k = p.pick(b, in, rng);
    REQUIRE(k >= 0);
    out.push_back(b[static_cast<std::size_t>(k)].id);
  }
  return out;
}

double moved_fraction(const std::vector<std::uint64_t>& before, const std::vector<std::uint64_t>& after) {
  std::size_t moved = 0;
  for (std::size_t i = 0; i < before.size(); ++i) moved += before[i] != after[i] ? 1 : 0;
  return static_cast<double>(moved) / static_cast<double>(before.size());
}

constexpr Algorithm kAll[] = {Algorithm::round_robin,  Algorithm::weighted_round_robin,
                              Algorithm::least_connections, Algorithm::random,
                              Algorithm::power_of_two, Algorithm::ip_hash,
                              Algorithm::hash,         Algorithm::ketama,
                              Algorithm::ring_hash,    Algorithm::maglev};

}  // namespace

TEST_CASE("algorithm names parse, list and say which key they need") {
  CHECK(algorithm_names().size() == std::size(kAll) + 1);  // + "consistent_hash"
  for (Algorithm a : kAll) {
    const auto parsed = parse_algorithm(algorithm_name(a));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == a);
  }
  CHECK_FALSE(parse_algorithm("least_conn").has_value());
  CHECK_FALSE(parse_algorithm("").has_value());
  CHECK(key_source(Algorithm::ketama) == KeySource::request_key);
  CHECK(key_source(Algorithm::ring_hash) == KeySource::request_key);
  CHECK(parse_algorithm("consistent_hash") == Algorithm::ketama);  // the documented alias
  CHECK(algorithm_name(Algorithm::ketama) == "ketama");
  CHECK(key_source(Algorithm::maglev) == KeySource::request_key);
  CHECK(key_source(Algorithm::hash) == KeySource::request_key);
  CHECK(key_source(Algorithm::ip_hash) == KeySource::client);
  CHECK(key_source(Algorithm::round_robin) == KeySource::none);
  CHECK(key_source(Algorithm::power_of_two) == KeySource::none);
}

TEST_CASE("options no real balancer accepts are refused") {
  PickerOptions o;
  o.maglev_table_size = 65536;  // not prime
  CHECK_THROWS(make_picker(Algorithm::maglev, o));
  o = {};
  o.choice_count = 0;
  CHECK_THROWS(make_picker(Algorithm::power_of_two, o));
}

TEST_CASE("smooth weighted round robin gives NGINX's exact sequences") {
  auto b = backends_with_weights({5, 1, 1});
  auto p = built(Algorithm::weighted_round_robin, b);
  CHECK(letters(*p, b, 7) == "aabacaa");
  CHECK(letters(*p, b, 14) == "aabacaaaabacaa");  // the cycle repeats

  auto b321 = backends_with_weights({3, 2, 1});
  auto q = built(Algorithm::weighted_round_robin, b321);
  CHECK(letters(*q, b321, 6) == "abacba");
}

TEST_CASE("smooth weighted round robin is proportional to weights in every cycle") {
  auto b = backends_with_weights({0.5, 1, 1.5});  // integer ratio 1:2:3, cycle of 6
  auto p = built(Algorithm::weighted_round_robin, b);
  Rng rng(1);
  for (int cycle = 0; cycle < 50; ++cycle) {
    int count[3] = {0, 0, 0};
    for (int i = 0; i < 6; ++i) ++count[p->pick(b, {}, rng)];
    CHECK(count[0] == 1);
    CHECK(count[1] == 2);
    CHECK(count[2] == 3);
  }
}

TEST_CASE("smooth weighted round robin skips a down backend and keeps the others' ratio") {
  auto b = backends_with_weights({5, 1, 1});
  b[0].eligible = false;
  auto p = built(Algorithm::weighted_round_robin, b);
  CHECK(letters(*p, b, 6) == "bcbcbc");
}

TEST_CASE("round robin rotates over the eligible backends with equal shares") {
  auto b = backends_with_weights({1, 5, 1});  // weights ignored
  auto p = built(Algorithm::round_robin, b);
  CHECK(letters(*p, b, 6) == "abcabc");
  const auto s = shares(*p, b, 3000);
  for (double x : s) CHECK(x == doctest::Approx(1.0 / 3).epsilon(1e-12));
  b[1].eligible = false;
  CHECK(letters(*p, b, 4) == "acac");
}

TEST_CASE("random spreads requests evenly within statistical bounds") {
  auto b = equal_backends(4);
  auto p = built(Algorithm::random, b);
  const int n = 100000;
  const auto s = shares(*p, b, n);
  const double sd = std::sqrt(0.25 * 0.75 / n);
  for (double x : s) CHECK(std::abs(x - 0.25) < 5 * sd);
}

TEST_CASE("random and power_of_two are reproducible from the seed") {
  auto b = equal_backends(5);
  for (Algorithm a : {Algorithm::random, Algorithm::power_of_two}) {
    auto p = built(a, b);
    Rng r1(42), r2(42);
    std::vector<int> x, y;
    for (int i = 0; i < 100; ++i) x.push_back(p->pick(b, {}, r1));
    for (int i = 0; i < 100; ++i) y.push_back(p->pick(b, {}, r2));
    CHECK(x == y);
  }
}

TEST_CASE("least_connections picks the least active per unit of weight") {
  auto b = backends_with_weights({1, 1, 1});
  auto p = built(Algorithm::least_connections, b);
  Rng rng(1);
  b[0].active = 5;
  b[1].active = 2;
  b[2].active = 7;
  CHECK(p->pick(b, {}, rng) == 1);

  auto w = backends_with_weights({3, 1});
  auto q = built(Algorithm::least_connections, w);
  w[0].active = 4;  // 4/3 < 2/1
  w[1].active = 2;
  CHECK(q->pick(w, {}, rng) == 0);
  w[0].active = 7;  // 7/3 > 2/1
  CHECK(q->pick(w, {}, rng) == 1);
}

TEST_CASE("least_connections breaks ties by smooth weighted round robin") {
  // With every request finished at once all backends tie, and NGINX's least_conn runs
  // the smooth weighted round robin among them.
  auto b = backends_with_weights({5, 1, 1});
  auto p = built(Algorithm::least_connections, b);
  CHECK(letters(*p, b, 7) == "aabacaa");
  auto e = equal_backends(3);
  auto q = built(Algorithm::least_connections, e);
  CHECK(letters(*q, e, 6) == "abcabc");
}

TEST_CASE("least_connections with unequal weights holds connections in weight ratio") {
  // Long-lived connections that never finish: the active counts track the weights.
  auto b = backends_with_weights({3, 1, 2});
  auto p = built(Algorithm::least_connections, b);
  Rng rng(1);
  for (int i = 1; i <= 600; ++i) {
    const int k = p->pick(b, {}, rng);
    REQUIRE(k >= 0);
    ++b[static_cast<std::size_t>(k)].active;
    if (i % 6 == 0) {
      CHECK(b[0].active == static_cast<std::uint32_t>(i / 2));
      CHECK(b[1].active == static_cast<std::uint32_t>(i / 6));
      CHECK(b[2].active == static_cast<std::uint32_t>(i / 3));
    }
  }
}

TEST_CASE("power_of_two takes the less loaded of its two draws") {
  // Two backends, one busy: the busy one wins only when both draws land on it (1/4).
  auto b = equal_backends(2);
  b[0].active = 10;
  auto p = built(Algorithm::power_of_two, b);
  const int n = 40000;
  const auto s = shares(*p, b, n);
  CHECK(std::abs(s[0] - 0.25) < 5 * std::sqrt(0.25 * 0.75 / n));

  // One overloaded backend among ten: random sends it 1/10, two choices 1/100.
  auto ten = equal_backends(10);
  ten[0].active = 1000;
  auto p2 = built(Algorithm::power_of_two, ten);
  auto rnd = built(Algorithm::random, ten);
  const auto s2 = shares(*p2, ten, n);
  const auto sr = shares(*rnd, ten, n);
  CHECK(s2[0] < 0.02);
  CHECK(s2[0] > 0.005);
  CHECK(std::abs(sr[0] - 0.1) < 0.01);
}

TEST_CASE("power_of_two: balls into bins gap is log log n, random's is sqrt") {
  const std::size_t n = 100;
  const int balls = 100 * 100;
  auto gap = [&](Algorithm a) {
    auto b = equal_backends(n);
    auto p = built(a, b);
    Rng rng(11);
    for (int i = 0; i < balls; ++i) ++b[static_cast<std::size_t>(p->pick(b, {}, rng))].active;
    std::uint32_t mx = 0;
    for (const Backend& x : b) mx = std::max(mx, x.active);
    return static_cast<int>(mx) - balls / static_cast<int>(n);
  };
  const int g2 = gap(Algorithm::power_of_two);
  const int g1 = gap(Algorithm::random);
  MESSAGE("max load above average: power_of_two " << g2 << ", random " << g1);
  CHECK(g2 <= 5);   // log2(ln 100) + O(1) ~ 2.2 + O(1)
  CHECK(g1 >= 15);  // about sqrt(2 * 100 * ln 100) ~ 30
}

// Envoy's EdfScheduler (edf_scheduler.h) worked by hand: each host enters with deadline
// now + 1/w, ties go to the earlier insertion, the popped host moves `now` to its deadline
// and re-enters with w = weight / (active + 1)^bias read at that moment.
TEST_CASE("power_of_two with unequal weights follows Envoy's EDF schedule, no draws") {
  auto b = backends_with_weights({1, 2});
  auto p = built(Algorithm::power_of_two, b);
  // a: 1, b: 0.5 | b@0.5 -> 1.0 | a@1 (order 0 < b's 2) -> 2 | b@1 -> 1.5 | b@1.5 -> 2 | a@2 ...
  CHECK(letters(*p, b, 9) == "babbabbab");

  // In flight: a idle, b with 3 (w = 2/4 = 0.5). a@1 -> 2 | b@2 (order 1) -> 4 | a@2 -> 3 |
  // a@3 -> 4 (order 4) | b@4 (order 3) ...
  b[1].active = 3;
  p->rebuild(b);
  CHECK(letters(*p, b, 5) == "abaab");

  // Bias 0 ignores activity: weighted round robin whatever is in flight.
  PickerOptions o;
  o.active_request_bias = 0;
  auto q = built(Algorithm::power_of_two, b, o);
  CHECK(letters(*q, b, 6) == "babbab");
  // Bias 0.5: b's weight 2/sqrt(4) = 1 ties a's 1/1; a was inserted first.
  o.active_request_bias = 0.5;
  auto r = built(Algorithm::power_of_two, b, o);
  CHECK(letters(*r, b, 4) == "abab");
}

TEST_CASE("power_of_two 1:2 with equal load gives 1/3 and 2/3, not two draws' 1/4 and 3/4") {
  // Two random draws comparing weight/(active+1) would send the light host 1/4 (it wins only
  // when drawn twice); Envoy's schedule gives it exactly its weight share.
  auto b = backends_with_weights({1, 2});
  auto p = built(Algorithm::power_of_two, b);
  b[0].active = 2;  // the same number in flight on both
  b[1].active = 2;
  Rng rng(9);
  std::vector<int> count(2, 0);
  for (int i = 0; i < 30000; ++i) ++count[static_cast<std::size_t>(p->pick(b, {}, rng))];
  const double light = count[0] / 30000.0;
  MESSAGE("light host's share " << light);
  CHECK(std::abs(light - 1.0 / 3) < 0.01);

  // Equal weights keep the two random draws (the busy host wins only 1/4 of picks).
  auto e = backends_with_weights({2, 2});
  e[0].active = 5;
  auto pe = built(Algorithm::power_of_two, e);
  CHECK(std::abs(shares(*pe, e, 40000)[0] - 0.25) < 0.01);
  // choice_count 3: it wins only when all three draws land on it, 1/8.
  PickerOptions o;
  o.choice_count = 3;
  auto p3 = built(Algorithm::power_of_two, e, o);
  CHECK(std::abs(shares(*p3, e, 40000)[0] - 0.125) < 0.01);
}

TEST_CASE("power_of_two's EDF schedule leaves out an ineligible host and takes it back on notice") {
  auto b = backends_with_weights({1, 2, 1});
  auto p = built(Algorithm::power_of_two, b);
  b[1].eligible = false;
  p->eligibility_changed(b);
  // a and c have equal weights: Envoy's unweighted path (two random draws) among them.
  const auto s = shares(*p, b, 20000);
  CHECK(s[1] == 0);
  CHECK(std::abs(s[0] - 0.5) < 0.02);
  b[1].eligible = true;
  p->eligibility_changed(b);
  // A fresh schedule: b@0.5 -> 1 (order 3) | a@1 (order 0) | c@1 (order 2) | b@1 | b@1.5 | a@2 ...
  CHECK(letters(*p, b, 8) == "bacbbacb");
}

TEST_CASE("ip_hash and hash: the same client or key always reaches the same backend") {
  auto b = equal_backends(5);
  auto ip = built(Algorithm::ip_hash, b);
  auto h = built(Algorithm::hash, b);
  Rng rng(1);
  for (std::uint64_t c = 0; c < 200; ++c) {
    PickInput in;
    in.client = c;
    in.key = 1000 + c;
    in.has_key = true;
    const int first_ip = ip->pick(b, in, rng);
    const int first_h = h->pick(b, in, rng);
    for (int rep = 0; rep < 3; ++rep) {
      in.key = rng.next();  // ip_hash ignores the key
      CHECK(ip->pick(b, in, rng) == first_ip);
    }
    in.key = 1000 + c;
    in.client = rng.next();  // hash ignores the client
    CHECK(h->pick(b, in, rng) == first_h);
  }
}

TEST_CASE("hash shares follow weights") {
  auto b = equal_backends(4);
  auto p = built(Algorithm::hash, b);
  for (double x : shares(*p, b, 100000)) CHECK(std::abs(x - 0.25) < 0.01);
  auto w = backends_with_weights({1, 3});
  auto q = built(Algorithm::hash, w);
  CHECK(std::abs(shares(*q, w, 100000)[1] - 0.75) < 0.01);
}

TEST_CASE("hash mod n moves about n/(n+1) of keys when a node joins") {
  auto b = equal_backends(10);
  auto p = built(Algorithm::hash, b);
  const auto before = owners(*p, b, 100000);
  auto b11 = equal_backends(11);
  p->rebuild(b11);
  const double moved = moved_fraction(before, owners(*p, b11, 100000));
  MESSAGE("mod-n hashing moved " << moved << " (n/(n+1) = " << 10.0 / 11 << ")");
  CHECK(moved > 0.85);
}

TEST_CASE("hash: a down backend's keys are rehashed, the others stay") {
  auto b = equal_backends(6);
  auto p = built(Algorithm::hash, b);
  const auto before = owners(*p, b, 20000);
  b[2].eligible = false;
  const auto after = owners(*p, b, 20000);
  for (std::size_t i = 0; i < before.size(); ++i) {
    CHECK(after[i] != b[2].id);
    if (before[i] != b[2].id) CHECK(after[i] == before[i]);
  }
}

TEST_CASE("consistent hash: a joining node takes about 1/(n+1) of the keys, only from others") {
  auto b = equal_backends(10);
  auto p = built(Algorithm::ketama, b);
  const auto before = owners(*p, b, 100000);
  auto b11 = equal_backends(11);
  p->rebuild(b11);
  const auto after = owners(*p, b11, 100000);
  const double moved = moved_fraction(before, after);
  MESSAGE("ring moved " << moved << " (1/(n+1) = " << 1.0 / 11 << ")");
  CHECK(moved >= 0.06);
  CHECK(moved <= 0.12);
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (before[i] != after[i]) CHECK(after[i] == b11[10].id);  // keys only move to the newcomer
  }
}

TEST_CASE("consistent hash: removing a node moves only that node's keys") {
  auto b = equal_backends(10);
  auto p = built(Algorithm::ketama, b);
  const auto before = owners(*p, b, 100000);
  const std::uint64_t gone = b[3].id;
  auto b9 = b;
  b9.erase(b9.begin() + 3);
  auto q = built(Algorithm::ketama, b9);
  const auto after = owners(*q, b9, 100000);
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (before[i] == gone) {
      CHECK(after[i] != gone);
    } else {
      CHECK(after[i] == before[i]);
    }
  }
  // An ineligible node (health check) is walked over: the same owners as without it.
  b[3].eligible = false;
  CHECK(owners(*p, b, 100000) == after);
}

TEST_CASE("consistent hash shares: even with virtual nodes, proportional to weight") {
  auto b = equal_backends(10);
  auto p = built(Algorithm::ketama, b);
  for (double x : shares(*p, b, 100000)) {
    CHECK(x > 0.05);
    CHECK(x < 0.15);
  }
  auto w = backends_with_weights({1, 2});
  auto q = built(Algorithm::ketama, w);
  const auto s = shares(*q, w, 100000);
  CHECK(s[1] / s[0] > 1.6);
  CHECK(s[1] / s[0] < 2.4);
}

TEST_CASE("ketama: the points are libketama's, MD5 of \"<server>-<k>\" in four little-endian words") {
  // Reference: Python's hashlib.md5(b"10.0.0.1:11211-0").digest() and "...-39", read as
  // int.from_bytes(digest[4h:4h+4], "little") for h = 0..3.
  const auto pts = picker_detail::ketama_points("10.0.0.1:11211", 160);
  REQUIRE(pts.size() == 160);
  CHECK(pts[0] == 0x62092476u);
  CHECK(pts[1] == 0x0fe39fe2u);
  CHECK(pts[2] == 0x5c597f40u);
  CHECK(pts[3] == 0x77757e51u);
  CHECK(pts[156] == 0x6016d6feu);
  CHECK(pts[159] == 0x973316d7u);
}

TEST_CASE("ketama: removing one of N hosts moves exactly that host's keys, for small N too") {
  // The old ring was rescaled to 1024 points below 7 hosts, so survivors traded keys;
  // NGINX's `hash consistent` never moves a survivor's key.
  for (std::size_t n : {2u, 3u, 5u, 8u}) {
    CAPTURE(n);
    auto b = equal_backends(n);
    auto p = built(Algorithm::ketama, b);
    const auto before = owners(*p, b, 20000);
    auto fewer = b;
    fewer.erase(fewer.begin());
    p->rebuild(fewer);
    const auto after = owners(*p, fewer, 20000);
    std::size_t moved_survivors = 0, moved = 0;
    for (std::size_t i = 0; i < before.size(); ++i) {
      if (before[i] != after[i]) ++moved;
      if (before[i] != b[0].id && before[i] != after[i]) ++moved_survivors;
    }
    CHECK(moved_survivors == 0);
    CHECK(moved > 0);
  }
}

TEST_CASE("ring_hash: ring sizes and hashes per host as Envoy computes them") {
  // scale = min(ceil(min_w * min_ring) / min_w, max_ring), ring = ceil(scale), host i takes
  // points while the running count is below sum(scale * w_j, j <= i).
  const std::vector<double> three{1, 1, 1};  // ceil(1024/3) = 342 each, ring 1026
  CHECK(picker_detail::ring_hash_counts(three, 1024, 8 << 20) == std::vector<std::uint64_t>{342, 342, 342});
  const std::vector<double> two{1, 1};  // 512 each: exactly the minimum
  CHECK(picker_detail::ring_hash_counts(two, 1024, 8 << 20) == std::vector<std::uint64_t>{512, 512});
  const std::vector<double> w123{1, 2, 3};  // min_w 1/6: ceil(1024/6) = 171 -> scale 1026
  CHECK(picker_detail::ring_hash_counts(w123, 1024, 8 << 20) == std::vector<std::uint64_t>{171, 342, 513});
  const std::vector<double> four{1, 1, 1, 1};  // Envoy's own example: max ring 6 gives 1.5 each
  CHECK(picker_detail::ring_hash_counts(four, 1024, 6) == std::vector<std::uint64_t>{2, 1, 2, 1});
  std::vector<double> many(200, 1.0);  // ceil(1024/200) = 6 each, ring 1200
  const auto c = picker_detail::ring_hash_counts(many, 1024, 8 << 20);
  CHECK(std::all_of(c.begin(), c.end(), [](std::uint64_t x) { return x == 6; }));
}

TEST_CASE("ring_hash: Envoy's rescaled ring moves survivors' keys; shares follow weights") {
  auto b = equal_backends(3);
  auto p = built(Algorithm::ring_hash, b);
  const auto before = owners(*p, b, 20000);
  b[0].eligible = false;
  p->eligibility_changed(b);  // Envoy rebuilds from the healthy hosts: 512 points each
  const auto after = owners(*p, b, 20000);
  std::size_t moved_survivors = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    CHECK(after[i] != b[0].id);
    if (before[i] != b[0].id && before[i] != after[i]) ++moved_survivors;
  }
  MESSAGE("survivors' keys moved: " << moved_survivors);
  CHECK(moved_survivors > 0);
  auto w = backends_with_weights({1, 3});
  auto q = built(Algorithm::ring_hash, w);
  const auto s = shares(*q, w, 100000);
  CHECK(s[1] / s[0] > 2.4);
  CHECK(s[1] / s[0] < 3.6);
}

TEST_CASE("maglev: shares within a few percent of equal, weights honoured") {
  auto b = equal_backends(10);
  auto p = built(Algorithm::maglev, b);
  for (double x : shares(*p, b, 100000)) CHECK(std::abs(x - 0.1) < 0.005);
  auto w = backends_with_weights({1, 2, 1});
  auto q = built(Algorithm::maglev, w);
  const auto s = shares(*q, w, 100000);
  CHECK(std::abs(s[1] - 0.5) < 0.01);
  CHECK(std::abs(s[0] - 0.25) < 0.01);
}

TEST_CASE("maglev: a joining backend moves a small fraction of keys") {
  auto b = equal_backends(10);
  auto p = built(Algorithm::maglev, b);
  const auto before = owners(*p, b, 100000);
  auto b11 = equal_backends(11);
  p->rebuild(b11);
  const auto after = owners(*p, b11, 100000);
  const double moved = moved_fraction(before, after);
  MESSAGE("maglev moved " << moved);
  CHECK(moved > 1.0 / 11 - 0.01);  // the newcomer's share has to come from somewhere
  CHECK(moved < 0.2);
}

TEST_CASE("maglev: an ineligible backend's keys go elsewhere, with or without the notice") {
  auto b = equal_backends(8);
  auto p = built(Algorithm::maglev, b);
  const auto before = owners(*p, b, 50000);
  b[5].eligible = false;
  const auto stale = owners(*p, b, 50000);  // table still names backend 5
  p->eligibility_changed(b);
  const auto rebuilt = owners(*p, b, 50000);
  std::size_t others = 0, others_moved = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    CHECK(stale[i] != b[5].id);
    CHECK(rebuilt[i] != b[5].id);
    if (before[i] != b[5].id) {
      ++others;
      others_moved += rebuilt[i] != before[i] ? 1 : 0;
      CHECK(stale[i] == before[i]);
    }
  }
  const double disruption = static_cast<double>(others_moved) / static_cast<double>(others);
  MESSAGE("maglev rebuild without one backend moved " << disruption << " of the others' keys");
  CHECK(disruption < 0.1);
}

TEST_CASE("no algorithm picks an ineligible backend; -1 when none is eligible") {
  for (Algorithm a : kAll) {
    CAPTURE(algorithm_name(a));
    auto b = backends_with_weights({1, 2, 3, 1, 2});
    b[1].eligible = false;
    b[3].eligible = false;
    auto p = built(a, b);
    Rng rng(5);
    for (int i = 0; i < 3000; ++i) {
      PickInput in;
      in.key = rng.next();
      in.has_key = true;
      in.client = rng.below(50);
      b[rng.below(5)].active = static_cast<std::uint32_t>(rng.below(4));
      const int k = p->pick(b, in, rng);
      REQUIRE(k >= 0);
      CHECK(b[static_cast<std::size_t>(k)].eligible);
    }
    for (Backend& x : b) x.eligible = false;
    CHECK(p->pick(b, {}, rng) == -1);
    PickInput keyed;
    keyed.has_key = true;
    keyed.key = 99;
    CHECK(p->pick(b, keyed, rng) == -1);
    // A backend recovering without any notice is picked again.
    b[4].eligible = true;
    CHECK(p->pick(b, keyed, rng) == 4);

    std::vector<Backend> none;
    auto q = built(a, none);
    CHECK(q->pick(none, keyed, rng) == -1);
  }
}

TEST_CASE("sticky table: assign, find, erase, forget a backend") {
  StickyTable t(4);
  std::map<std::uint64_t, std::uint64_t> ref;
  Rng rng(9);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t s = 1 + rng.below(3000);
    const auto op = rng.below(3);
    if (op < 2) {
      const std::uint64_t backend = rng.below(7);
      t.assign(s, backend);
      ref[s] = backend;
    } else {
      CHECK(t.erase(s) == (ref.erase(s) == 1));
    }
  }
  CHECK(t.size() == ref.size());
  for (std::uint64_t s = 1; s <= 3000; ++s) {
    const auto it = ref.find(s);
    const auto got = t.find(s);
    CHECK(got.has_value() == (it != ref.end()));
    if (got && it != ref.end()) CHECK(*got == it->second);
  }
  std::size_t on3 = 0;
  for (const auto& [s, backend] : ref) on3 += backend == 3 ? 1 : 0;
  CHECK(t.forget_backend(3) == on3);
  CHECK(t.size() == ref.size() - on3);
  for (const auto& [s, backend] : ref) CHECK(t.find(s).has_value() == (backend != 3));
}

TEST_CASE("sticky sessions stay on their backend until it is unavailable, then re-stick") {
  auto b = equal_backends(3);
  auto p = built(Algorithm::round_robin, b);
  StickyTable t;
  Rng rng(1);
  PickInput s1;
  s1.session = 11;
  PickInput s2;
  s2.session = 22;
  CHECK(pick_sticky(t, *p, b, s1, rng) == 0);
  CHECK(pick_sticky(t, *p, b, s2, rng) == 1);
  for (int i = 0; i < 5; ++i) {
    CHECK(pick_sticky(t, *p, b, s1, rng) == 0);
    CHECK(pick_sticky(t, *p, b, s2, rng) == 1);
  }
  CHECK(pick_sticky(t, *p, b, {}, rng) == 2);  // no session: plain round robin
  b[0].eligible = false;
  const int moved = pick_sticky(t, *p, b, s1, rng);
  CHECK(moved != 0);
  b[0].eligible = true;  // the session now belongs to its new backend
  CHECK(pick_sticky(t, *p, b, s1, rng) == moved);
  CHECK(t.forget_backend(b[1].id) >= 1);
}
