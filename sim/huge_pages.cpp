#include "sim/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>

namespace archsim {

void* alloc_maybe_huge(std::size_t bytes, std::size_t align) {
  if (bytes == 0) bytes = 1;
  // aligned_alloc wants a size that is a multiple of the alignment.
  void* p = align <= alignof(std::max_align_t) ? std::malloc(bytes)
                                               : std::aligned_alloc(align, (bytes + align - 1) / align * align);
  if (!p) throw std::bad_alloc();
  // The whole huge pages inside the block (not an aligned block: see the header).
  const auto begin = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t first = (begin + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHugePageBytes - 1);
  // Advice only: a kernel without THP (or in mode "never") refuses it, and the block stays
  // on small pages.
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  return p;
}

}  // namespace archsim
