// Long-lived connections held by a service's instances (WebSocket, server-sent events): the
// state behind a service's "connections" block (connections.cpp says how they open, are held,
// close and drop). Private to the service family.
//
// Cost: opening, closing and dropping one connection is O(1) (a slot table, a hash map's
// node and a swap-remove from its instance's list); a message's instance is one hash lookup;
// an instance's crash walks its own connections once.
#pragma once
#include <cstdint>
#include <vector>

#include "lib/cache_store/key_map.h"

#include "sim/component.h"
#include "sim/continuation.h"
#include "sim/metrics.h"

namespace archsim::service_internal {

// One held connection: the caller's call, answered only when the connection ends.
struct HeldConnection {
  CallId call{};
  std::uint64_t key = 0;       // held_connection::key of its caller and session
  std::uint32_t instance = 0;  // the pool slot that holds it (every message of it goes there)
  std::uint32_t pos = 0;       // its place in Connections::by_instance[instance]
};

struct Connections {
  bool on = false;
  std::uint32_t route = 0;               // requests of this route open a connection
  std::uint64_t limit = UINT64_MAX;      // per instance, open and opening
  double memory_mb = 0;                  // per open connection
  std::uint16_t close_tag = 0;           // timer: a connection's end (data: held.payload)
  SlotTable<HeldConnection> held;
  std::vector<std::vector<std::uint32_t>> by_instance;  // per pool slot: its held connections
  std::vector<std::uint32_t> opening;                   // per pool slot: admitted, in set-up
  // held_connection::key(client, session) -> its entry in `held`: where a message on it goes.
  // Open addressing: no allocation once it has grown to the peak of open connections.
  // Reserved for 1,024 when the service holds connections (connections.cpp): every service
  // has this member, and 32 KB each was most of a service's memory before any request.
  cache::KeyMap by_key{0};
  std::uint64_t open = 0, peak = 0, peak_instance = 0;
  CounterId opened_c, refused_c, dropped_c, closed_c, messages_c, orphans_c;
  GaugeId open_g, busiest_g;
  std::vector<GaugeId> instance_g;  // per initial replica (at most kInstanceSeries)
  static constexpr std::uint32_t kInstanceSeries = 16;
};

}  // namespace archsim::service_internal
