// Change data capture: the database's committed writes as a stream of change events into a
// queue, as Debezium's MySQL connector reads the binlog.
//
// Follows Debezium's MySQL connector documentation: the connector reads the primary's binary
// log and emits one change event per committed row change, in commit order, keyed by the row's
// primary key (so that a Kafka topic partitioned by key keeps each row's changes in order);
// `poll_interval` is its poll.interval.ms, the wait between reads of the log: the events
// committed since the last read go out together. Each event is a one-way send to `queue` on
// the route "change", with the row's key and, as its start, the commit time, so that a
// consumer that stores it (a cache set, a projection) versions it by the commit.
// Figures: cdc_events (sent), cdc_capture_ms (commit to send: at most poll_interval, half of
// it on average for commits spread evenly), cdc_pending (captured, not yet sent).
// Simplifications: one connector on the primary of an unsharded database; the connector
// does not die with a crash (events of commits a failover lost are sent all the same: the
// snapshot/offset recovery of a real connector is not modelled); a poll sends every event
// it found at once (no max.batch.size); deletes and the event payload are not told apart.
#include "models/database/database_impl.h"

namespace archsim::database {

CdcParams read_cdc_params(Params& p, BuildContext& bc, const DatabaseParams& d) {
  CdcParams c;
  auto o = p.object_opt("cdc");
  if (!o) return c;
  if (d.shards > 1 || d.has_reshard)
    p.fail("cdc", "captures one primary's binlog: a sharded database (one connector per shard) is not modelled");
  c.on = true;
  c.queue = bc.reference(*o, "queue", RefKind::AsyncSend);
  c.poll_interval = o->duration("poll_interval", 500 * kMillisecond, 1);
  c.route = bc.route_index("change");
  bc.sends_route(c.queue, c.route, o->path("queue"));
  return c;
}

// A committed keyed write, in commit order.
void Database::capture(Context& ctx, std::uint64_t key) {
  cdc_log_.push(CdcEvent{key, ctx.now()});
  ctx.metrics().add(cdc_pending_g_, 1, ctx.now());
}

// The connector reads the log: every event captured since its last read goes to the queue.
void Database::cdc_poll(Context& ctx) {
  arm(ctx, cdc_.poll_interval, kCdcPoll);
  const double n = static_cast<double>(cdc_log_.size());
  while (!cdc_log_.empty()) {
    const CdcEvent e = cdc_log_.pop();
    RequestInfo r;
    r.id = ctx.next_request_id();
    r.start = e.commit;
    r.key = e.key;
    r.has_key = true;
    r.route = static_cast<std::uint16_t>(cdc_.route);
    ctx.send(cdc_.queue, r);
    ctx.metrics().add(cdc_events_c_);
    ctx.metrics().record(cdc_capture_h_, ctx.now() - e.commit);
  }
  if (n > 0) ctx.metrics().add(cdc_pending_g_, -n, ctx.now());
}

}  // namespace archsim::database
