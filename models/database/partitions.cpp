#include "models/database/partitions.h"

#include <cmath>
#include <optional>
#include <string>

namespace archsim::database {

PartitionParams read_partition_params(Params& s) {
  PartitionParams pp;
  auto o = s.object_opt("partitions");
  if (!o) return pp;
  const std::string by = o->choice("by", "range", {"range", "list", "hash"});
  pp.by = by == "range" ? PartitionBy::Range : by == "list" ? PartitionBy::List : PartitionBy::Hash;
  if (pp.by == PartitionBy::List) {
    if (o->has("count")) o->fail("count", "a list partitioning has one partition per entry of \"weights\": give no count");
    if (!o->has("weights")) o->missing("weights");
    const std::vector<Params::Value> items = o->value("weights").items();
    if (items.size() < 2 || items.size() > 1024) o->fail("weights", "expected 2 to 1024 weights, one per partition");
    std::vector<double> w;
    double sum = 0;
    for (const Params::Value& v : items) {
      const std::optional<double> x = v.as_number();
      if (!x || !(*x > 0) || !std::isfinite(*x)) v.fail("a weight is a positive number");
      w.push_back(*x);
      sum += *x;
    }
    for (double x : w) pp.share.push_back(x / sum);
    pp.count = static_cast<std::uint32_t>(w.size());
  } else {
    if (o->has("weights")) o->fail("weights", "weights belong to a list partitioning (\"by\": \"list\")");
    if (!o->has("count")) o->missing("count");
    pp.count = static_cast<std::uint32_t>(o->require_integer("count", 2, 1024));
    pp.share.assign(pp.count, 1.0 / pp.count);
  }
  pp.pruning = o->number("pruning", 1.0, 0.0, 1.0);
  o->finish();
  return pp;
}

std::uint32_t partition_of_insert(const PartitionParams& pp, Rng& rng) {
  switch (pp.by) {
    case PartitionBy::Range: return pp.count - 1;
    case PartitionBy::Hash: return static_cast<std::uint32_t>(rng.below(pp.count));
    case PartitionBy::List: {
      double u = rng.uniform();
      for (std::uint32_t p = 0; p + 1 < pp.count; ++p) {
        if (u < pp.share[p]) return p;
        u -= pp.share[p];
      }
      return pp.count - 1;
    }
  }
  return 0;
}

std::uint64_t loaded_rows(const PartitionParams& pp, std::uint32_t p, std::uint64_t rows) {
  if (pp.count == 1) return rows;
  std::uint64_t given = 0;
  for (std::uint32_t q = 0; q + 1 < pp.count; ++q) {
    const auto n = static_cast<std::uint64_t>(std::floor(pp.share[q] * static_cast<double>(rows)));
    if (q == p) return n;
    given += n;
  }
  return rows - given;
}

}  // namespace archsim::database
