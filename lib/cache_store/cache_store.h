// CacheStore: the contents of one cache node and its eviction policy, apart from any
// simulation (unit-testable on a plain key stream). Shared by the cache family (a Redis
// node) and the cdn family (a point of presence), hence in lib/.
//
// Policies, as named in the scenario:
//   lru          exact least-recently-used: an intrusive doubly linked list, a hit moves the
//                entry to the front, the victim is the tail. The list is built at the first
//                eviction: until then a hit only stamps the entry with the next tick, and the
//                list is those stamps in order (the same order the moves would have made).
//                A store that never fills (a key space smaller than its capacity) never
//                pays the random writes a move costs (its two neighbours and the old head);
//                the build is one sort of the entries, once per fill (and again after a
//                clear).
//   fifo         insertion order: the same list, hits do not move entries.
//   perfect_lfu  perfect LFU (Breslau et al., "Web Caching and Zipf-like Distributions",
//                INFOCOM 1999): lfu's heap, but a key's count is every reference since the
//                start, kept while it is out of the cache (history_), and a new key whose
//                count does not exceed the least-counted cached key's is not stored. Under
//                the independent reference model it holds the C most popular keys: its hit
//                ratio tends to the sum of their popularities, the bound in-cache lfu stays
//                below. The history grows with the keys seen (an allocation while it grows).
//   lfu          exact in-cache LFU: the victim has the fewest hits since it was inserted,
//                ties broken by least recent use (an indexed binary min-heap on (count, tick)).
//   random       a uniform victim among the entries.
//   sampled_lru  Redis's allkeys-lru (src/evict.c evictionPoolPopulate / performEvictions):
//                `samples` random keys per eviction feed a pool of the 16 best candidates
//                sorted by idle time; the victim is the pool's best whose key still exists.
//                Pool scores are those of the sampling time, as in Redis. With lru_clock
//                set, idle times are read off Redis's LRU clock (server.h LRU_CLOCK,
//                LRU_CLOCK_RESOLUTION 1000 ms; evict.c estimateObjectIdleTime): an access
//                stamps the key with the clock's whole ticks, idle = (ticks now - ticks then)
//                x resolution, so every key touched within one tick looks equally idle and a
//                tie keeps the pool's order (a newly sampled key goes before its equals).
//   sampled_ttl  Redis's volatile-ttl: the same pool, scored by the nearest expiry (evict.c).
//   sampled_lfu  Redis's allkeys-lfu: the same pool, scored 255 - counter, with Redis's 8-bit
//                logarithmic counter (LFULogIncr: incremented with probability
//                1 / ((counter - 5) * lfu_log_factor + 1), new keys start at 5) and its decay
//                (LFUDecrAndReturn: minus one per lfu_decay_time elapsed since the last access).
//   tinylfu      W-TinyLFU as Caffeine does it (caffeine/.../cache/BoundedLocalCache.java
//                setMaximumSize, onAccess, evictFromWindow, evictFromMain, admit; its
//                FrequencySketch in frequency_sketch.h): a window LRU of 1 % of the capacity
//                (capacity - floor(0.99 capacity), so at least one entry) in front of a main
//                segmented LRU whose protected segment holds at most 80 % of the main space.
//                New keys enter the window; the window's LRU entry, pushed out, goes to the
//                probation segment's MRU end as a candidate; while the store is over capacity
//                the candidate and the probation's LRU entry (the victim) are compared by the
//                sketch's frequency: the candidate stays only if it is strictly more frequent
//                (or, when its count is above 5, with probability 1/128: Caffeine's defence
//                against hash flooding), the loser is evicted. A probation hit moves the entry
//                to the protected segment, whose LRU entries are demoted to probation's MRU
//                end when it overflows. Every hit and every insert counts in the sketch.
// Simplifications: Caffeine's hill climber (which resizes the window from the hit rate) is
// not modelled: the window stays at 1 %; its eviction runs at once on the insert, not in a
// deferred maintenance task (so there is exactly one eviction per insert into a full store);
// tinylfu counts entries only (a byte capacity is refused by the callers). Redis's LRU clock
// ticks in seconds (24 bits, wrapping after 194 days) and its LFU clock in minutes (16 bits,
// wrapping); here idle times are exact in ns unless lru_clock is set (then whole ticks of
// simulated time, no wrap, no lag: Redis refreshes its cached clock in serverCron, 10 times a
// second), and the LFU clock is in whole minutes of simulated time without wrap. Samples are drawn with replacement (Redis's dictGetSomeKeys
// walks buckets). Expired entries are evicted like any other (allkeys-*, not volatile-*).
//
// Capacity in entries and optionally in bytes (the entry's payload size): an insert evicts
// until both fit; an entry larger than capacity_bytes alone is not stored.
// Cost: find O(1) (KeyMap); hit and insert O(1) for lru/fifo/random, O(log n) for lfu and perfect_lfu,
// O(samples + 16) for the sampled policies. Memory (footprint(): about 105 bytes an entry,
// 99 measured as peak RSS per entry of 1 and 2 million) is reserved for `capacity` entries
// at the first insert, not at construction: building a scenario (`archsim validate`) must
// not allocate what only a run fills, and a scenario too large is refused before the run
// from footprint(). No allocation after the first insert.
//
// Files: entry.h (the configuration and the entry), this one (the store: lookups, inserts,
// erasure, lru/fifo lists), lfu_heap.h (lfu's victim heap), redis_pool.h (the sampled
// policies' pool and Redis's LFU counter), tinylfu.h (W-TinyLFU's segments and admission).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "lib/cache_store/entry.h"
#include "lib/cache_store/frequency_sketch.h"
#include "lib/cache_store/key_map.h"
#include "sim/huge_pages.h"
#include "sim/random.h"

