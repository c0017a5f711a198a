// sim/huge_pages.h: blocks of every size are usable and released with std::free, and a
// vector on HugePageAllocator grows through the huge-page threshold keeping its contents.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
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
