// sim/huge_pages.h: blocks of every size are usable and released with std::free, a vector on
// HugePageAllocator grows through the huge-page threshold keeping its contents and its
// records' alignment, and the kernel records the advice for a large block's whole huge pages
// (not for a small block).
#include <doctest/doctest.h>

#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/huge_pages.h"

using namespace archsim;

TEST_CASE("alloc_maybe_huge: small, exactly one huge page and larger blocks are writable and freed") {
  for (std::size_t bytes : {std::size_t{0}, std::size_t{64}, kHugePageBytes - 1, kHugePageBytes,
                            3 * kHugePageBytes + 12345}) {
    CAPTURE(bytes);
    auto* p = static_cast<unsigned char*>(alloc_maybe_huge(bytes));
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t) == 0);
    if (bytes) {
      std::memset(p, 0xab, bytes);
      CHECK(p[0] == 0xab);
      CHECK(p[bytes - 1] == 0xab);
    }
    std::free(p);
  }
}

TEST_CASE("HugePageAllocator: a vector keeps its values while it grows past a huge page") {
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> v;
  const std::size_t n = 3 * kHugePageBytes / sizeof(std::uint64_t);
  for (std::size_t i = 0; i < n; ++i) v.push_back(i * 0x9e3779b97f4a7c15ULL);
  bool same = true;
  for (std::size_t i = 0; i < n; ++i) same = same && v[i] == i * 0x9e3779b97f4a7c15ULL;
  CHECK(same);
  auto copy = v;
  CHECK(copy == v);
}

TEST_CASE("alloc_maybe_huge: a block asked for with a cache line's alignment starts on a line") {
  // Large blocks come from mmap at a page plus malloc's 16-byte header: not on a line unless
  // asked. Sizes that are not a multiple of the alignment are rounded up inside.
  for (std::size_t bytes : {std::size_t{1}, std::size_t{100}, 3 * kHugePageBytes + 12345}) {
    CAPTURE(bytes);
    auto* p = static_cast<unsigned char*>(alloc_maybe_huge(bytes, 64));
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % 64 == 0);
    std::memset(p, 0xcd, bytes);
    CHECK(p[bytes - 1] == 0xcd);
    std::free(p);
  }
  struct alignas(64) Line {
    std::uint64_t v[8];
  };
  std::vector<Line, HugePageAllocator<Line>> lines;
  for (std::uint64_t i = 0; i < 3 * kHugePageBytes / sizeof(Line); ++i) {
    lines.push_back(Line{{i}});
    if (reinterpret_cast<std::uintptr_t>(lines.data()) % 64 != 0) FAIL("the table moved off a line at ", i);
  }
  CHECK(lines.back().v[0] == lines.size() - 1);
}

namespace {
// Whether the mapping that holds `addr` carries the huge-page advice ("hg" among the VmFlags
// of /proc/self/smaps, Linux's record of MADV_HUGEPAGE).
bool advised_huge(const void* addr) {
  std::ifstream smaps("/proc/self/smaps");
  const auto a = reinterpret_cast<std::uintptr_t>(addr);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') inside = lo <= a && a < hi;
    else if (inside && line.rfind("VmFlags:", 0) == 0) return line.find(" hg") != std::string::npos;
  }
  return false;
}
}  // namespace

TEST_CASE("alloc_maybe_huge: the whole huge pages of a large block are advised, a small block is not") {
  // Only where the kernel takes the advice at all (THP built in); elsewhere there is nothing
  // to see and the blocks simply stay on small pages.
  void* probe = std::aligned_alloc(kHugePageBytes, kHugePageBytes);
  REQUIRE(probe != nullptr);
  const bool kernel_takes_it = madvise(probe, kHugePageBytes, MADV_HUGEPAGE) == 0;
  std::free(probe);
  if (!kernel_takes_it) return;
  auto* big = static_cast<unsigned char*>(alloc_maybe_huge(5 * kHugePageBytes));
  const auto b = reinterpret_cast<std::uintptr_t>(big);
  const std::uintptr_t first = (b + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  CHECK(advised_huge(reinterpret_cast<void*>(first)));
  CHECK(advised_huge(reinterpret_cast<void*>(first + 2 * kHugePageBytes)));
  std::free(big);
  void* small = alloc_maybe_huge(4096);
  CHECK_FALSE(advised_huge(small));
  std::free(small);
}
