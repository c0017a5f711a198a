// Building the store from its parameters, its analytic description and its report. See
// kv_store.h.
#include <algorithm>
#include <vector>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "models/kv_store/kv_store.h"
#include "models/kv_store/store.h"
#include "scenario/describe.h"
#include "sim/results.h"

namespace archsim {
namespace kv_store {
namespace {

Level read_level(Params& p, std::string_view key, const StoreParams& s) {
  const std::string name = p.choice(key, "ONE", level_names());
  const Level l = *parse_level(name);
  if (is_local(l) && s.dcs.empty())
    p.fail(key, name + " is a level within a data centre: it needs \"datacenters\" (QUORUM and ONE are the levels of a store in one)");
  const std::uint32_t rf = s.replication_factor;
  if (!is_local(l) && block_for(l, rf) > rf)
    p.fail(key, name + " needs " + std::to_string(block_for(l, rf)) + " replicas; replication_factor is " + std::to_string(rf) +
                    " (Cassandra would refuse every request as unavailable)");
  return l;
}

// "datacenters": [{"name": <a region of network.regions>, "nodes", "replication_factor"}]:
// NetworkTopologyStrategy's replicas per data centre; nodes are numbered centre by centre.
void read_datacenters(Params& p, BuildContext& bc, StoreParams& s) {
  std::vector<Params> dcs = p.objects("datacenters");
  if (dcs.empty()) return;
  for (const char* key : {"nodes", "replication_factor"})
    if (p.has(key)) p.fail(key, "is given per data centre when there are \"datacenters\"");
  if (p.has("sloppy_quorum")) p.fail("sloppy_quorum", "is not offered with \"datacenters\" (Cassandra has no sloppy quorum)");
  if (!bc.component_region(bc.index()).empty())
    p.fail("region", "a store with \"datacenters\" has its nodes in their regions; the store itself takes none");
  if (dcs.size() > 8) p.fail("datacenters", "at most 8 data centres");
  s.nodes = s.replication_factor = 0;
  for (Params& d : dcs) {
    Dc dc;
    dc.name = d.string("name");
    const auto& regions = bc.region_names();
    if (std::find(regions.begin(), regions.end(), dc.name) == regions.end())
      d.fail("name", "unknown region \"" + dc.name + "\"" + did_you_mean(dc.name, regions) + " (a data centre is a region of network.regions)");
    for (const Dc& other : s.dcs)
      if (other.name == dc.name) d.fail("name", "names data centre \"" + dc.name + "\" twice");
    dc.nodes = static_cast<std::uint32_t>(d.integer("nodes", 3, 1, 64));
    dc.replication_factor = static_cast<std::uint32_t>(d.integer("replication_factor", 3, 1, kMaxReplicas));
    if (dc.replication_factor > dc.nodes) d.fail("replication_factor", "is more than the data centre's nodes");
    d.finish();
    s.nodes += dc.nodes;
    s.replication_factor += dc.replication_factor;
    s.dcs.push_back(dc);
  }
  if (s.nodes > 64) p.fail("datacenters", "more than 64 nodes in all");
  if (s.replication_factor > kMaxReplicas) p.fail("datacenters", "more than " + std::to_string(kMaxReplicas) + " replicas a key in all");
}

StoreParams read_params(Params& p, BuildContext& bc) {
  StoreParams s;
  read_datacenters(p, bc, s);
  if (s.dcs.empty()) {
    s.nodes = static_cast<std::uint32_t>(p.integer("nodes", 3, 1, 64));
    s.replication_factor = static_cast<std::uint32_t>(p.integer("replication_factor", 3, 1, kMaxReplicas));
    if (s.replication_factor > s.nodes)
      p.fail("replication_factor", "is " + std::to_string(s.replication_factor) + " but the store has " + std::to_string(s.nodes) +
                                       " nodes: a key cannot have more replicas than there are nodes");
  }
  s.vnodes = static_cast<std::uint32_t>(p.integer("vnodes", 16, 1, 1024));
  s.read = read_level(p, "read_consistency", s);
  s.write = read_level(p, "write_consistency", s);
  s.network = p.distribution("network", s.network);
  s.read_time = p.distribution("read_time", s.read_time);
  s.write_time = p.distribution("write_time", s.write_time);
  s.read_repair = p.boolean("read_repair", true);
  s.hinted_handoff = p.boolean("hinted_handoff", true);
  s.sloppy_quorum = s.dcs.empty() && p.boolean("sloppy_quorum", false);
  s.max_hint_window = p.duration("max_hint_window", s.max_hint_window);
  s.restart_time = p.duration("restart_time", s.restart_time, kMillisecond);
  return s;
}

Ring make_ring(const StoreParams& s) {
  if (s.dcs.empty()) return Ring(s.nodes, s.replication_factor, s.vnodes);
  std::vector<std::uint8_t> node_dc;
  std::vector<std::uint32_t> rf;
  for (std::size_t d = 0; d < s.dcs.size(); ++d) {
    node_dc.insert(node_dc.end(), s.dcs[d].nodes, static_cast<std::uint8_t>(d));
    rf.push_back(s.dcs[d].replication_factor);
  }
  return Ring(s.vnodes, node_dc, rf);
}

}  // namespace

Store::Store(Params& p, BuildContext& bc)
    : p_(read_params(p, bc)), ring_(make_ring(p_)), self_(bc.index()), rng_(bc.rng(0)) {
  stride_ = p_.sloppy_quorum ? p_.nodes : p_.replication_factor;
  // Data centres: each replica position's centre (the same for every key), and the centres'
  // replica counts; one centre (index 0) without them.
  pos_dc_.assign(stride_, 0);  // a sloppy quorum's stand-ins (positions past the replicas) too
  dc_rf_.assign(1, p_.replication_factor);
  if (!p_.dcs.empty()) {
    dc_rf_.clear();
    std::uint32_t pos = 0;
    for (std::size_t d = 0; d < p_.dcs.size(); ++d) {
      dc_rf_.push_back(p_.dcs[d].replication_factor);
      for (std::uint32_t k = 0; k < p_.dcs[d].replication_factor; ++k) pos_dc_[pos++] = static_cast<std::uint8_t>(d);
    }
  }
  dc_hop_.assign(dc_rf_.size() * dc_rf_.size(), 0);
  need_read_ = needs(p_.read, 0);  // a LOCAL level's in the first centre (they are alike but for their replicas)
  need_write_ = needs(p_.write, 0);
  nodes_.resize(p_.nodes);
  up_ = p_.nodes;
  seconds_at_.assign(p_.nodes + 1, 0.0);
  key_index_.reserve(1024);
  ops_.reserve(1024);
  free_.reserve(1024);
  acks_.reserve(kMaxReplicas);
  // A level per route, as an application sets one per statement.
  if (auto c = p.object_opt("consistency")) {
    for (const std::string& route : c->keys()) {
      const Level l = read_level(*c, route, p_);
      const std::uint32_t r = bc.route_index(route);
      if (route_level_.size() <= r) route_level_.resize(r + 1, -1);
      route_level_[r] = static_cast<std::int8_t>(l);
      bc.expects_route(r, c->path(route), "consistency");
    }
    c->finish();
    per_level_ = !route_level_.empty();
  }
  declare_figures(bc.metrics(), bc.id());
}

void Store::connect(ConnectContext& cc) {
  if (p_.dcs.empty()) return;
  const std::size_t n = p_.dcs.size();
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = 0; b < n; ++b)
      dc_hop_[a * n + b] = from_seconds(cc.region_latency_s(p_.dcs[a].name, p_.dcs[b].name));
  dc_of_caller_.assign(cc.component_count(), 0);
  for (std::uint32_t c = 0; c < cc.component_count(); ++c)
    for (std::size_t d = 0; d < n; ++d)
      if (cc.region(c) == p_.dcs[d].name) dc_of_caller_[c] = static_cast<std::uint8_t>(d);
}

Capabilities Store::capabilities() {
  Capabilities c;
  c.crashable = this;
  return c;
}

void Store::describe(Description& d) const {
  d.kind = Description::Kind::Server;
  d.replicas = p_.nodes;
  for (const Dc& dc : p_.dcs) d.zones.push_back(dc.name);  // spread over its centres' regions
  d.concurrency = Description::kUnlimited;
  // The order statistics' means, estimated from a fixed stream of draws (the analysis must
  // not depend on the run's): the largest of R read round trips, the W-th of N write ones.
  Rng rng(0x6b76);
  const int draws = 4000;
  std::vector<double> trips(p_.replication_factor);
  double read_sum = 0, write_sum = 0;
  for (int i = 0; i < draws; ++i) {
    double worst = 0;
    for (std::uint32_t k = 0; k < need_read_; ++k)
      worst = std::max(worst, static_cast<double>(2 * p_.network.sample_time(rng) + p_.read_time.sample_time(rng)));
    read_sum += worst;
    for (double& t : trips) t = static_cast<double>(2 * p_.network.sample_time(rng) + p_.write_time.sample_time(rng));
    std::nth_element(trips.begin(), trips.begin() + (need_write_ - 1), trips.end());
    write_sum += trips[need_write_ - 1];
  }
  Description::Program prog;
  prog.any_route = true;
  prog.work_s = std::max(read_sum, write_sum) / draws / 1e9;
  prog.work_scv = 0;
  d.programs.push_back(std::move(prog));
}

void Store::finish(Context& ctx, ComponentReport& r) {
  note_up_count(ctx);
  figures_.report(ctx, r);
  declare_page(r.page());
}

// The figures in summary.json, in order; finish() reports them.
void Store::declare_figures(Metrics& m, const std::string& id) {
  figures_ = Figures(m, id);
  Figures& f = figures_;
  answered_c_ = f.per_second("throughput_rps", "answered");  // reads and writes answered ok
  f.held("nodes", p_.nodes);
  f.held("replication_factor", p_.replication_factor);
  f.held("read_replicas_needed", need_read_);
  f.held("write_replicas_needed", need_write_);
  f.value("quorums_overlap", [this] { return need_read_ + need_write_ > p_.replication_factor ? 1.0 : 0.0; });
  reads_c_ = f.count("reads", "read_rps");
  reads_ok_c_ = f.count("reads_ok");
  stale_c_ = f.count("stale_reads", "stale_rps");
  f.ratio("stale_read_share", &stale_c_, &reads_ok_c_);
  reads_unavail_c_ = f.count("reads_unavailable", "unavailable_read_rps");
  writes_c_ = f.count("writes", "write_rps");
  writes_ok_c_ = f.count("writes_ok");
  writes_unavail_c_ = f.count("writes_unavailable", "unavailable_write_rps");
  f.value("in_flight", [this] {
    double n = 0;
    for (const Op& o : ops_) n += o.busy && !o.replied ? 1 : 0;
    return n;
  });
  // Reads and writes together (the component table's latency), as the sum of the two.
  const HistogramId both = f.latency("latency_ms", "latency");
  read_lat_ = f.latency("read_latency_ms", "read_latency", "read_latency");
  write_lat_ = f.latency("write_latency_ms", "write_latency", "write_latency");
  m.sum_into(read_lat_, both);
  m.sum_into(write_lat_, both);
  if (per_level_) {  // the levels some request used, each with its own figures
    for (std::size_t i = 0; i < std::size(levels_); ++i) {
      const std::string l(level_name(static_cast<Level>(i)));
      levels_[i].reads_ok = f.count("reads_ok_" + l, "", Figures::Show::IfAny);
      levels_[i].stale = f.count("stale_reads_" + l, "", Figures::Show::Never);
      f.maybe("stale_reads_" + l, [this, i](Context& ctx) -> std::optional<double> {  // zero too, once the level read
        if (ctx.metrics().total(levels_[i].reads_ok) == 0) return std::nullopt;
        return static_cast<double>(ctx.metrics().total(levels_[i].stale));
      });
      levels_[i].read_latency = f.latency("read_latency_" + l + "_ms", "read_latency_" + l, "", Figures::Show::IfAny);
      levels_[i].write_latency = f.latency("write_latency_" + l + "_ms", "write_latency_" + l, "", Figures::Show::IfAny);
    }
  }
  repairs_c_ = f.count("read_repairs", "read_repair_rps");
  repair_mutations_c_ = f.count("read_repair_mutations");
  hints_c_ = f.count("hints_stored", "hints_rps");
  replayed_c_ = f.count("hints_replayed", "replayed_rps");
  dropped_c_ = f.count("mutations_missed", "missed_rps");
  sloppy_c_ = f.count("sloppy_writes", "sloppy_rps", p_.sloppy_quorum ? Figures::Show::Always : Figures::Show::Never);
  up_g_ = f.mean_level("nodes_up_mean", "nodes_up", "nodes_up");
}

}  // namespace kv_store

std::unique_ptr<Component> make_kv_store(Params& p, BuildContext& bc) { return std::make_unique<kv_store::Store>(p, bc); }

}  // namespace archsim
