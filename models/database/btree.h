// The leaf level of one table's clustered index, after InnoDB's B-tree (storage/innobase/btr/
// btr0cur.cc, btr_cur_optimistic_insert; btr0btr.cc, btr_page_split_and_insert; the
// reference manual's "The Physical Structure of an InnoDB Index").
//
// A leaf page holds up to `per_page` records. An insert goes to the leaf whose key range
// holds its key:
//  - sequential keys (auto-increment, UUID v7) always go to the rightmost leaf. InnoDB sees
//    the consecutive inserts and, to leave room for rows that grow when updated, closes the
//    page when less than 1/16 of it (dict_index_get_space_reserve) would stay free: the insert
//    goes to a new page on its right instead, and the old one stays about 15/16 full
//    (`per_page_sequential` records). Nothing is moved.
//  - random keys (UUID v4) go to any leaf, with the probability of its share of the key space.
//    A full page splits at its middle record (page_get_middle_rec): two half-full pages, the
//    new key in the half its key falls in. Pages then hold between 1/2 and 1 of `per_page`,
//    and Yao's fringe analysis (Yao 1978, "On random 2-3 trees") puts the mean at ln 2 (69 %).
//
// The keys themselves are not stored. Uniform keys (UUID v4) that fell in a leaf are uniform
// over its range, so a leaf is its record count and the width of its key range: an insert
// draws an offset in the whole key space and finds its leaf by the widths' prefix sums; a
// split draws its middle record as that order statistic of `count` uniform offsets in the
// leaf's range. The halves' widths are then what a real split's would be, so the chance that
// each is hit next is right and the fill comes out of the mechanism (no fill is typed in).
// A read of an existing row picks its leaf by the record counts' prefix sums.
//
// Page ids are dense (0, 1, ... in creation order), for the buffer pool's arrays.
// Simplifications: only the leaf level (the parent pages are few and always resident; a
// split's parent update is counted, a parent's own split is not); no deletes, no updates that
// grow a row (the 1/16 is reserved, never used); variable-length records are one size.
//
// Cost: an insert or a read is O(log pages) (two Fenwick trees); a split draws `per_page`
// numbers. The arrays grow by doubling as pages are added (amortised, no allocation per
// insert otherwise).
#pragma once
#include <cstdint>
#include <vector>

#include "sim/random.h"

namespace archsim::database {

enum class KeyOrder : std::uint8_t { Random, Sequential };

// Prefix sums of unsigned 64-bit values over positions 0..n-1 that grow at the end
// (a Fenwick tree). Sums are modulo 2^64: a value may shrink by adding its negation.
class PrefixSums {
 public:
  void reserve(std::size_t n) { t_.reserve(n + 1); }
  std::size_t size() const { return t_.size() - 1; }
  void append(std::uint64_t v);
  void add(std::size_t i, std::uint64_t delta);
  std::uint64_t prefix(std::size_t n) const;  // sum of positions 0..n-1
  // The position i whose range [prefix(i), prefix(i + 1)) holds u (u below the total), and
  // u - prefix(i) in `offset`.
  std::size_t find(std::uint64_t u, std::uint64_t& offset) const;

 private:
  std::vector<std::uint64_t> t_{0};  // 1-based; t_[0] unused
};

class LeafLevel {
 public:
  // An empty index of one leaf. per_page >= 2, 1 <= per_page_sequential <= per_page.
  LeafLevel(KeyOrder order, std::uint32_t per_page, std::uint32_t per_page_sequential);

  struct Insert {
    std::uint32_t page = 0;      // the leaf written
    bool split = false;          // a page was added (random: a split; sequential: a new rightmost page)
    std::uint32_t new_page = 0;  // that page, when split
  };
  // One row inserted: its key drawn from `key` (the new UUID), a split's middle record from
  // `split`. Returns the pages it wrote.
  Insert insert(Rng& key, Rng& split);
  // The leaf holding a row drawn uniformly from the table's rows (rows() > 0).
  std::uint32_t page_of_random_row(Rng& rng) const;

  std::uint64_t rows() const { return rows_; }
  std::uint32_t pages() const { return static_cast<std::uint32_t>(count_.size()); }
  std::uint64_t splits() const { return splits_; }
  std::uint32_t per_page() const { return per_page_; }
  // rows / (pages x per_page): how full the leaves are on average.
  double fill() const { return static_cast<double>(rows_) / (static_cast<double>(pages()) * per_page_); }
  // Room for `pages` leaves without reallocating.
  void reserve(std::size_t pages);

 private:
  std::uint32_t add_page(std::uint32_t count, std::uint64_t width);

  KeyOrder order_;
  std::uint32_t per_page_, per_page_seq_;
  std::vector<std::uint32_t> count_;
  std::vector<std::uint64_t> width_;  // random keys: each leaf's share of the key space
  PrefixSums count_sums_, width_sums_;
  std::vector<std::uint64_t> draws_;  // a split's offsets (per_page of them)
  std::uint64_t rows_ = 0, splits_ = 0;
};

}  // namespace archsim::database
