#include "models/database/btree.h"

#include <algorithm>

namespace archsim::database {

namespace {
constexpr std::uint64_t kKeySpace = 1ULL << 62;  // the keys' range: the widths sum to it
std::size_t low_bit(std::size_t i) { return i & (~i + 1); }
}  // namespace

void PrefixSums::append(std::uint64_t v) {
  // The new node i covers (i - lowbit(i), i]: its own value plus the nodes already there.
  const std::size_t i = t_.size();
  std::uint64_t s = v;
  for (std::size_t j = i - 1; j > i - low_bit(i); j -= low_bit(j)) s += t_[j];
  t_.push_back(s);
}

void PrefixSums::add(std::size_t i, std::uint64_t delta) {
  for (std::size_t j = i + 1; j < t_.size(); j += low_bit(j)) t_[j] += delta;
}

std::uint64_t PrefixSums::prefix(std::size_t n) const {
  std::uint64_t s = 0;
  for (std::size_t j = n; j > 0; j -= low_bit(j)) s += t_[j];
  return s;
}

std::size_t PrefixSums::find(std::uint64_t u, std::uint64_t& offset) const {
  std::size_t pos = 0, step = 1;
  while (step * 2 < t_.size()) step *= 2;
  for (; step > 0; step /= 2) {
    if (pos + step < t_.size() && t_[pos + step] <= u) {
      pos += step;
      u -= t_[pos];
    }
  }
  offset = u;
  return pos;  // 0-based: the first position whose prefix passes u
}

LeafLevel::LeafLevel(KeyOrder order, std::uint32_t per_page, std::uint32_t per_page_sequential)
    : order_(order), per_page_(per_page), per_page_seq_(per_page_sequential) {
  draws_.resize(per_page_);
  add_page(0, kKeySpace);
}

void LeafLevel::reserve(std::size_t pages) {
  count_.reserve(pages);
  count_sums_.reserve(pages);
  if (order_ == KeyOrder::Random) {
    width_.reserve(pages);
    width_sums_.reserve(pages);
  }
}

std::uint32_t LeafLevel::add_page(std::uint32_t count, std::uint64_t width) {
  const auto p = static_cast<std::uint32_t>(count_.size());
  count_.push_back(count);
  count_sums_.append(count);
  if (order_ == KeyOrder::Random) {
    width_.push_back(width);
    width_sums_.append(width);
  }
  return p;
}

LeafLevel::Insert LeafLevel::insert(Rng& key, Rng& split) {
  Insert out;
  ++rows_;
  if (order_ == KeyOrder::Sequential) {
    // The rightmost leaf, the last one created; closed at per_page_sequential records.
    const auto last = static_cast<std::uint32_t>(count_.size() - 1);
    if (count_[last] < per_page_seq_) {
      ++count_[last];
      count_sums_.add(last, 1);
      out.page = last;
      return out;
    }
    ++splits_;
    out.split = true;
    out.page = last;  // its pointer to the new page (FIL_PAGE_NEXT) is written
    out.new_page = add_page(1, 0);
    return out;
  }
  std::uint64_t offset = 0;
  const auto p = static_cast<std::uint32_t>(width_sums_.find(key.below(kKeySpace), offset));
  out.page = p;
  if (count_[p] < per_page_) {
    ++count_[p];
    count_sums_.add(p, 1);
    return out;
  }
  // A full page splits at its middle record: the lower half keeps count / 2 records, the
  // upper half (a new page) the middle record and those above it. The middle record's place
  // in the range is the (count / 2 + 1)-th smallest of count uniform offsets.
  const std::uint32_t c = count_[p], lower = c / 2;
  const std::uint64_t w = width_[p];
  for (std::uint32_t i = 0; i < c; ++i) draws_[i] = split.below(w);
  std::nth_element(draws_.begin(), draws_.begin() + lower, draws_.begin() + c);
  const std::uint64_t middle = draws_[lower];
  const bool low = offset < middle;
  const std::uint32_t lower_count = lower + (low ? 1 : 0), upper_count = c - lower + (low ? 0 : 1);
  count_[p] = lower_count;
  count_sums_.add(p, static_cast<std::uint64_t>(lower_count) - c);
  width_[p] = middle;
  width_sums_.add(p, middle - w);
  ++splits_;
  out.split = true;
  out.new_page = add_page(upper_count, w - middle);
  return out;
}

std::uint32_t LeafLevel::page_of_random_row(Rng& rng) const {
  std::uint64_t offset = 0;
  return static_cast<std::uint32_t>(count_sums_.find(rng.below(rows_), offset));
}

}  // namespace archsim::database
