// Large, randomly addressed arrays on transparent huge pages (2 MiB instead of 4 KiB).
//
// A run's big tables (cache entries and their key maps, the write ledgers, the call records,
// the jobs) are read at random places: with 4 KiB pages nearly every such read also misses
// the TLB and walks the page table. The scheduler's buckets are not among them: they are
// read in order, and zeroing whole huge pages of their unwritten capacity cost more than it
// saved (sim/scheduler.h). Linux backs memory with huge pages only where the process asks
// (madvise) when the system's THP mode is "madvise", the default of several distributions;
// where it is "always" this changes nothing, where "never", nothing either.
//
// alloc_maybe_huge(bytes, align): malloc (aligned_alloc when `align` is more than malloc
// gives: a table of records aligned to cache lines), then the whole 2 MiB pages inside the
// block are advised MADV_HUGEPAGE (a block under 4 MiB may hold none). The block is not
// aligned to a huge page: tables that all began on a 2 MiB boundary would all begin in the
// same sets of the CPU's caches. Released with std::free; throws std::bad_alloc when memory
// is refused. A huge page is resident whole once any byte of it is written, so a table's
// unwritten capacity may cost up to 2 MiB of resident memory more than with small pages.
// HugePageAllocator<T> is a std::allocator for std::vector of such tables.
// Measured (paired, one core): the March 2020 microservices to 10 h 0.975 of the time; the
// spike day to 10 h 0.990 (within the noise). Blocks aligned to huge pages gave 0.946 and
// 1.044.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>

namespace archsim {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

void* alloc_maybe_huge(std::size_t bytes, std::size_t align = alignof(std::max_align_t));

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(alloc_maybe_huge(n * sizeof(T), alignof(T))); }
  void deallocate(T* p, std::size_t) { std::free(p); }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
};

}  // namespace archsim
