// A cache node's configuration and entry layout (CacheStore in cache_store.h describes the
// policies): the eviction names, W-TinyLFU's segments, the store's limits and the one-cache-line
// entry every policy shares.
#pragma once
#include <cstdint>

#include "lib/cache_store/key_map.h"
#include "sim/time.h"

namespace archsim::cache {

enum class Eviction : std::uint8_t { Lru, Lfu, Fifo, Random, SampledLru, SampledLfu, TinyLfu, SampledTtl, PerfectLfu };

// W-TinyLFU's segments (Entry::region); lru and fifo keep their one list as kWindow.
enum Region : std::uint8_t { kWindow = 0, kProbation = 1, kProtected = 2 };

struct StoreConfig {
  Eviction eviction = Eviction::Lru;
  std::uint32_t capacity = 1000;    // entries, >= 1
  std::uint64_t capacity_bytes = 0;  // 0 = no byte limit
  std::uint32_t samples = 5;
  double lfu_log_factor = 10;       // Redis lfu-log-factor
  Time lfu_decay = 60 * kSecond;    // Redis lfu-decay-time (1 minute); 0 = no decay
  Time lru_clock = 0;               // sampled_lru: Redis's LRU clock tick (1 s); 0 = exact idle times
};

// One cache line, aligned to one (the table's allocator honours alignas): a get reads the
// expiry and version and an lru hit moves the entry by its links, so every field a lookup and
// a hit touch is in the one line the lookup missed. The per-policy state shares its bytes
// where no policy uses both: the list links (lru, fifo, tinylfu) with lfu's hit count, and the
// access stamp (lru before its list is built, lfu's tie-break) with sampled_lru's last access
// and sampled_lfu's minutes. Each policy writes its own members before it reads them.
struct alignas(64) Entry {
  struct Links {
    std::uint32_t prev = KeyMap::kNone, next = KeyMap::kNone;
  };
  std::uint64_t key = 0;
  Time read_at = 0;   // when the value was read from its source (its version)
  Time expiry = kTimeMax;
  Time delta = 0;     // how long its recomputation took (XFetch's delta)
  std::uint32_t bytes = 0;
  std::uint32_t dense = 0;  // index in the dense array
  union {
    Links link{};         // lru / fifo list, tinylfu segment lists
    std::uint64_t count;  // exact lfu: hits since inserted; perfect_lfu: references since the start
  };
  union {
    std::uint64_t tick = 0;     // exact lfu; lru: its last access, until the list is built
    Time last_access;           // sampled_lru
    std::uint64_t lfu_minutes;  // sampled_lfu (Redis ldt)
  };
  std::uint32_t heap = 0;           // lfu heap index
  std::uint8_t lfu_counter = 0;     // sampled_lfu (Redis counter)
  std::uint8_t region = kWindow;    // tinylfu segment
};
static_assert(sizeof(Entry) == 64, "a cache entry is one cache line");

}  // namespace archsim::cache
