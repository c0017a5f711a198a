// The store's state and handlers (one class; its files each hold one job: store.cpp builds,
// describes and reports, requests.cpp serves reads and writes with read repair, nodes.cpp
// takes nodes down and up and keeps and replays hints). Contracts in kv_store.h.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lib/cache_store/key_map.h"
#include "models/contracts/capabilities.h"
#include "models/kv_store/ring.h"
#include "scenario/build.h"
#include "sim/distribution.h"
#include "sim/figures.h"
#include "sim/page_section.h"
#include "sim/random.h"

namespace archsim::kv_store {

inline constexpr std::uint32_t kMaxReplicas = 9;

// A data centre of a store spread over regions (NetworkTopologyStrategy).
struct Dc {
  std::string name;  // its region
  std::uint32_t nodes = 3, replication_factor = 3;
};

// The store's parameters as the scenario gives them (store.cpp reads them; the per-route
// levels are the store's route_level_).
struct StoreParams {
  std::uint32_t nodes = 3, replication_factor = 3, vnodes = 16;
  Level read = Level::One, write = Level::One;
  Distribution network = Distribution::constant(0.25 * kMillisecond);  // one way, coordinator <-> replica
  Distribution read_time = Distribution::exponential(1 * kMillisecond);
  Distribution write_time = Distribution::exponential(1 * kMillisecond);
  bool read_repair = true, hinted_handoff = true, sloppy_quorum = false;
  Time max_hint_window = 3 * kHour;
  Time restart_time = 30 * kSecond;  // a crashed node's time back
  std::vector<Dc> dcs;               // none: one data centre of `nodes`
};

enum Tag : std::uint16_t {
  kReplicaRead = 1,  // data: op | contacted index << 32 (a replica reads its version)
  kReadDone,         // data: op (the last of the R answers is in)
  kApply,            // data: op | replica position << 32 (a write's mutation applies)
  kRepairApply,      // data: op | replica position << 32 (a read repair's mutation applies)
  kWriteAck,         // data: op (the W-th acknowledgement is in)
  kRepairDone,       // data: op (the read repair's writes are acknowledged)
  kRestart,          // data: node | generation << 8
  kHintReplay,       // data: node | generation << 8
};

// What the page shows of a store (page.cpp).
void declare_page(PageSection& page);

struct Hint {
  std::uint32_t key = 0;  // key index
  std::uint8_t pos = 0;   // the replica's position in the key's list
  std::uint64_t version = 0;
};

struct Node {
  bool up = true;
  Time down_since = 0;
  std::uint32_t gen = 0;     // cancels a restart or a hint replay of an earlier state
  std::vector<Hint> hints;   // kept for it while it is down
};

// One read or write from the coordinator's arrival to its last event.
struct Op {
  CallId call{};
  Time start = 0;
  std::uint32_t key = 0;  // key index
  std::uint64_t version = 0;  // a write's own; a read's required (newest acknowledged at its start)
  std::uint64_t best = 0;     // a read: the newest version answered
  std::uint64_t seen[kMaxReplicas] = {};
  std::uint8_t contacted[kMaxReplicas] = {};  // a read: the list positions asked
  std::uint8_t n = 0;                         // a read: how many asked
  std::uint8_t pending = 0;                   // timers still to come for it
  Level level = Level::One;
  std::uint8_t dc = 0;  // the coordinator's data centre
  bool write = false, replied = false, busy = false;
};

class Store final : public Component, public HasCapabilities, public Crashable {
 public:
  Store(Params& p, BuildContext& bc);
  Capabilities capabilities() override;
  // With data centres: the one-way latency between them (network.regions), and each
  // caller's centre (its region's, else the first), which coordinates its requests.
  void connect(ConnectContext& cc) override;
  void start(Context& ctx) override;
  void on_request(Context& ctx, CallId call) override;
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override;
  void finish(Context& ctx, ComponentReport& r) override;
  // For `archsim analyze`: `nodes` instances taking every request at once (M/G/inf), each
  // held for the mean of a read at its level (the largest of R round trips) and of a write
  // (the W-th of N), weighted by nothing: the larger of the two. Data centres' hops are
  // left out (as if every replica were local).
  void describe(Description& d) const override;

  // ---- Crashable (nodes.cpp): slots are nodes ----
  std::uint32_t crash(Context& ctx, std::uint32_t count) override;
  std::uint32_t instance_slots() const override { return p_.nodes; }
  bool fail_instance(Context& ctx, std::uint32_t slot) override;
  void repair_instance(Context& ctx, std::uint32_t slot) override;
  ReadyHistory ready_history(Time now, Time warmup) const override;
  Time crash_over(Time at, Time now) const override;

