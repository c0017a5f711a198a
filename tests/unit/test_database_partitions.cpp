// Partitions inside a node (models/database/partitions.h): where new and loaded rows go by
// MySQL's partitioning types.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <vector>

#include "models/database/partitions.h"

using archsim::Params;
using archsim::Rng;
using namespace archsim::database;

namespace {
PartitionParams read(const char* text) {
  static std::vector<nlohmann::json> keep;  // Params refers to its JSON
  keep.push_back(nlohmann::json::parse(text));
  Params p(keep.back(), "");
  return read_partition_params(p);
}
}  // namespace

TEST_CASE("partitions: range sends every new row to the current period, hash alike to all, list by weight") {
  const PartitionParams range = read(R"({"partitions": {"by": "range", "count": 12}})");
  const PartitionParams hash = read(R"({"partitions": {"by": "hash", "count": 4}})");
  const PartitionParams list = read(R"({"partitions": {"by": "list", "weights": [6, 3, 1]}})");
  Rng rng(7);
  std::vector<int> h(4), l(3);
  const int n = 100000;
  int current = 0;
  for (int i = 0; i < n; ++i) {
    current += partition_of_insert(range, rng) == 11;
    ++h[partition_of_insert(hash, rng)];
    ++l[partition_of_insert(list, rng)];
  }
  CHECK(current == n);
  // Binomial counts within 4 standard deviations.
  for (int c : h) CHECK(std::abs(c - n / 4) < 4 * 137);
  CHECK(std::abs(l[0] - 60000) < 4 * 155);
  CHECK(std::abs(l[1] - 30000) < 4 * 145);
  CHECK(std::abs(l[2] - 10000) < 4 * 95);
  // Loaded rows: the shares, the remainder to the last, the whole table accounted for.
  std::uint64_t sum = 0;
  for (std::uint32_t p = 0; p < 3; ++p) sum += loaded_rows(list, p, 1000003);
  CHECK(sum == 1000003);
  CHECK(loaded_rows(list, 0, 1000003) == 600001);
  CHECK(loaded_rows(range, 0, 1200) == 100);
  CHECK(read("{}").count == 1);
  CHECK(loaded_rows(read("{}"), 0, 5) == 5);
}
