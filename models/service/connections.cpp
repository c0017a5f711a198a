// Service: long-lived connections (WebSocket, server-sent events), the "connections" block.
//
// Follows how a WebSocket server behind NGINX holds them: the upgrade request is a request of
// the connection's route (its steps are the handshake's cost: TLS, authentication, the
// upgrade), picked to an instance as any request is; once it has succeeded the instance keeps
// the connection open and does not answer the call until the connection ends. Every message
// of the connection then goes to that instance (it is a stream on one TCP connection: NGINX's
// proxy_pass with "Upgrade" keeps the client and the upstream paired for the connection's
// life), so stickiness is not a balancing choice but what a connection is.
//   - A message on the connection (a request the caller marks held_connection::kOnConnection,
//     models/contracts/hop_flags.h) runs on the instance that holds it, whatever the
//     picker; one whose connection is not held (dropped, or still in its set-up) fails at
//     once with Status::Unavailable, counted (a message written to a closed socket).
//   - A connection ends at its caller's deadline (the client's session end), answered Ok.
//   - A crashed, OOM-killed or drained instance drops every connection it holds at once,
//     each answered Status::Dropped (a TCP reset, the close a browser's onclose sees); the
//     client decides when to reconnect (models/client/sessions.h).
//   - "limit" caps an instance's connections, open and opening (NGINX's worker_connections,
//     a Node server's maxConnections): a connection past it is refused at once
//     (Status::Rejected, counted) before any set-up work.
//   - "memory_kb" per open connection is the instance's memory (PoolJobs::data_mb): the
//     memory series, the HPA's memory metric and memory.limit_mb's OOM kill see it.
// Simplifications: an open connection holds no worker and costs no CPU but for its messages
// (server pushes are not modelled); the instance a connection goes to
// is the service's picker's choice, which counts requests, not connections (NGINX's
// least_conn counts both); an idle timeout (proxy_read_timeout, 60 s by default) is not
// applied: the client's session is taken to keep the connection alive with pings.
#include "models/service/service_impl.h"

#include <algorithm>
#include <string>

#include "models/contracts/hop_flags.h"

