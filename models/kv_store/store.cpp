// Building the store from its parameters, its analytic description and its report. See
// kv_store.h.
#include <algorithm>
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

Level read_level(Params& p, std::string_view key, std::uint32_t rf) {
  const std::string name = p.choice(key, "ONE", level_names());
  const Level l = *parse_level(name);
  if (block_for(l, rf) > rf)
    p.fail(key, name + " needs " + std::to_string(block_for(l, rf)) + " replicas; replication_factor is " + std::to_string(rf) +
                    " (Cassandra would refuse every request as unavailable)");
  return l;
}

StoreParams read_params(Params& p) {
  StoreParams s;
  s.nodes = static_cast<std::uint32_t>(p.integer("nodes", 3, 1, 64));
  s.replication_factor = static_cast<std::uint32_t>(p.integer("replication_factor", 3, 1, kMaxReplicas));
  if (s.replication_factor > s.nodes)
    p.fail("replication_factor", "is " + std::to_string(s.replication_factor) + " but the store has " + std::to_string(s.nodes) +
                                     " nodes: a key cannot have more replicas than there are nodes");
  s.vnodes = static_cast<std::uint32_t>(p.integer("vnodes", 16, 1, 1024));
  s.read = read_level(p, "read_consistency", s.replication_factor);
  s.write = read_level(p, "write_consistency", s.replication_factor);
  s.network = p.distribution("network", s.network);
  s.read_time = p.distribution("read_time", s.read_time);
  s.write_time = p.distribution("write_time", s.write_time);
  s.read_repair = p.boolean("read_repair", true);
  s.hinted_handoff = p.boolean("hinted_handoff", true);
  s.sloppy_quorum = p.boolean("sloppy_quorum", false);
  s.max_hint_window = p.duration("max_hint_window", s.max_hint_window);
  s.restart_time = p.duration("restart_time", s.restart_time, kMillisecond);
  return s;
}

}  // namespace

Store::Store(Params& p, BuildContext& bc)
    : p_(read_params(p)), ring_(p_.nodes, p_.replication_factor, p_.vnodes), self_(bc.index()), rng_(bc.rng(0)) {
  need_read_ = block_for(p_.read, p_.replication_factor);
  need_write_ = block_for(p_.write, p_.replication_factor);
  stride_ = p_.sloppy_quorum ? p_.nodes : p_.replication_factor;
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
      const Level l = read_level(*c, route, p_.replication_factor);
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

Capabilities Store::capabilities() {
  Capabilities c;
  c.crashable = this;
  return c;
}

void Store::describe(Description& d) const {
  d.kind = Description::Kind::Server;
  d.replicas = p_.nodes;
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
