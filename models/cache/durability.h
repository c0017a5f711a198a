// Durability of a cache node: Redis persistence ("persistence" of a shared cache, its fields
// named as redis.conf's: save, appendonly, appendfsync), read into PersistenceParams, and what
// each node keeps on its disk (Disk).
//
// Follows Redis's persistence documentation (redis.io/docs/management/persistence) and the
// comments of redis.conf (SNAPSHOTTING: `save <seconds> <changes>`; APPEND ONLY MODE:
// `appendfsync always | everysec | no`), with src/server.c serverCron (the save rules, checked
// every 1000/hz = 100 ms), src/rdb.c rdbSaveBackground and src/aof.c flushAppendOnlyFile:
//   save A snapshot (RDB) is taken when, for one rule, at least `changes` writes changed the data
//        set since the last save and more than `seconds` whole seconds passed since it (Redis
//        compares server.unixtime - server.lastsave > seconds; at start-up the data set counts
//        as saved). A restart loads the last snapshot: every change after it is lost.
//   appendonly Every write is appended to the file. "always" fsyncs before the reply (a write costs
//        `fsync_latency` more, on the node's one thread: the reads behind it wait too) and a
//        crash loses nothing acknowledged; "everysec" fsyncs once a second (at each new whole
//        second, as flushAppendOnlyFile does): a crash loses the writes since the last fsync;
//        "no" leaves it to the kernel, which writes dirty pages back about every 30 s (the
//        figure redis.conf and the persistence page give for Linux).
// A change is what Redis's server.dirty counts: a SET (a client's write or a cache-aside
// fill), a DEL, a lazily expired key's deletion. Evictions are not counted (they are not in
// the dirty counter); both sides of a crash hold the keys the store held.
// Simplifications: the crash is the machine's (power, kernel, a terminated instance): what
// was written to the file but not fsynced is lost, as the documentation's "you may lose one
// second of data" assumes (a killed process alone would leave it in the page cache). A
// snapshot is taken at once (BGSAVE's fork and its copy-on-write memory are not modelled, nor
// the child's writing time); loading the file takes no time beyond restart_time; "no" flushes
// every 30 s exactly (Linux's writeback of pages dirty for 30 s, woken every 5 s, is not
// followed); "always" pays one fsync per write (Redis groups the writes of one event-loop
// iteration into one fsync). With replicas, the disk belongs to the node, whichever process is
// its primary; a process that rejoins after a failover takes the new primary's copy, as before.
// With both on, snapshots go on (counted) and a restart loads the AOF, as Redis does.
// A node preloaded at t = 0 ("preload") loaded that data set from its disk at start-up: its
// disk holds it (operations.cpp preload).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "lib/cache_store/cache_store.h"
#include "sim/distribution.h"
#include "scenario/params.h"
#include "sim/time.h"

namespace archsim::cache {

enum class Fsync : std::uint8_t { Always, EverySec, No };

struct SaveRule {
  std::int64_t seconds = 0;   // whole seconds since the last save (strictly more)
  std::uint64_t changes = 0;  // at least this many changes since it
};

struct PersistenceParams {
  bool on = false;  // a "persistence" object was given
  // redis.conf's default rules: after 3600 s with 1 change, 300 s with 100, 60 s with 10000.
  // Empty: no snapshots (redis.conf's save "").
  std::vector<SaveRule> save{{3600, 1}, {300, 100}, {60, 10000}};
  bool aof = false;  // appendonly
  Fsync fsync = Fsync::EverySec;
  Distribution fsync_latency;  // one fsync of the file (appendfsync always, per write)
};

// Redis's serverCron period at its default hz 10: the save rules and the once-a-second fsync
// are looked at this often.
inline constexpr Time kCronPeriod = 100 * kMillisecond;
// appendfsync no: the kernel's writeback, about every 30 s on Linux.
inline constexpr Time kKernelFlush = 30 * kSecond;

// Reads the cache's "persistence" object (absent: none). `local`: the cache is in-process,
// which has no disk of its own (refused). Throws ScenarioError on a bad field.
PersistenceParams read_persistence(Params& cache, bool local);

// What a node's disk holds. `image` is what a restart loads (the AOF as of its last fsync
// when appendonly, else the last snapshot); `changes` counts every change of the data set, so
// changes - at_image are those a crash would lose.
struct Disk {
  std::unique_ptr<CacheStore> image;
  std::uint64_t changes = 0;
  std::uint64_t at_image = 0, at_snapshot = 0;  // `changes` at the image, at the last snapshot
  Time image_time = 0, snapshot_time = 0;       // the AOF's last fsync (or the image's), RDB's lastsave
};

}  // namespace archsim::cache