namespace archsim::cache {

class CacheStore {
 public:
  static constexpr std::uint32_t kNone = KeyMap::kNone;
  static constexpr std::uint8_t kLfuInitVal = 5;  // Redis LFU_INIT_VAL
  static constexpr int kPoolSize = 16;            // Redis EVPOOL_SIZE

  // tinylfu inserts before it evicts (as Caffeine), so it holds one entry above capacity.
  CacheStore(const StoreConfig& c, std::uint64_t seed) : cfg_(c), rng_(seed), sketch_(0) {
    window_max_ = c.capacity - static_cast<std::uint32_t>(0.99 * c.capacity);
    protected_max_ = static_cast<std::uint32_t>(0.8 * (c.capacity - window_max_));
  }

  // The bytes a store of `c` holds once it has its first entry: the entries, the dense and
  // free lists, the key map, lfu's heap and tinylfu's sketch.
  static std::uint64_t footprint(const StoreConfig& c) {
    const std::uint64_t slots = slots_for(c);
    std::uint64_t b = slots * (sizeof(Entry) + 2 * sizeof(std::uint32_t)) + KeyMap::bytes_for(slots);
    if (heap_policy(c.eviction)) b += std::uint64_t{c.capacity} * sizeof(std::uint32_t);
    if (c.eviction == Eviction::TinyLfu) b += FrequencySketch::bytes_for(c.capacity);
    return b;
  }

  std::size_t size() const { return dense_.size(); }
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t evictions() const { return evictions_; }
  const StoreConfig& config() const { return cfg_; }

  std::uint32_t find(std::uint64_t key) const { return map_.find(key); }
  // A find of `key` will follow (KeyMap::prefetch): nothing changes.
  void prefetch(std::uint64_t key) const { map_.prefetch(key); }
  Entry& at(std::uint32_t slot) { return entries_[slot]; }
  const Entry& at(std::uint32_t slot) const { return entries_[slot]; }