 private:
  // requests.cpp
  void read(Context& ctx, CallId call, std::uint32_t key, std::uint32_t range, Level level, std::uint32_t dc);
  void write(Context& ctx, CallId call, std::uint32_t key, std::uint32_t range, Level level, std::uint32_t dc);
  void read_done(Context& ctx, std::uint32_t slot);
  void answer_read(Context& ctx, std::uint32_t slot);
  void write_acked(Context& ctx, std::uint32_t slot);
  void unavailable(Context& ctx, CallId call, bool write);
  void apply(std::uint32_t key, std::uint32_t pos, std::uint64_t version);
  // The positions a request at `level` coordinated in centre `dc` may use, live ones only:
  // those of the centre first (a snitch's order), then the others; returns how many, and
  // in `local` how many of them are the centre's.
  std::uint32_t targets(std::uint32_t range, Level level, std::uint32_t dc, std::uint8_t* out, std::uint32_t& local) const;
  std::uint32_t needs(Level level, std::uint32_t dc) const {
    return block_for(level, is_local(level) ? dc_rf_[dc] : p_.replication_factor);
  }
  Time hop(std::uint32_t dc, std::uint32_t pos) const { return dc_hop_[dc * dc_rf_.size() + pos_dc_[pos]]; }
  std::uint32_t key_index(std::uint64_t key);
  std::uint32_t new_op(Context& ctx, CallId call, std::uint32_t key);  // a fresh op for `call`, started now
  void release(std::uint32_t slot);  // one timer of the op is done
  // nodes.cpp
  void take_down(Context& ctx, std::uint32_t node);
  void bring_up(Context& ctx, std::uint32_t node);
  void hint(Context& ctx, std::uint32_t node, std::uint32_t key, std::uint32_t pos, std::uint64_t version);
  void replay_hints(Context& ctx, std::uint32_t node, std::uint32_t gen);
  void note_up_count(Context& ctx);
  Time net() { return p_.network.sample_time(rng_); }

  StoreParams p_;
  Ring ring_;
  std::uint32_t self_ = 0;
  std::vector<Node> nodes_;
  std::uint32_t up_ = 0;
  cache::KeyMap key_index_;
  std::uint32_t stride_ = 3;              // versions kept per key: replication_factor, or nodes with a sloppy quorum
  std::vector<std::uint64_t> versions_;  // per key index and list position, stride_ versions (0: never written)
  std::vector<std::uint64_t> acked_;     // per key index: the newest version acknowledged to a client
  std::uint64_t clock_ = 0;              // the coordinators' timestamps (versions)
  std::vector<Op> ops_;
  std::vector<std::uint32_t> free_;
  std::vector<Time> acks_;  // scratch: one write's acknowledgement times
  std::uint32_t need_read_ = 1, need_write_ = 1;  // at the default levels
  // Per route index: its own level ("consistency": {route: level}), -1 for the default.
  std::vector<std::int8_t> route_level_;
  // With per-route levels, figures per level (indexed by Level).
  struct PerLevel {
    CounterId reads_ok, stale;
    HistogramId read_latency, write_latency;
  };
  bool per_level_ = false;
  PerLevel levels_[kLevels];
  std::vector<std::uint8_t> pos_dc_;        // per list position (stride_ of them): its data centre
  std::vector<std::uint32_t> dc_rf_;        // per data centre: replicas of a key
  std::vector<Time> dc_hop_;                // one way, centre x centre
  std::vector<std::uint8_t> dc_of_caller_;  // per component index: the centre coordinating its calls
  // Time spent with each number of nodes up, since the warm-up (ready_history).
  std::vector<double> seconds_at_;
  Time up_count_since_ = 0;
  std::vector<std::pair<Time, Time>> crashes_;  // (at, back) of each crash()
  std::uint32_t outages_ = 0;                   // times every node was down, since the warm-up
  Rng rng_;
  Figures figures_;  // every figure, reported by finish() in the order declared
  CounterId answered_c_, reads_c_, reads_ok_c_, stale_c_, reads_unavail_c_, writes_c_, writes_ok_c_, writes_unavail_c_;
  CounterId repairs_c_, repair_mutations_c_, hints_c_, replayed_c_, dropped_c_, sloppy_c_;
  HistogramId read_lat_, write_lat_;
  GaugeId up_g_;
  void declare_figures(Metrics& m, const std::string& id);
};

}  // namespace archsim::kv_store
