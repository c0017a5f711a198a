#include "models/cdn/cdn.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/cache_store/cache_store.h"
#include "models/contracts/result_flags.h"
#include "sim/continuation.h"
#include "sim/figures.h"
#include "sim/results.h"
#include "sim/text_list.h"

namespace archsim {
namespace {

using cache::CacheStore;
using cache::Entry;
using cache::Eviction;
using cache::StoreConfig;

enum Tag : std::uint16_t { kEdge = 1, kShield };
enum class Method : std::uint8_t { Versioned, Purge, Ttl };

constexpr std::uint32_t kNone = cache::KeyMap::kNone;
constexpr std::uint16_t kUnrouted = 0xffff;
constexpr std::uint32_t kMaxPops = 4096;

// A change of content at the origin: the objects of ranks [0, keys) get a new version at `at`.
// lands[t]: when its purge takes effect at tier t (the PoPs, then the shield); purge only.
struct Update {
  Time at = 0;
  std::uint64_t keys = 0;
  std::vector<Time> lands;
};

// One cache tier: a PoP or the shield.
struct Tier {
  std::string name;
  std::unique_ptr<CacheStore> store;
  CounterId lookups_c, hits_c;
};

struct Job {
  RequestInfo req;
  CallId call{};
  Time t0 = 0;  // when its origin fetch was sent (the version it gets is at least this old)
  std::uint16_t pop = 0;
};

StoreConfig store_config(Params& p, std::int64_t def_capacity, Eviction ev) {
  StoreConfig sc;
  sc.eviction = ev;
  sc.capacity = static_cast<std::uint32_t>(p.integer("capacity", def_capacity, 1, 100'000'000));
  if (auto b = p.integer_or_null("capacity_bytes", 1, std::int64_t{1} << 50)) sc.capacity_bytes = static_cast<std::uint64_t>(*b);
  return sc;
}

class Cdn final : public Component {
 public:
  Cdn(Params& p, BuildContext& bc) : rng_(bc.rng(0)) {
    origin_ = bc.reference(p, "origin", RefKind::SyncCall);
    static const std::vector<std::string> kEvictions{"lru", "lfu", "fifo", "random", "sampled_lru", "sampled_lfu"};
    const std::string ev = p.choice("eviction", "lru", kEvictions);
    const Eviction eviction = ev == "lru" ? Eviction::Lru : ev == "lfu" ? Eviction::Lfu : ev == "fifo" ? Eviction::Fifo
                            : ev == "random" ? Eviction::Random : ev == "sampled_lru" ? Eviction::SampledLru
                            : Eviction::SampledLfu;
    const std::int64_t capacity = p.integer("capacity", 10000, 1, 100'000'000);
    std::optional<std::int64_t> cap_bytes = p.integer_or_null("capacity_bytes", 1, std::int64_t{1} << 50);
    ttl_ = read_ttl(p);
    latency_ = p.distribution("latency", Distribution::constant(kMillisecond));
    origin_timeout_ = p.duration("origin_timeout", 30 * kSecond);
    const double object_kb = p.number("object_kb", 0.0, 0.0, 4e6);
    object_bytes_ = static_cast<std::uint32_t>(object_kb * 1000.0);

    if (!p.has("pops")) p.missing("pops");
    std::vector<Params> pops = p.objects("pops");
    if (pops.empty()) p.fail("pops", "is empty: a CDN needs at least one point of presence");
    if (pops.size() > kMaxPops) p.fail("pops", "has more than " + std::to_string(kMaxPops) + " points of presence");
    std::vector<std::string> names;
    for (std::size_t i = 0; i < pops.size(); ++i) {
      Params& pp = pops[i];
      std::string name = pp.string("name");
      if (name.empty()) pp.fail("name", "must not be empty");
      if (std::find(names.begin(), names.end(), name) != names.end()) pp.fail("name", "duplicate point of presence \"" + name + "\"");
      names.push_back(name);
      StoreConfig sc = store_config(pp, capacity, eviction);
      if (!pp.has("capacity_bytes") && cap_bytes) sc.capacity_bytes = static_cast<std::uint64_t>(*cap_bytes);
      add_tier(bc, name, sc, 100 + i);
    }
    pop_count_ = static_cast<std::uint16_t>(tiers_.size());

    if (auto sh = p.object_opt("shield")) {
      StoreConfig sc = store_config(*sh, capacity, eviction);
      if (!sh->has("capacity_bytes") && cap_bytes) sc.capacity_bytes = static_cast<std::uint64_t>(*cap_bytes);
      shield_latency_ = sh->distribution("latency", Distribution::constant(20 * kMillisecond));
      add_tier(bc, "shield", sc, 99);
      has_shield_ = true;
    }

    // routing: {"<client id>": "<pop name>"}; clients not named are spread by session.
    if (auto routing = p.object_opt("routing")) {
      for (const std::string& client : routing->keys()) {
        std::string pop = routing->string(client);
        auto it = std::find(names.begin(), names.end(), pop);
        if (it == names.end())
          routing->fail(client, "unknown point of presence \"" + pop + "\"" + did_you_mean(pop, names) + "; the PoPs are " + join_items(names, ", "));
        routes_.push_back(Route{bc.reference_to(client, routing->path(client), RefKind::Control),
                                static_cast<std::uint16_t>(it - names.begin())});
      }
    }

    read_invalidation(p, bc);

    const std::string& id = bc.id();
    Metrics& m = bc.metrics();
    requests_c_ = m.counter(id, "requests", "throughput_rps");
    hits_c_ = m.counter(id, "hits", "hits_rps");
    fetches_c_ = m.counter(id, "origin_fetches", "origin_rps");
    stale_c_ = m.counter(id, "stale_serves", "stale_serves_rps");
    expired_c_ = m.counter(id, "expired");
    purged_c_ = m.counter(id, "purged");
    evictions_c_ = m.counter(id, "evictions");
    failed_c_ = m.counter(id, "origin_failures", "origin_failures_rps");
    for (std::size_t t = 0; t < tiers_.size(); ++t) {
      tiers_[t].lookups_c = m.counter(id, "lookups." + tiers_[t].name);
      tiers_[t].hits_c = m.counter(id, "hits." + tiers_[t].name);
    }
    declare_figures(m, id);
    jobs_.reserve(1024);
  }

