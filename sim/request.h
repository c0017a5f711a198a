// Requests and calls: the values that travel between components.
//
// A client creates a request (RequestInfo). Every hop is a call: the caller sends the
// request over a link, the callee answers with exactly one reply carrying a Status, and the
// reply travels back over the same link. Failures are data (a Status), not exceptions.
#pragma once
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "sim/time.h"

namespace archsim {

// How a call ended: a cause, a small number. The engine names its own below; families
// register theirs with Registry::add_cause (scenario/build.h), which hands out the next free
// value, and give each a name: summary.json reports every cause by name under
// requests.by_cause, in the order of their values.
enum class Status : std::uint8_t {
  Ok = 0,
  Timeout,      // the caller gave up waiting
  Rejected,     // a full queue answered 503
  Error,        // the callee or something it depends on failed (5xx)
  Unavailable,  // no ready instance / backend, or the target is down
  Dropped,      // in flight on an instance that was terminated or crashed
  Degraded,     // a substitute answer (a fallback's cached or default value): served, so it
                // counts as ok for availability, and is reported apart as requests.degraded
};
// Values below this are the engine's; registered causes follow.
inline constexpr int kFirstRegisteredCause = static_cast<int>(Status::Degraded) + 1;
// At most this many causes in all (outcome counters are fixed arrays of this size).
inline constexpr int kMaxCauses = 32;

// Whether a caller got an answer it can use: a full one, or a fallback's degraded one.
inline constexpr bool served(Status s) { return s == Status::Ok || s == Status::Degraded; }

// What a reply carries besides its Status: a 64-bit value and flag bits whose meaning the
// two ends agree on (a cache's hit or miss, a row found or not, a version, an offset, a
// stock level read). Families name their bits in models/contracts/result_flags.h; the
// engine only carries them. A timeout or a lost reply carries the empty result.
struct Result {
  std::uint64_t value = 0;
  std::uint32_t flags = 0;
  bool has(std::uint32_t bit) const { return (flags & bit) != 0; }
};

struct RequestInfo {
  std::uint64_t id = 0;        // unique per run: the client's request (attempts share it)
  std::uint64_t key = 0;       // the data key caches and shards use (0 when the route has none)
  std::uint64_t session = 0;   // client-side identity (user/connection) for affinity
  std::uint64_t txn = 0;       // transaction id (0: none): the writes of one transaction share it
  Time start = 0;              // when the client created the request
  Time deadline = kTimeMax;    // absolute time after which nobody waits for it
  std::uint16_t route = 0;     // index into the scenario's route-name table (at most 65,536 names)
  std::uint16_t visit = 0;     // which pass of a loop sends it (0 outside loops): keyed draws mix it in,
                               // so a station re-entered by the same request draws new work
  std::uint32_t client = 0;    // component index of the originating client
  std::uint32_t bytes = 0;     // payload size (cache memory, replication and egress volume)
  std::uint16_t attempt = 0;   // 0 for the first try, 1.. for retries
  std::uint16_t topic = 0;     // a sub-address at the callee (a queue's topic), 0 = its first
  bool has_key = false;
  bool write = false;          // the route writes (disk_full fails writes, replicas get them)
  bool send_only = false;      // a one-way message sent as a call because its sender must wait for
                               // room (models/contracts/capabilities.h, Backpressure): the callee
                               // answers once it holds the message, not when it is done with it
  bool cancel_at_deadline = false;  // the caller asks the callee to stop the work at `deadline` (gRPC's
                                    // deadline propagation, a driver's query cancel); without it the
                                    // callee runs the request to its end, as most databases do
  std::uint8_t hop = 0;        // this hop's own flags (Context::call's `hop`): set by the engine from the
                               // call that carries it, so a callee that forwards the request never passes
                               // them on; their meaning is the models' (models/contracts/hop_flags.h)
};
// Requests are copied into call records and between hops: they must stay plain values.
static_assert(std::is_trivially_copyable_v<RequestInfo>);

// Context::call's `from_instance` when the caller names no instance of itself. A replicated
// caller may say which of its instances makes a call (an opaque 32-bit value of its
// choosing, carried with the call, not with the request: the next hop does not inherit it);
// a callee that keeps state per calling instance reads it with Context::caller_instance.
inline constexpr std::uint32_t kNoInstance = ~0u;

}  // namespace archsim
