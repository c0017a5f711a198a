// A query's life on a node: a connection (refused past max_connections), the row lock for
// the stock's atomic updates, a core (the pool's workers, FIFO), its work, and its answer (a
// read, a write's commit, crossing zones back to the endpoint when its node is elsewhere).
#include "models/database/database_impl.h"
#include "models/contracts/result_flags.h"

namespace archsim::database {

namespace rf = result_flags;

// Starts a job for `req` on shard `s` (a part of gather `g`, or the whole call when g < 0);
// returns the failure cause when it cannot start.
Status Database::admit(Context& ctx, CallId call, const RequestInfo& req, std::uint32_t qi, std::uint32_t s,
                       std::int32_t g) {
  const Query& q = queries_[qi];
  const bool stock = is_stock(q.kind);
  Shard& sh = shard_[s];
  ctx.metrics().add(sh.load);
  int node = -1;
  bool to_replica = !req.write && !stock && p_.read_from_replicas;
  if (to_replica && p_.read_your_writes > 0 && ctx.now() - sessions_[session_slot(req.session)] < p_.read_your_writes)
    to_replica = false;
  if (to_replica) node = pick_replica(sh);
  if (node < 0) {
    if (!sh.has_primary) {
      ctx.metrics().add(not_primary_c_);
      return causes_.not_primary;
    }
    node = static_cast<int>(sh.primary);
  }
  Node& n = nodes_[static_cast<std::size_t>(node)];
  if (n.conns >= p_.max_connections) {
    ctx.metrics().add(refused_c_);
    return causes_.too_many_connections;
  }
  std::uint32_t j = alloc_job();
  Job& job = jobs_[j];
  job.call = call;
  job.req = req;
  job.arrived = ctx.now();
  job.node = static_cast<std::uint32_t>(node);
  job.query = qi;
  job.internal = false;
  job.gather = g;
  job.part = g < 0 ? 0 : s;
  ++n.conns;
  ctx.metrics().add(conns_g_, 1, ctx.now());
  arm_cancel(ctx, j);  // before any lock wait: a deadlock's victim is freed at once
  if ((q.kind == Kind::Buy || q.kind == Kind::StockDecrement) && p_.stock_update == StockUpdate::Atomic &&
      !lock_stock(ctx, j))
    return Status::Ok;  // waits for the row lock
  if (!begin_row_locks(ctx, j)) return Status::Ok;  // waits for its first row (locks.cpp), or was a deadlock's victim
  to_cores(ctx, j);
  return Status::Ok;
}

std::uint32_t Database::alloc_job() {
  std::uint32_t j;
  if (!free_.empty()) {
    j = free_.back();
    free_.pop_back();
  } else {
    j = static_cast<std::uint32_t>(jobs_.size());
    jobs_.emplace_back();
    free_.reserve(jobs_.capacity());
  }
  jobs_[j].state = JobState::WaitCore;
  jobs_[j].lock_held = false;
  jobs_[j].rows = jobs_[j].locked = 0;
  jobs_[j].wait_lock = kNoLock;
  jobs_[j].wait_lease = kNoLock;
  jobs_[j].cpu = 0;
  return j;
}

void Database::free_job(std::uint32_t j) {
  jobs_[j].state = JobState::Free;
  ++jobs_[j].gen;
  free_.push_back(j);
}

int Database::pick_replica(Shard& sh) {
  const std::uint32_t n = static_cast<std::uint32_t>(sh.nodes.size());
  for (std::uint32_t i = 0; i < n; ++i) {
    std::uint32_t c = sh.nodes[(sh.rr + i) % n];
    if (c == sh.primary || !nodes_[c].up || nodes_[c].primary || nodes_[c].leaving) continue;
    sh.rr = (sh.rr + i + 1) % n;
    return static_cast<int>(c);
  }
  return -1;
}

void Database::set_busy(Context& ctx, Node& n, int delta) {
  n.busy = static_cast<std::uint32_t>(static_cast<int>(n.busy) + delta);
  ctx.metrics().add(n.busy_g, delta, ctx.now());
  ctx.metrics().add(n.primary ? primary_busy_g_ : replica_busy_g_, delta, ctx.now());
}

void Database::to_cores(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  if (!nodes_[job.node].up) {  // handed the row lock while its node died
    drop_job(ctx, j);
    return;
  }
  job.state = JobState::WaitCore;
  job.in_pool = true;
  job.wait_since = ctx.now();
  accept(ctx, job.node, j);  // an unbounded queue (max_connections bounds it): never Rejected
}

void Database::start_service(Context& ctx, std::uint32_t, std::uint32_t j, bool) {
  if (j & kApplyJob) begin_apply(ctx, j & ~kApplyJob);
  else start_work(ctx, j);
}

void Database::start_work(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  Node& n = nodes_[job.node];
  job.state = JobState::Working;
  set_busy(ctx, n, +1);
  const Query& q = queries_[job.query];
  if (q.kind == Kind::Buy) {
    job.stock_seen = stock_;
    job.version_seen = stock_version_;
  }
  if (job.internal) {
    arm(ctx, at_speed(q.cost.sample_time(n.rng), job.node), kWorkDone, token(j));
    return;
  }
  // A scatter's parts mix in their shard (part 0 draws as an ordinary query does).
  Rng rng = Context::keyed_rng(stream_, job.req.id, job.req.attempt * 7919ULL + job.query + job.part * 0x9e3779b1ULL);
  Time d = at_speed(q.cost.sample_time(rng), job.node);
  // Its pages on the primary's storage engine (storage.h): an insert or a point read.
  if (storage_ && n.primary && (q.kind == Kind::Read || q.kind == Kind::Write)) d += storage_->io(ctx, n.shard, job.req.write, rng);
  job.cpu += d;
  job.work_end = after(ctx.now(), d);
  // Traces: its wait for a core (when it had to) and the statement's work, which a cancel
  // cuts at the caller's deadline (cancel.cpp).
  if (job.wait_since < ctx.now()) ctx.trace_span(job.call, TraceSpan::Queue, job.wait_since, ctx.now());
  const Time end = job.req.cancel_at_deadline ? std::min(job.work_end, job.req.deadline) : job.work_end;
  ctx.trace_span(job.call, TraceSpan::Work, ctx.now(), end);
  arm(ctx, d, kWorkDone, token(j));
}

// Work of `cost` on `node`: slower or faster by its instance type's speed.
// A slowdown fault multiplies it.
Time Database::at_speed(Time cost, std::uint32_t node) const {
  const double speed = pool_.instance(node).speed;
  if (speed != 1.0) cost = static_cast<Time>(static_cast<double>(cost) / speed);
  return slowdown_ == 1.0 ? cost : static_cast<Time>(static_cast<double>(cost) * slowdown_);
}

// A core came free: the next waiter in the node's FIFO (a query or a replica's applier) takes it.
void Database::release_core(Context& ctx, std::uint32_t node) {
  Node& n = nodes_[node];
  set_busy(ctx, n, -1);
  finish_service(ctx, node);
}

// The statement ends: its effect first, then the core goes to the next waiter (which must
// see the effect, e.g. the stock this one decremented).
void Database::work_done(Context& ctx, std::uint32_t j) {
  const std::uint32_t node = jobs_[j].node;
  jobs_[j].in_pool = false;
  complete(ctx, j);
  release_core(ctx, node);
}

void Database::complete(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  const std::uint32_t node = job.node;
  const Query& q = queries_[job.query];
  if (job.internal) {
    --nodes_[node].conns;
    ctx.metrics().add(conns_g_, -1, ctx.now());
    free_job(j);
    return;
  }
  if (is_stock(q.kind)) {
    complete_stock(ctx, j);
    return;
  }
  if (q.kind >= Kind::Prepare) {  // two-phase commit's participant (two_phase.cpp)
    two_phase_done(ctx, j);
    return;
  }
  if (job.rows > 0 && !rows_done(ctx, j)) return;  // its next row first (locks.cpp)
  if (q.kind == Kind::LeaseAcquire) {  // leases.cpp
    lease_acquire(ctx, j);
    return;
  }
  if (q.kind == Kind::LeaseWrite && !lease_write(ctx, j)) return;  // refused by its fencing token
  if (job.req.write) {
    commit_write(ctx, j);
    return;
  }
  Node& n = nodes_[node];
  Shard& sh = shard_[n.shard];
  Result res;
  if (!n.primary) {
    std::uint64_t latest = sh.versions[version_slot(job.req.key)];
    if (latest > n.applied) {
      ctx.metrics().add(stale_c_);
      res.flags |= rf::kStale;
    }
    res.value = std::min(latest, n.applied);
  } else {
    res.value = sh.versions[version_slot(job.req.key)];
  }
  end_job(ctx, j, Status::Ok, res);
}

void Database::end_job(Context& ctx, std::uint32_t j, Status st, Result res) {
  Job& job = jobs_[j];
  Node& n = nodes_[job.node];
  if (p_.multi_zone && n.zone != 0 && job.state != JobState::WaitReply) {
    // The node is in another zone than the endpoint the caller reached: the query and
    // its answer cross zones once each (counted here, after the work, as one delay).
    job.state = JobState::WaitReply;
    job.reply_status = st;
    job.reply_result = res;
    arm(ctx, p_.cross_zone.sample_time(n.rng) + p_.cross_zone.sample_time(n.rng), kReply, token(j));
    return;
  }
  --n.conns;
  ctx.metrics().add(conns_g_, -1, ctx.now());
  const std::int32_t g = job.gather;
  if (st == Status::Ok && g < 0) {
    ctx.metrics().add(ok_c_);
    ctx.metrics().record(latency_h_, ctx.now() - job.arrived);
  }
  CallId call = job.call;
  const Time cpu = job.cpu;
  free_job(j);
  if (g >= 0) {
    gathers_[static_cast<std::uint32_t>(g)].cpu += cpu;
    part_done(ctx, static_cast<std::uint32_t>(g), st, res);
  } else if (ctx.reply(call, st, res)) {  // an answer nobody waits for: its work was wasted
    count_wasted(ctx, cpu);
  }
}

void Database::drop_job(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  if (job.in_pool) pool_.job_done(ctx, job.node);  // the pool empties the node's queue and workers itself
  job.in_pool = false;
  --nodes_[job.node].conns;
  ctx.metrics().add(conns_g_, -1, ctx.now());
  ctx.metrics().add(dropped_c_);
  CallId call = job.call;
  bool internal = job.internal;
  const std::int32_t g = job.gather;
  free_job(j);
  if (g >= 0) part_done(ctx, static_cast<std::uint32_t>(g), Status::Dropped, Result{});
  else if (!internal) ctx.reply(call, Status::Dropped);
}

}  // namespace archsim::database
