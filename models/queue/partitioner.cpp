#include "models/queue/partitioner.h"

namespace archsim::queue {

std::int32_t murmur2(const unsigned char* data, std::size_t n) {
  // Unsigned 32-bit arithmetic wraps as Java's int does; shifts are logical (Java's >>>).
  constexpr std::uint32_t kSeed = 0x9747b28cu, kM = 0x5bd1e995u;
  constexpr int kR = 24;
  std::uint32_t h = kSeed ^ static_cast<std::uint32_t>(n);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {  // little-endian 4-byte words
    std::uint32_t k = std::uint32_t{data[i]} | std::uint32_t{data[i + 1]} << 8 | std::uint32_t{data[i + 2]} << 16 |
                      std::uint32_t{data[i + 3]} << 24;
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  const std::size_t rest = n - i;
  if (rest >= 3) h ^= std::uint32_t{data[i + 2]} << 16;
  if (rest >= 2) h ^= std::uint32_t{data[i + 1]} << 8;
  if (rest >= 1) {
    h ^= std::uint32_t{data[i]};
    h *= kM;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);
}

std::uint32_t partition_for_key(std::uint64_t key, std::uint32_t partitions) {
  unsigned char text[20];  // 2^64 - 1 has 20 digits
  std::size_t n = 0;
  do {
    text[n++] = static_cast<unsigned char>('0' + key % 10);
    key /= 10;
  } while (key > 0);
  for (std::size_t a = 0, b = n - 1; a < b; ++a, --b) {
    unsigned char t = text[a];
    text[a] = text[b];
    text[b] = t;
  }
  return to_positive(murmur2(text, n)) % partitions;
}

}  // namespace archsim::queue