  // A read that found the entry.
  void touch(std::uint32_t s, Time now) {
    Entry& e = entries_[s];
    switch (cfg_.eviction) {
      case Eviction::Lru:
        if (stamped_only(e)) break;
        unlink(s);
        push_front(s);
        break;
      case Eviction::TinyLfu:
        sketch_.increment(e.key);
        tiny_access(s);
        break;
      case Eviction::Lfu:
      case Eviction::PerfectLfu:
        ++e.count;
        e.tick = ++tick_;
        sift_down(e.heap);
        break;
      case Eviction::SampledLru: e.last_access = now; break;
      case Eviction::SampledLfu: {
        std::uint8_t c = lfu_decr_and_return(e, now);
        e.lfu_counter = lfu_log_incr(c);
        e.lfu_minutes = minutes(now);
        break;
      }
      case Eviction::Fifo:
      case Eviction::Random:
      case Eviction::SampledTtl: break;
    }
  }

  // Whether put(key, bytes) would need no eviction: Redis's noeviction answers a write that
  // needs memory with an error instead of storing it.
  bool fits(std::uint64_t key, std::uint32_t bytes) const {
    const std::uint32_t s = map_.find(key);
    const std::uint64_t after = bytes_ + bytes - (s != kNone ? entries_[s].bytes : 0);
    if (cfg_.capacity_bytes > 0 && after > cfg_.capacity_bytes) return false;
    return s != kNone || dense_.size() < cfg_.capacity;
  }

  // Stores `key` (an overwrite counts as an access and keeps the entry's place). Evicts
  // until it fits; returns its slot, or kNone when it is larger than capacity_bytes alone.
  std::uint32_t put(std::uint64_t key, std::uint32_t bytes, Time now) {
    if (cfg_.capacity_bytes > 0 && bytes > cfg_.capacity_bytes) {
      std::uint32_t old = map_.find(key);
      if (old != kNone) erase(old);
      return kNone;
    }
    std::uint32_t s = map_.find(key);
    if (s != kNone) {
      touch(s, now);
      bytes_ -= entries_[s].bytes;
      entries_[s].bytes = bytes;
      bytes_ += bytes;
      while (cfg_.capacity_bytes > 0 && bytes_ > cfg_.capacity_bytes) evict_one(now, s);
      return s;
    }
    if (entries_.empty()) [[unlikely]]
      allocate();
    std::uint64_t count = 1;
    if (cfg_.eviction == Eviction::PerfectLfu) {
      count = 1 + past_references(key);
      // Perfect LFU admits a newcomer only over a less-referenced entry (ties keep the entry).
      if (dense_.size() >= cfg_.capacity && !heap_.empty() && count <= entries_[heap_[0]].count) {
        remember(key, count);
        return kNone;
      }
      history_.erase(key);
    }
    if (cfg_.eviction != Eviction::TinyLfu)
      while (dense_.size() >= cfg_.capacity || (cfg_.capacity_bytes > 0 && bytes_ + bytes > cfg_.capacity_bytes))
        evict_one(now, kNone);
    s = free_.back();
    free_.pop_back();
    Entry& e = entries_[s];
    e = Entry{};
    e.key = key;
    e.bytes = bytes;
    bytes_ += bytes;
    e.dense = static_cast<std::uint32_t>(dense_.size());
    dense_.push_back(s);
    map_.put(key, s);
    switch (cfg_.eviction) {
      case Eviction::Lru:
        if (stamped_only(e)) break;
        [[fallthrough]];
      case Eviction::Fifo: push_front(s); break;
      case Eviction::Lfu:
      case Eviction::PerfectLfu:
        e.count = count;
        e.tick = ++tick_;
        e.heap = static_cast<std::uint32_t>(heap_.size());
        heap_.push_back(s);
        sift_up(e.heap);
        break;
      case Eviction::SampledLru: e.last_access = now; break;
      case Eviction::SampledLfu:
        e.lfu_counter = kLfuInitVal;
        e.lfu_minutes = minutes(now);
        break;
      case Eviction::Random:
      case Eviction::SampledTtl: break;
      case Eviction::TinyLfu:
        sketch_.increment(key);
        push_front(s, kWindow);
        tiny_evict();
        return map_.find(key);  // kNone when the new entry itself lost the admission
    }
    return s;
  }