  void connect(ConnectContext& cc) override {
    for (const Route& r : routes_) {
      const std::uint32_t caller = cc.target_index(r.ref);
      if (cc.component(caller).type() != "client")
        cc.fail(r.ref, "\"" + cc.component(caller).id() + "\" is a " + cc.component(caller).type() +
                           ": routing maps clients (viewers) to points of presence");
      if (by_caller_.size() <= caller) by_caller_.resize(caller + 1, kUnrouted);
      by_caller_[caller] = r.pop;
    }
  }

  void on_request(Context& ctx, CallId call) override {
    const std::uint32_t j = alloc_job();
    Job& job = jobs_[j];
    job.req = ctx.request(call);
    job.call = call;
    const std::uint32_t caller = ctx.caller(call);
    std::uint16_t pop = caller < by_caller_.size() ? by_caller_[caller] : kUnrouted;
    if (pop == kUnrouted) pop = static_cast<std::uint16_t>(mix64(job.req.session, 0xcd9) % pop_count_);
    job.pop = pop;
    ctx.metrics().add(requests_c_);
    ctx.schedule(latency_.sample_time(rng_), kEdge, token(j));
  }

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    const std::uint32_t j = job_of(data);
    if (j == kNoSlot) return;
    Job& job = jobs_[j];
    const std::uint64_t key = job.req.key;
    if (tag == kEdge) {
      bool stale = false;
      const std::uint32_t slot = look(ctx, job.pop, key, stale);
      if (slot != kNone) {
        ctx.metrics().add(hits_c_);
        serve(ctx, j, stale, tiers_[job.pop].store->at(slot).read_at);
        return;
      }
      if (has_shield_) {
        ctx.schedule(shield_latency_.sample_time(rng_), kShield, token(j));
        return;
      }
      fetch(ctx, j);
      return;
    }
    // kShield: the PoP missed and asked the shield.
    bool stale = false;
    const std::uint32_t shield = pop_count_;
    const std::uint32_t slot = look(ctx, shield, key, stale);
    if (slot != kNone) {
      const Entry& e = tiers_[shield].store->at(slot);
      // The PoP's copy keeps the shield copy's age (HTTP's Age header): it expires with it.
      const Time read_at = e.read_at, expiry = e.expiry;
      store(ctx, job.pop, key, object_size(job.req), read_at, expiry);
      serve(ctx, j, stale, read_at);
      return;
    }
    fetch(ctx, j);
  }

  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) override {
    const std::uint32_t j = job_of(token);
    if (j == kNoSlot) return;
    Job& job = jobs_[j];
    if (!served(status)) {
      ctx.metrics().add(failed_c_);
      ctx.reply(job.call, status, ctx.result(call));
      free_job(j);
      return;
    }
    const std::uint32_t bytes = object_size(job.req);
    origin_bytes_ += bytes;
    const Time expiry = ttl_ == kTimeMax ? kTimeMax : ctx.now() + ttl_;
    if (has_shield_) store(ctx, pop_count_, job.req.key, bytes, job.t0, expiry);
    store(ctx, job.pop, job.req.key, bytes, job.t0, expiry);
    serve(ctx, j, false, job.t0);
  }