namespace archsim::service_internal {

void Service::read_connections(Params& p, BuildContext& bc) {
  auto c = p.object_opt("connections");
  if (!c) return;
  conns_.on = true;
  conns_.by_key.reserve(1024);
  conns_.route = bc.route_index(c->string("route"));
  if (auto limit = c->integer_or_null("limit", 1, 1'000'000'000)) conns_.limit = static_cast<std::uint64_t>(*limit);
  conns_.memory_mb = c->number("memory_kb", 0.0, 0.0, 1e7) / 1024.0;
  conns_.close_tag = bc.own_tags(1, *c).first();
  if (conns_.memory_mb > 0) pool_.watch_owner_data();
  Metrics& m = bc.metrics();
  conns_.open_g = m.gauge(id_, "connections", "connections");
  conns_.busiest_g = m.gauge(id_, "connections_busiest", "connections_busiest");
  const std::uint32_t n = std::min(pool_.initial_replicas(), Connections::kInstanceSeries);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::string name = "connections_instance" + std::to_string(i + 1);
    conns_.instance_g.push_back(m.gauge(id_, name, name));
  }
  conns_.opened_c = m.counter(id_, "connections_opened", "connections_opened_per_s");
  conns_.refused_c = m.counter(id_, "connections_refused", "connections_refused_per_s");
  conns_.dropped_c = m.counter(id_, "connections_dropped", "connections_dropped_per_s");
  conns_.closed_c = m.counter(id_, "connections_closed");
  conns_.messages_c = m.counter(id_, "connection_messages", "connection_messages_per_s");
  conns_.orphans_c = m.counter(id_, "connection_messages_undelivered");
}

int Service::held_instance(Context& ctx, const RequestInfo& req) {
  const std::uint32_t h = conns_.by_key.find(held_connection::key(req.client, req.session));
  if (h == cache::KeyMap::kNone) {
    ctx.metrics().add(conns_.orphans_c);
    return -1;
  }
  ctx.metrics().add(conns_.messages_c);
  return static_cast<int>(conns_.held[h].instance);
}

// Open and opening connections of `slot`.
static std::uint64_t in_use(const Connections& c, std::uint32_t slot) {
  const std::uint64_t held = slot < c.by_instance.size() ? c.by_instance[slot].size() : 0;
  const std::uint64_t opening = slot < c.opening.size() ? c.opening[slot] : 0;
  return held + opening;
}

bool Service::admit_connection(Context& ctx, CallId call, std::uint32_t inst) {
  if (in_use(conns_, inst) >= conns_.limit) {
    ctx.metrics().add(conns_.refused_c);
    ctx.metrics().add(rejected_c_);
    ctx.metrics().add(err_c_);
    ctx.reply(call, Status::Rejected);
    return false;
  }
  if (conns_.opening.size() <= inst) conns_.opening.resize(inst + 1, 0);
  ++conns_.opening[inst];
  return true;
}

// After a change of `slot`'s connections: its memory and the gauges.
void Service::connections_changed(Context& ctx, std::uint32_t slot) {
  const std::uint64_t here = conns_.by_instance[slot].size();
  if (conns_.memory_mb > 0) pool_.note_data_mb(slot, data_mb(slot));
  Metrics& m = ctx.metrics();
  m.set(conns_.open_g, static_cast<double>(conns_.open), ctx.now());
  if (slot < conns_.instance_g.size()) m.set(conns_.instance_g[slot], static_cast<double>(here), ctx.now());
  std::uint64_t busiest = 0;  // O(instances), per connection event (not per request)
  for (const auto& list : conns_.by_instance) busiest = std::max<std::uint64_t>(busiest, list.size());
  m.set(conns_.busiest_g, static_cast<double>(busiest), ctx.now());
  conns_.peak = std::max(conns_.peak, conns_.open);
  conns_.peak_instance = std::max(conns_.peak_instance, busiest);
}

bool Service::hold_connection(Context& ctx, const Job& job) {
  const std::uint32_t slot = job.instance;
  --conns_.opening[slot];
  if (!served(job.status) || ctx.abandoned(job.call) || ctx.now() >= job.req.deadline) return false;
  if (conns_.by_instance.size() <= slot) conns_.by_instance.resize(slot + 1);
  const std::uint32_t h = conns_.held.alloc();
  auto& list = conns_.by_instance[slot];
  const std::uint64_t key = held_connection::key(job.req.client, job.req.session);
  conns_.held[h] = HeldConnection{job.call, key, slot, static_cast<std::uint32_t>(list.size())};
  list.push_back(h);
  // A caller's session holds one connection at a time: a newer one (a reconnect while the
  // reset of the old one is on its way) is where its messages go.
  conns_.by_key.put(key, h);
  ++conns_.open;
  ctx.metrics().add(conns_.opened_c);
  if (job.req.deadline != kTimeMax) ctx.schedule(job.req.deadline - ctx.now(), conns_.close_tag, conns_.held.payload(h));
  connections_changed(ctx, slot);
  return true;
}

// Takes held connection `h` off its instance's list; returns its call.
CallId Service::release_connection(std::uint32_t h) {
  const HeldConnection c = conns_.held[h];
  if (conns_.by_key.find(c.key) == h) conns_.by_key.erase(c.key);
  auto& list = conns_.by_instance[c.instance];
  list[c.pos] = list.back();
  conns_.held[list[c.pos]].pos = c.pos;
  list.pop_back();
  conns_.held.free(h);
  --conns_.open;
  return c.call;
}

// The session ended: its client closes the connection.
void Service::close_connection(Context& ctx, std::uint64_t data) {
  const std::uint32_t h = conns_.held.find(data);
  if (h == kNoSlot) return;  // dropped before its end
  const std::uint32_t slot = conns_.held[h].instance;
  ctx.metrics().add(conns_.closed_c);
  ctx.reply(release_connection(h), Status::Ok);
  connections_changed(ctx, slot);
}

// The instance in `slot` goes away: each of its connections is reset at once.
void Service::drop_connections(Context& ctx, std::uint32_t slot) {
  if (slot >= conns_.by_instance.size() || conns_.by_instance[slot].empty()) return;
  auto& list = conns_.by_instance[slot];
  while (!list.empty()) {
    ctx.metrics().add(conns_.dropped_c);
    ctx.reply(release_connection(list.back()), Status::Dropped);
  }
  connections_changed(ctx, slot);
}

double Service::data_mb(std::uint32_t slot) const {
  if (slot >= conns_.by_instance.size()) return 0;
  return static_cast<double>(conns_.by_instance[slot].size()) * conns_.memory_mb;
}

void Service::connection_figures(Context& ctx, ComponentReport& r) const {
  if (!conns_.on) return;
  Metrics& m = ctx.metrics();
  r.add("connections_mean", m.average(conns_.open_g, ctx.end_time()));
  r.add("connections_peak", static_cast<double>(conns_.peak));
  r.add("connections_peak_per_instance", static_cast<double>(conns_.peak_instance));
  r.add("connections_open_at_end", static_cast<double>(conns_.open));
  r.add("connections_opened", static_cast<double>(m.total(conns_.opened_c)));
  r.add("connections_refused", static_cast<double>(m.total(conns_.refused_c)));
  r.add("connections_dropped", static_cast<double>(m.total(conns_.dropped_c)));
  r.add("connections_closed", static_cast<double>(m.total(conns_.closed_c)));
  r.add("connection_messages", static_cast<double>(m.total(conns_.messages_c)));
  r.add("connection_messages_undelivered", static_cast<double>(m.total(conns_.orphans_c)));
}

}  // namespace archsim::service_internal