  void erase(std::uint32_t s) {
    Entry& e = entries_[s];
    map_.erase(e.key);
    bytes_ -= e.bytes;
    switch (cfg_.eviction) {
      case Eviction::Lru:
        if (!list_built_) break;
        [[fallthrough]];
      case Eviction::Fifo:
      case Eviction::TinyLfu: unlink(s); break;
      case Eviction::Lfu: heap_remove(e.heap); break;
      case Eviction::PerfectLfu:
        heap_remove(e.heap);
        remember(e.key, e.count);
        break;
      default: break;
    }
    std::uint32_t last = dense_.back();
    dense_[e.dense] = last;
    entries_[last].dense = e.dense;
    dense_.pop_back();
    free_.push_back(s);
  }

  // Drops everything (a crash: the node restarts cold, its frequency history too).
  void clear() {
    while (!dense_.empty()) erase(dense_.back());
    pool_n_ = 0;
    sketch_.clear();
    history_.clear();
    list_built_ = cfg_.eviction != Eviction::Lru;  // empty: lru is lazy again until it fills
  }

  // tinylfu's sketch and segment sizes (for tests).
  const FrequencySketch& sketch() const { return sketch_; }
  std::uint32_t segment_size(Region r) const { return len_[r]; }
  std::uint32_t window_max() const { return window_max_; }
  std::uint32_t protected_max() const { return protected_max_; }
  Region region_of(std::uint32_t slot) const { return static_cast<Region>(entries_[slot].region); }

  // The victim the policy would evict now (for tests); kNone when empty.
  std::uint32_t victim(Time now) { return pick_victim(now); }

  // Redis's LFUDecrAndReturn: the counter less one per decay period since the last access.
  std::uint8_t lfu_decr_and_return(const Entry& e, Time now) const;
  // Redis's LFULogIncr.
  std::uint8_t lfu_log_incr(std::uint8_t counter);

 private:
  static bool heap_policy(Eviction e) { return e == Eviction::Lfu || e == Eviction::PerfectLfu; }
  // perfect_lfu's references to a key while it was out of the cache (saturating at 2^32 - 2).
  std::uint64_t past_references(std::uint64_t key) const {
    const std::uint32_t c = history_.find(key);
    return c == kNone ? 0 : c;
  }
  void remember(std::uint64_t key, std::uint64_t count) {
    history_.put(key, static_cast<std::uint32_t>(std::min<std::uint64_t>(count, kNone - 1)));
  }
  static std::uint64_t minutes(Time t) { return static_cast<std::uint64_t>(t / (60 * kSecond)); }
  // tinylfu inserts before it evicts (as Caffeine), so it holds one entry above capacity.
  static std::uint32_t slots_for(const StoreConfig& c) { return c.capacity + (c.eviction == Eviction::TinyLfu); }

  // The first insert's reservation (see the header): every structure at its full size.
  [[gnu::cold]] void allocate() {
    const std::uint32_t slots = slots_for(cfg_);
    map_.reserve(slots);
    entries_.resize(slots);
    dense_.reserve(slots);
    free_.reserve(slots);
    for (std::uint32_t i = slots; i > 0; --i) free_.push_back(i - 1);
    if (heap_policy(cfg_.eviction)) heap_.reserve(cfg_.capacity);
    if (cfg_.eviction == Eviction::TinyLfu) sketch_ = FrequencySketch(cfg_.capacity);
  }

  void evict_one(Time now, std::uint32_t keep) {
    std::uint32_t v = pick_victim(now);
    if (v == keep) {
      // Only possible with a byte limit on an overwrite: evict the next one instead.
      if (dense_.size() <= 1) return;
      v = dense_[entries_[keep].dense == 0 ? 1 : 0];
    }
    if (v == kNone) return;
    erase(v);
    ++evictions_;
  }

