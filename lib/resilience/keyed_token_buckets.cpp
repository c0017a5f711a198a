#include "lib/resilience/keyed_token_buckets.h"

#include <cmath>

namespace archsim::resilience {

KeyedTokenBuckets::KeyedTokenBuckets(const TokenBucketParams& params, std::uint32_t max_keys)
    : p_(params),
      refill_full_(static_cast<Time>(std::ceil(static_cast<double>(params.burst) / params.rate * 1e9))),
      entries_(max_keys, Entry{0, TokenBucket(params, 0), 0, kNone, kNone}),
      index_(max_keys) {}

void KeyedTokenBuckets::unlink(std::uint32_t s) {
  Entry& e = entries_[s];
  if (e.prev != kNone) entries_[e.prev].next = e.next;
  else head_ = e.next;
  if (e.next != kNone) entries_[e.next].prev = e.prev;
  else tail_ = e.prev;
  e.prev = e.next = kNone;
}

void KeyedTokenBuckets::push_front(std::uint32_t s) {
  Entry& e = entries_[s];
  e.prev = kNone;
  e.next = head_;
  if (head_ != kNone) entries_[head_].prev = s;
  head_ = s;
  if (tail_ == kNone) tail_ = s;
}

bool KeyedTokenBuckets::try_acquire(std::uint64_t key, Time now) {
  std::uint32_t s = index_.find(key);
  if (s == cache::KeyMap::kNone) {
    if (used_ < entries_.size()) {
      s = used_++;
    } else {  // the least recently seen key gives up its slot
      s = tail_;
      ++evictions_;
      if (now - entries_[s].last < refill_full_) ++early_;
      index_.erase(entries_[s].key);
      unlink(s);
    }
    entries_[s].key = key;
    entries_[s].bucket = TokenBucket(p_, now);
    index_.put(key, s);
    push_front(s);
  } else if (s != head_) {
    unlink(s);
    push_front(s);
  }
  entries_[s].last = now;
  return entries_[s].bucket.try_acquire(now);
}

}  // namespace archsim::resilience