  // What the PoPs' and the shield's stores will hold (CacheStore::footprint).
  std::uint64_t memory_estimate() const override {
    std::uint64_t b = 0;
    for (const Tier& t : tiers_) b += CacheStore::footprint(t.store->config());
    return b;
  }

  void finish(Context& ctx, ComponentReport& r) override {
    figures_.report(ctx, r);
    r.usage().edge_egress_gb = edge_bytes_ / 1e9;
    r.usage().egress_gb = origin_bytes_ / 1e9;
    cdn::declare_page(r.page());
  }

 private:
  // The figures in summary.json, in order; finish() reports them.
  void declare_figures(Metrics& m, const std::string& id) {
    figures_ = Figures(m, id);
    Figures& f = figures_;
    auto tot = [](Context& ctx, CounterId c) { return static_cast<double>(ctx.metrics().total(c)); };
    f.per_second("throughput_rps", requests_c_);
    f.total("requests", requests_c_);
    f.derived("hit_ratio", [this, tot](Context& ctx) {
      double lookups = 0;
      for (std::uint32_t t = 0; t < pop_count_; ++t) lookups += tot(ctx, tiers_[t].lookups_c);
      return lookups > 0 ? tot(ctx, hits_c_) / lookups : 0.0;
    });
    f.total("hits", hits_c_);
    f.total("origin_fetches", fetches_c_);
    f.per_second("origin_rps", fetches_c_);
    f.derived("offload", [this, tot](Context& ctx) {
      const double requests = tot(ctx, requests_c_);
      return requests > 0 ? 1.0 - tot(ctx, fetches_c_) / requests : 0.0;
    });
    f.total("origin_failures", failed_c_);
    f.total("stale_serves", stale_c_);
    f.total("expired", expired_c_);
    f.total("purged", purged_c_);
    f.total("evictions", evictions_c_);
    f.value("entries", [this] {
      double entries = 0;
      for (const Tier& t : tiers_) entries += static_cast<double>(t.store->size());
      return entries;
    });
    for (const Tier& t : tiers_) {
      f.total("pops." + t.name + ".lookups", t.lookups_c);
      f.derived("pops." + t.name + ".hit_ratio", [tot, &t](Context& ctx) {
        const double l = tot(ctx, t.lookups_c);
        return l > 0 ? tot(ctx, t.hits_c) / l : 0.0;
      });
    }
    // Whole run, as billed (decimal GB).
    f.value("edge_egress_gb", [this] { return edge_bytes_ / 1e9; });
    f.value("origin_egress_gb", [this] { return origin_bytes_ / 1e9; });
  }

  struct Route {
    RefId ref = 0;
    std::uint16_t pop = 0;
  };

  static Time read_ttl(Params& p) {
    if (!p.has("ttl")) return kTimeMax;
    const Params::Value v = p.value("ttl");
    if (auto n = v.as_number(); n && *n < 0) v.fail("must not be negative (omit it for no expiry)");
    if (auto s = v.as_string(); s && !s->empty() && (*s)[0] == '-') v.fail("must not be negative (omit it for no expiry)");
    const Time ttl = v.duration();
    if (ttl <= 0) v.fail("must be positive (omit it for no expiry)");
    return ttl;
  }

  void add_tier(BuildContext& bc, const std::string& name, const StoreConfig& sc, std::uint64_t stream) {
    Tier t;
    t.name = name;
    t.store = std::make_unique<CacheStore>(sc, bc.stream_seed(stream));
    tiers_.push_back(std::move(t));
  }

  void read_invalidation(Params& p, BuildContext& bc) {
    auto inv = p.object_opt("invalidation");
    if (!inv) return;
    const std::string method = inv->choice("method", "versioned", {"versioned", "purge", "ttl"});
    method_ = method == "versioned" ? Method::Versioned : method == "purge" ? Method::Purge : Method::Ttl;
    Distribution propagation = Distribution::constant(0);
    if (inv->has("propagation")) {
      if (method_ != Method::Purge) inv->fail("propagation", "is the delay of a purge: it needs \"method\": \"purge\"");
      propagation = inv->distribution("propagation");
    }
    if (method_ == Method::Ttl && ttl_ == kTimeMax)
      inv->fail("method", "\"ttl\" relies on expiry: give the CDN a \"ttl\" (or use versioned names or purge)");
    Rng prng = bc.rng(3);
    for (Params& u : inv->objects("updates")) {
      Update up;
      up.at = u.duration("at");
      if (up.at >= bc.duration()) u.fail("at", "is at or after the end of the run");
      up.keys = static_cast<std::uint64_t>(u.require_integer("keys", 1, std::int64_t{1} << 50));
      for (std::size_t t = 0; t < tiers_.size(); ++t) up.lands.push_back(after(up.at, propagation.sample_time(prng)));
      updates_.push_back(std::move(up));
    }
  }

