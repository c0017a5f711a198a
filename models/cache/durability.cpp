// Redis persistence on the cache's nodes (models/cache/durability.h states the model): the
// save rules and fsyncs of serverCron, the cost of appendfsync always, what a crash keeps on
// disk and what a restart loads from it.
#include "models/cache/durability.h"

#include <string>
#include <utility>

#include "models/cache/cache_impl.h"

namespace archsim::cache {

PersistenceParams read_persistence(Params& cache, bool local) {
  PersistenceParams d;
  d.fsync_latency = Distribution::constant(static_cast<double>(kMillisecond));
  std::optional<Params> po = cache.object_opt("persistence");
  if (!po) return d;
  Params& p = *po;
  if (local)
    cache.fail("persistence", "a local (in-process) cache has no disk of its own: it lives and dies with its instance");
  d.on = true;
  if (p.has("save")) {
    d.save.clear();
    const Params::Value rules = p.value("save");
    for (const Params::Value& r : rules.items()) {
      const std::vector<Params::Value> pair = r.items();
      if (pair.size() != 2)
        r.fail("a save rule is [seconds, changes], as redis.conf's `save 60 10000` is [\"60s\", 10000]");
      const Time t = pair[0].duration();
      if (t < kSecond || t % kSecond != 0)
        pair[0].fail("must be a whole number of seconds, at least 1 (Redis counts them in whole seconds)");
      const std::optional<std::int64_t> changes = pair[1].as_integer();
      if (!changes || *changes < 1) pair[1].fail("must be an integer >= 1 (the changes since the last save)");
      d.save.push_back(SaveRule{t / kSecond, static_cast<std::uint64_t>(*changes)});
    }
  }
  d.aof = p.boolean("appendonly", false);
  // As in redis.conf, appendfsync and its cost are settings of the AOF read whether or not it
  // is on, so that a what-if can turn appendonly on and off alone.
  const std::string f = p.choice("appendfsync", "everysec", {"always", "everysec", "no"});
  d.fsync = f == "always" ? Fsync::Always : f == "everysec" ? Fsync::EverySec : Fsync::No;
  d.fsync_latency = p.distribution("fsync_latency", d.fsync_latency);
  return d;
}

// The node's disk starts empty and "saved" at t = 0 (Redis at start-up).
void Cache::init_disks(BuildContext& bc) {
  if (!persist_.on) return;
  for (std::uint32_t n = 0; n < nodes_.size(); ++n)
    nodes_[n].disk.image = std::make_unique<CacheStore>(p_.store, bc.stream_seed(200000 + n));
}

void Cache::register_durability_figures(Figures& f) {
  if (!persist_.on) return;
  snapshots_c_ = f.count("snapshots");
  fsyncs_c_ = f.count("fsyncs");
  unpersisted_c_ = f.count("lost_on_restart");
  restored_c_ = f.count("restored_keys");
}

void Cache::start_persistence(Context& ctx) {
  if (persist_.on && (!persist_.save.empty() || (persist_.aof && persist_.fsync != Fsync::Always)))
    arm(ctx, kCronPeriod, kPersist);
}

// One fsync before the reply of every write with appendfsync always (on the node's thread).
Time Cache::fsync_cost(Op op) {
  if (op == Op::Get || !persist_.on || !persist_.aof || persist_.fsync != Fsync::Always) return 0;
  return persist_.fsync_latency.sample_time(rng_);
}

// serverCron: each live primary saves a snapshot when a rule is met, and fsyncs its AOF when
// the interval has passed. A full disk (the disk_full fault) takes neither.
void Cache::persist_tick(Context& ctx) {
  arm(ctx, kCronPeriod, kPersist);
  if (disk_full_) return;
  const std::int64_t now_s = ctx.now() / kSecond;
  for (Node& nd : nodes_) {
    Disk& d = nd.disk;
    if (nd.down) continue;
    bool snapshot = false, fsync = false;
    for (const SaveRule& r : persist_.save)
      if (d.changes - d.at_snapshot >= r.changes && now_s - d.snapshot_time / kSecond > r.seconds) {
        snapshot = true;
        break;
      }
    if (persist_.aof && persist_.fsync == Fsync::EverySec) fsync = now_s > d.image_time / kSecond;
    else if (persist_.aof && persist_.fsync == Fsync::No) fsync = ctx.now() - d.image_time >= kKernelFlush;
    if (snapshot) {
      d.at_snapshot = d.changes;
      d.snapshot_time = ctx.now();
      ctx.metrics().add(snapshots_c_);
    }
    if (fsync) ctx.metrics().add(fsyncs_c_);
    // What a restart loads: the AOF when it is on, else the snapshot. Unchanged since the
    // last image: the disk already holds it.
    if ((persist_.aof ? fsync : snapshot) && d.changes != d.at_image) {
      *d.image = nd.store();
      d.at_image = d.changes;
      d.image_time = ctx.now();
    } else if (fsync) {
      d.image_time = ctx.now();
    }
  }
}

// Node nd's primary dies: with appendfsync always its file holds every acknowledged write,
// i.e. the data set as it is now (the store itself becomes the image; take_down clears the
// other). Otherwise the image stays the last snapshot or fsync.
void Cache::persist_at_crash(Node& nd) {
  if (!persist_.on || !persist_.aof || persist_.fsync != Fsync::Always) return;
  std::swap(nd.disk.image, nd.inst[nd.primary].store);
  nd.disk.at_image = nd.disk.changes;
}

// A SHUTDOWN (a drain): with save points configured Redis saves a snapshot, with the AOF it
// flushes and fsyncs the file; either way the disk then holds the data set as it is. No
// persistence (or a full disk): nothing is saved.
void Cache::save_at_shutdown(Context& ctx, Node& nd) {
  if (!persist_.on || disk_full_ || (persist_.save.empty() && !persist_.aof)) return;
  Disk& d = nd.disk;
  if (!persist_.save.empty()) {
    d.at_snapshot = d.changes;
    d.snapshot_time = ctx.now();
    ctx.metrics().add(snapshots_c_);
  }
  *d.image = nd.store();
  d.at_image = d.changes;
  d.image_time = ctx.now();
}

// Node n's primary restarts with no failover having happened: it loads its disk. The changes
// after the image are lost (lost_on_restart); the keys it loads serve hits at once.
void Cache::restore(Context& ctx, std::uint32_t n) {
  if (!persist_.on) return;
  Node& nd = nodes_[n];
  Disk& d = nd.disk;
  ctx.metrics().add(unpersisted_c_, d.changes - d.at_image);
  CacheStore& s = nd.store();
  s = *d.image;
  ctx.metrics().add(restored_c_, s.size());
  size_changed(ctx, static_cast<double>(s.size()), static_cast<double>(s.bytes()));
  // At start-up the loaded data set counts as saved (Redis sets lastsave then).
  d.at_image = d.at_snapshot = d.changes;
  d.image_time = d.snapshot_time = ctx.now();
}

}  // namespace archsim::cache
