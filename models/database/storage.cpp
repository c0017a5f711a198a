#include "models/database/storage.h"

#include "models/database/params.h"
#include "sim/context.h"
#include "scenario/params.h"
#include "sim/results.h"

namespace archsim::database {

namespace {
// A page's fixed parts (FIL header 38, page header 56, infimum and supremum 26, FIL trailer
// 8) and the room sequential inserts leave free (dict_index_get_space_reserve: 1/16).
constexpr std::uint32_t kPageOverhead = 128;
constexpr std::uint32_t kReserve = static_cast<std::uint32_t>(kPageBytes / 16);
}  // namespace

StorageParams read_storage_params(Params& p, const DatabaseParams& d) {
  StorageParams s;
  auto o = p.object_opt("storage");
  if (!o) return s;
  if (d.has_reshard) p.fail("storage", "a reshard's copied rows are not stored rows: \"storage\" with \"reshard\" is not modelled");
  // The table is loaded insert by insert before t = 0 (about 50 ns each): a bound keeps that
  // under a few seconds and the index's pages within memory.
  if (d.rows > 50'000'000)
    p.fail("rows", "with \"storage\" the table is built insert by insert before the run: at most 50,000,000 rows");
  s.on = true;
  s.order = o->choice("key_order", "sequential", {"sequential", "random"}) == "random" ? KeyOrder::Random : KeyOrder::Sequential;
  // A record must fit twice in a page (InnoDB's limit of about half a page per row).
  s.row_bytes = static_cast<std::uint32_t>(o->integer("row_bytes", 200, 20, 8000));
  s.buffer_pool_mb = o->number("buffer_pool_mb", 128, 1, 1e7);
  s.page_read = o->distribution("page_read", Distribution::constant(from_seconds(500e-6)));
  s.page_write = o->distribution("page_write", Distribution::constant(from_seconds(50e-6)));
  s.old_blocks_time = o->duration("old_blocks_time", kSecond);
  s.parts = read_partition_params(*o);
  s.per_page = static_cast<std::uint32_t>((kPageBytes - kPageOverhead) / s.row_bytes);
  s.per_page_sequential = static_cast<std::uint32_t>((kPageBytes - kPageOverhead - kReserve) / s.row_bytes);
  s.pool_pages = static_cast<std::uint32_t>(s.buffer_pool_mb * 1024 * 1024 / kPageBytes);
  return s;
}

Storage::Storage(const StorageParams& sp, std::uint32_t shards, std::uint64_t rows, BuildContext& bc) : p_(sp) {
  shards_.reserve(shards);
  Rng load = bc.rng(0x5107);
  for (std::uint32_t s = 0; s < shards; ++s) {
    shards_.push_back(Shard{{}, BufferPool(p_.pool_pages, p_.old_blocks_time), bc.rng(0x5107'0000ULL + s), 0, {}});
    Shard& sh = shards_.back();
    const std::uint64_t mine = rows / shards + (s < rows % shards ? 1 : 0);
    // The partitions are loaded one after the other (a range's oldest period first), each in
    // the key order, with room for its loaded pages at half fill and as many again for the
    // run's inserts.
    std::size_t all_pages = 0;
    sh.parts.reserve(p_.parts.count);
    for (std::uint32_t q = 0; q < p_.parts.count; ++q) {
      sh.parts.push_back(Part{LeafLevel(p_.order, p_.per_page, p_.per_page_sequential), {}});
      Part& pt = sh.parts.back();
      const std::uint64_t n = loaded_rows(p_.parts, q, mine);
      const std::size_t pages = static_cast<std::size_t>(n / (p_.per_page / 2 + 1)) * 2 + 1024;
      pt.index.reserve(pages);
      pt.pool_id.reserve(pages);
      all_pages += pages;
      sh.pool.reserve(all_pages);
      for (std::uint64_t i = 0; i < n; ++i) {
        const LeafLevel::Insert ins = pt.index.insert(load, sh.split_rng);
        sh.pool.access(pool_id(sh, pt, ins.page), 0);
        if (ins.split) sh.pool.create(pool_id(sh, pt, ins.new_page), 0);
      }
      if (p_.parts.count > 1) sh.part_rows.append(n);
    }
  }
}

void Storage::register_figures(Figures& f) {
  splits_c_ = f.count("page_splits", "page_splits_rps");
  reads_c_ = f.count("page_reads", "page_reads_rps");
  writes_c_ = f.count("page_writes");
  f.ratio("buffer_pool_hit_ratio", &hits_c_, &accesses_c_);
  hits_c_ = f.count("buffer_pool_hits", "", Figures::Show::Never);
  accesses_c_ = f.count("buffer_pool_accesses", "", Figures::Show::Never);
  f.value("index_pages", [this] { return index_pages(); });
  f.value("fill_factor", [this] {
    double rows = 0, room = 0;
    for (const Shard& s : shards_)
      for (const Part& pt : s.parts) {
        rows += static_cast<double>(pt.index.rows());
        room += static_cast<double>(pt.index.pages()) * pt.index.per_page();
      }
    return room > 0 ? rows / room : 0;
  });
  f.value("index_mb", [this] { return index_pages() * static_cast<double>(kPageBytes) / (1024.0 * 1024.0); });
  f.value("buffer_pool_pages", [this] { return static_cast<double>(p_.pool_pages); });
  f.value("table_rows", [this] {
    double n = 0;
    for (const Shard& s : shards_)
      for (const Part& pt : s.parts) n += static_cast<double>(pt.index.rows());
    return n;
  });
  if (p_.parts.count > 1) {
    f.value("partitions", [this] { return static_cast<double>(p_.parts.count); });
    probes_c_ = f.count("partition_probes");
    unpruned_c_ = f.count("unpruned_reads");
  }
}

double Storage::index_pages() const {
  double n = 0;
  for (const Shard& s : shards_)
    for (const Part& pt : s.parts) n += pt.index.pages();
  return n;
}

std::uint32_t Storage::pool_id(Shard& sh, Part& pt, std::uint32_t leaf) {
  while (pt.pool_id.size() <= leaf) pt.pool_id.push_back(sh.pages++);  // leaves are made in order
  return pt.pool_id[leaf];
}

Time Storage::touch(Context& ctx, Shard& sh, std::uint32_t page, Rng& rng) {
  Metrics& m = ctx.metrics();
  m.add(accesses_c_);
  if (sh.pool.access(page, ctx.now())) {
    m.add(hits_c_);
    return 0;
  }
  m.add(reads_c_);
  return p_.page_read.sample_time(rng);
}

Time Storage::io(Context& ctx, std::uint32_t shard, bool insert_row, Rng& rng) {
  Shard& sh = shards_[shard];
  return insert_row ? insert(ctx, sh, rng) : read(ctx, sh, rng);
}

Time Storage::insert(Context& ctx, Shard& sh, Rng& rng) {
  Metrics& m = ctx.metrics();
  const std::uint32_t q = sh.parts.size() == 1 ? 0 : partition_of_insert(p_.parts, rng);
  if (sh.parts.size() > 1) sh.part_rows.add(q, 1);
  Part& pt = sh.parts[q];
  const LeafLevel::Insert ins = pt.index.insert(rng, sh.split_rng);
  Time t = touch(ctx, sh, pool_id(sh, pt, ins.page), rng);
  t += p_.page_write.sample_time(rng);
  m.add(writes_c_);
  if (ins.split) {
    // The new page is made in memory (no read), then written with its parent's new pointer.
    sh.pool.create(pool_id(sh, pt, ins.new_page), ctx.now());
    t += p_.page_write.sample_time(rng) + p_.page_write.sample_time(rng);
    m.add(writes_c_, 2);
    m.add(splits_c_);
  }
  return t;
}

// A point read of one existing row, drawn uniformly from the table: one probe of its
// partition's index, or of every partition's when the read cannot be pruned.
Time Storage::read(Context& ctx, Shard& sh, Rng& rng) {
  if (sh.parts.size() == 1) {
    Part& pt = sh.parts[0];
    if (pt.index.rows() == 0) return 0;
    return touch(ctx, sh, pt.pool_id[pt.index.page_of_random_row(rng)], rng);
  }
  const std::uint64_t rows = sh.part_rows.prefix(sh.parts.size());
  if (rows == 0) return 0;
  std::uint64_t offset = 0;
  const std::size_t q = sh.part_rows.find(rng.below(rows), offset);
  const double pruning = p_.parts.pruning;
  Metrics& m = ctx.metrics();
  if (pruning >= 1 || (pruning > 0 && rng.uniform() < pruning)) {
    m.add(probes_c_);
    Part& pt = sh.parts[q];
    return touch(ctx, sh, pt.pool_id[pt.index.page_of_random_row(rng)], rng);
  }
  m.add(unpruned_c_);
  Time t = 0;
  for (Part& pt : sh.parts) {
    if (pt.index.rows() == 0) continue;
    m.add(probes_c_);
    t += touch(ctx, sh, pt.pool_id[pt.index.page_of_random_row(rng)], rng);
  }
  return t;
}

}  // namespace archsim::database