  std::uint32_t object_size(const RequestInfo& req) const { return req.bytes > 0 ? req.bytes : object_bytes_; }

  // Versioned names: the key a tier stores is (key, number of updates of it so far).
  std::uint64_t cache_key(std::uint64_t key, Time now) const {
    if (method_ != Method::Versioned) return key;
    std::uint64_t version = 0;
    for (const Update& u : updates_)
      if (u.at <= now && key < u.keys) ++version;
    return version == 0 ? key : mix64(key, version);
  }

  // Looks `key` up in tier t: its slot, with `stale` set when the origin changed it since it
  // was fetched and no purge has landed here (or there is none); kNone on a miss (absent,
  // expired or purged: erased).
  std::uint32_t look(Context& ctx, std::uint32_t t, std::uint64_t key, bool& stale) {
    const Time now = ctx.now();
    CacheStore& s = *tiers_[t].store;
    ctx.metrics().add(tiers_[t].lookups_c);
    const std::uint32_t slot = s.find(cache_key(key, now));
    if (slot == kNone) return kNone;
    const Entry& e = s.at(slot);
    if (now >= e.expiry) {
      s.erase(slot);
      ctx.metrics().add(expired_c_);
      return kNone;
    }
    if (method_ != Method::Versioned) {
      for (const Update& u : updates_) {
        if (u.at > now || key >= u.keys || e.read_at >= u.at) continue;
        if (method_ == Method::Purge && now >= u.lands[t]) {
          s.erase(slot);
          ctx.metrics().add(purged_c_);
          return kNone;
        }
        stale = true;
      }
    }
    s.touch(slot, now);
    ctx.metrics().add(tiers_[t].hits_c);
    return slot;
  }

  void store(Context& ctx, std::uint32_t t, std::uint64_t key, std::uint32_t bytes, Time read_at, Time expiry) {
    CacheStore& s = *tiers_[t].store;
    const std::uint64_t ev = s.evictions();
    const std::uint32_t slot = s.put(cache_key(key, ctx.now()), bytes, ctx.now());
    if (s.evictions() > ev) ctx.metrics().add(evictions_c_, s.evictions() - ev);
    if (slot == kNone) return;  // larger than the tier's byte capacity
    Entry& e = s.at(slot);
    e.read_at = read_at;
    e.expiry = expiry;
  }

  void fetch(Context& ctx, std::uint32_t j) {
    Job& job = jobs_[j];
    job.t0 = ctx.now();
    ctx.metrics().add(fetches_c_);
    RequestInfo r = job.req;
    r.bytes = object_size(job.req);
    ctx.call(origin_, r, token(j), origin_timeout_);
  }

  // Answers the viewer: the object's bytes leave the edge.
  void serve(Context& ctx, std::uint32_t j, bool stale, Time read_at) {
    Job& job = jobs_[j];
    edge_bytes_ += object_size(job.req);
    std::uint32_t flags = 0;
    if (stale) {
      flags |= result_flags::kStale;
      ctx.metrics().add(stale_c_);
    }
    ctx.reply(job.call, Status::Ok, Result{static_cast<std::uint64_t>(read_at), flags});
    free_job(j);
  }

  // ---- jobs: tokens carry (slot, generation) ----
  std::uint32_t alloc_job() { return jobs_.alloc(); }
  void free_job(std::uint32_t j) { jobs_.free(j); }
  std::uint64_t token(std::uint32_t j) const { return ContinuationSpace::kOwnTokens.make(jobs_.payload(j)); }
  std::uint32_t job_of(std::uint64_t t) const { return jobs_.find(t); }

  RefId origin_ = 0;
  Time ttl_ = kTimeMax, origin_timeout_ = 0;
  Distribution latency_, shield_latency_;
  std::uint32_t object_bytes_ = 0;
  std::vector<Tier> tiers_;  // the PoPs, then the shield
  std::uint16_t pop_count_ = 0;
  bool has_shield_ = false;
  std::vector<Route> routes_;
  std::vector<std::uint16_t> by_caller_;  // PoP by caller component index (kUnrouted: by session)
  Method method_ = Method::Versioned;
  std::vector<Update> updates_;
  SlotTable<Job> jobs_;
  Rng rng_;
  double edge_bytes_ = 0, origin_bytes_ = 0;
  CounterId requests_c_, hits_c_, fetches_c_, stale_c_, expired_c_, purged_c_, evictions_c_, failed_c_;
  Figures figures_;  // every figure, reported by finish() in the order declared
};

}  // namespace

std::unique_ptr<Component> make_cdn(Params& p, BuildContext& bc) { return std::make_unique<Cdn>(p, bc); }

}  // namespace archsim