  std::uint32_t pick_victim(Time now) {
    if (dense_.empty()) return kNone;
    switch (cfg_.eviction) {
      case Eviction::Lru:
        if (!list_built_) build_list();
        [[fallthrough]];
      case Eviction::Fifo: return tail_[kWindow];
      case Eviction::Lfu:
      case Eviction::PerfectLfu: return heap_[0];
      case Eviction::Random: return dense_[rng_.below(dense_.size())];
      case Eviction::SampledLru:
      case Eviction::SampledLfu:
      case Eviction::SampledTtl: return pool_victim(now);
      case Eviction::TinyLfu:  // the entry evictFromMain would compare a candidate with
        for (Region r : {kProbation, kProtected, kWindow})
          if (tail_[r] != kNone) return tail_[r];
        return kNone;
    }
    return kNone;
  }

  // ---- W-TinyLFU (Caffeine BoundedLocalCache) ----
  void tiny_access(std::uint32_t s);
  // Caffeine's admit(candidate, victim).
  bool admit(std::uint64_t candidate, std::uint64_t victim);
  void evict_tiny(std::uint32_t s);
  // evictFromWindow then evictFromMain, after an insert. The list ends: tail = LRU (Caffeine's
  // first), head = MRU (its last); the candidates pushed out of the window are at probation's
  // MRU end, the victim at its LRU end.
  void tiny_evict();

  // ---- Redis eviction pool (src/evict.c) ----
  struct PoolItem {
    std::uint64_t key;
    std::uint64_t score;  // idle ns (lru), 255 - counter (lfu), time to expiry's complement (ttl): higher is evicted first
  };
  std::uint64_t score(const Entry& e, Time now) const;
  void pool_populate(Time now);
  std::uint32_t pool_victim(Time now);
  // lru before its first eviction: an access stamps the entry instead of moving it (true).
  bool stamped_only(Entry& e);
  // lru: the list the moves would have made, from the entries' last-access ticks (unique).
  void build_list();

  // ---- intrusive lists, head = most recent (lru, fifo: one list; tinylfu: one a segment) ----
  void push_front(std::uint32_t s, Region r = kWindow) {
    Entry& e = entries_[s];
    e.region = r;
    e.link.prev = kNone;
    e.link.next = head_[r];
    if (head_[r] != kNone) entries_[head_[r]].link.prev = s;
    head_[r] = s;
    if (tail_[r] == kNone) tail_[r] = s;
    ++len_[r];
  }
  void unlink(std::uint32_t s) {
    Entry& e = entries_[s];
    const Region r = static_cast<Region>(e.region);
    if (e.link.prev != kNone) entries_[e.link.prev].link.next = e.link.next;
    else head_[r] = e.link.next;
    if (e.link.next != kNone) entries_[e.link.next].link.prev = e.link.prev;
    else tail_[r] = e.link.prev;
    e.link.prev = e.link.next = kNone;
    --len_[r];
  }

  // ---- indexed min-heap on (count, tick) (lfu) ----
  bool less(std::uint32_t a, std::uint32_t b) const;
  void place(std::uint32_t i, std::uint32_t s);
  void sift_up(std::uint32_t i);
  void sift_down(std::uint32_t i);
  void heap_remove(std::uint32_t i);

  StoreConfig cfg_;
  KeyMap map_;
  Rng rng_;
  std::vector<Entry, HugePageAllocator<Entry>> entries_;
  std::vector<std::uint32_t> dense_, free_, heap_;
  FrequencySketch sketch_;
  KeyMap history_;  // perfect_lfu: key -> references, for keys not in the cache
  std::uint32_t head_[3] = {kNone, kNone, kNone}, tail_[3] = {kNone, kNone, kNone}, len_[3] = {0, 0, 0};
  std::uint32_t window_max_ = 0, protected_max_ = 0;
  std::uint64_t tick_ = 0, bytes_ = 0, evictions_ = 0;
  bool list_built_ = cfg_.eviction != Eviction::Lru;  // lru: false until the first eviction
  PoolItem pool_[kPoolSize]{};
  int pool_n_ = 0;
};

}  // namespace archsim::cache

// The member functions of one job each, defined out of the class.
#include "lib/cache_store/lfu_heap.h"
#include "lib/cache_store/redis_pool.h"
#include "lib/cache_store/tinylfu.h"
