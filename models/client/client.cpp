// The Client component: reading its parameters, its report and its description; the run
// itself is in client_run.cpp.
#include "models/client/client.h"
#include "models/client/client_model.h"
#include "models/client/sessions.h"

namespace archsim {
namespace client {

Client::Client(Params& p, BuildContext& bc) : rng_(bc.rng(0)), key_rng_(bc.rng(1)), session_rng_(bc.rng(2)) {
  target_ = bc.reference(p, "target", RefKind::SyncCall);
  duration_ = bc.duration();
  timeout_ = p.duration("timeout", 0);
  cancel_ = read_cancel_on_timeout(p, timeout_);  // models/server/call_policy/on_timeout.h
  // Users are outside the data centre: a zone or region outage where the client is placed
  // cuts what runs there, not them, unless the client is an internal caller.
  internal_ = p.boolean("internal", false);
  // Resilience policies (retry, circuit_breaker, bulkhead, rate_limiter, fallback) wrap
  // every request; "timeout" is then the per-attempt timeout.
  if (CallPolicy::wanted(p))
    policy_ = std::make_unique<CallPolicy>(p, bc, CallPolicy::Site::Client, bc.id(), "resilience", bc.sub_owner(p),
                                           *this, timeout_);
  bool has_arrivals = p.has("arrivals"), has_users = p.has("users");
  bool has_sessions = p.shape("sessions") == Params::Shape::object;
  int modes = int(has_arrivals) + int(has_users) + int(has_sessions);
  if (modes != 1)
    p.fail_here(modes > 1 ? "give one of \"arrivals\" (open loop), \"users\" (closed loop) or \"sessions\" "
                            "(users arriving for a session), not several"
                          : "needs \"arrivals\" (open loop: {\"rate\": 100}), \"users\" (closed loop) or "
                            "\"sessions\" ({\"rate\": 10, \"length\": \"30m\"})");
  if (has_sessions) {
    // Users arrive as a Poisson process of sessions; each stays closed-loop for a drawn
    // session length; the concurrent users follow (M/G/infinity: L = rate x mean length).
    closed_ = sessions_mode_ = true;
    Params s = p.object("sessions");
    rate_ = s.profile("rate", 0, 1e7);
    flat_ = rate_.is_constant();
    plain_poisson_ = rate_.points.size() == 1;
    if (rate_.max() <= 0) s.fail("rate", "must be positive somewhere in the run (sessions per second)");
    length_ = s.distribution("length");
    if (!(length_.mean() > 0)) s.fail("length", "must have a positive mean (a session that lasts no time has no user)");
    // Slots grow by doubling (amortised); reserve the expected peak, rate x mean length.
    double expect = rate_.max() * length_.mean() / 1e9;
    if (expect > 5e7)
      s.fail("rate", "x the mean session length asks for about " + std::to_string(static_cast<long long>(expect)) +
                         " concurrent users (the limit is 50 million users per client)");
    std::size_t reserve = static_cast<std::size_t>(std::ceil(expect * 1.2)) + 16;
    state_.reserve(reserve);
    session_end_.reserve(reserve);
    free_.reserve(reserve);
    session_id_.reserve(reserve);
    think_ = p.distribution("think_time", Distribution::constant(0));
  } else if (has_arrivals) {
    Params a = p.object("arrivals");
    constant_ = a.choice("process", "poisson", {"poisson", "constant"}) == "constant";
    rate_ = a.profile("rate", 0, 1e9);
    flat_ = rate_.is_constant();
    plain_poisson_ = !constant_ && rate_.points.size() == 1;
    if (rate_.max() <= 0) a.fail("rate", "must be positive somewhere in the run");
  } else {
    closed_ = true;
    users_ = p.profile("users", 0, 1e12);
    double peak = users_.max();
    if (peak > 5e7)
      p.fail("users", "asks for " + std::to_string(static_cast<long long>(peak)) +
                          " concurrent users; that would need about " +
                          std::to_string(static_cast<long long>(peak * kBytesPerUser / 1e9)) +
                          " GB of memory (the limit is 50 million users per client)");
    think_ = p.distribution("think_time", Distribution::constant(0));
    state_.assign(static_cast<std::size_t>(std::ceil(peak)), kIdle);
    pooled_think_ = think_.kind == Distribution::Kind::Exponential && think_.p1 > 0;
  }
  read_fixed_count(p, bc);
  read_access_log(p, bc);
  if (!sessions_mode_) {
    if (closed_ && p.has("sessions"))
      p.fail("sessions", "a number of sessions is for open loop; a closed-loop user is its own session "
                         "(for arriving users give \"sessions\": {\"rate\": ..., \"length\": ...} instead of \"users\")");
    sessions_ = static_cast<std::uint64_t>(p.integer("sessions", 1000, 1, 1'000'000'000));
  }
  auto routes = p.objects("routes");
  double total = 0;
  for (Params& r : routes) {
    RouteSpec s;
    s.route = bc.route_index(r.string("name"));
    for (const RouteSpec& prev : routes_)
      if (prev.route == s.route) r.fail("name", "route \"" + r.string("name") + "\" is listed twice (give it one weight)");
    const double weight = r.number("weight", 1.0, 0.0, 1e9);
    total += weight;
    s.cumulative = total;
    if (weight > 0) bc.sends_route(target_, s.route, r.path("name"));
    s.write = r.boolean("write", false);
    s.response_kb = r.number("response_kb", 0.0, 0.0, 1e9);
    if (s.response_kb > 0) {
      if (kb_by_route_.size() <= s.route) kb_by_route_.resize(s.route + 1, 0.0);
      kb_by_route_[s.route] = s.response_kb;
    }
    counters_.read(r, s.route, bc.id(), bc);
    if (auto keys = r.object_opt("keys")) {
      s.key_count = static_cast<std::uint64_t>(keys->integer("count", 1, 1, 1'000'000'000'000));
      double skew = keys->number("zipf", 0.0, 0.0, 10.0);
      if (skew > 0) s.zipf.emplace(s.key_count, skew);
      s.scramble = keys->boolean("scramble", false);
      if (s.scramble && skew <= 0) keys->fail("scramble", "scrambles a Zipf key space: give \"zipf\" > 0 (uniform keys have no hot ones to spread)");
      if (keys->has("format")) {
        const std::string f = keys->string("format");
        if (std::string why = KeyFormat::problem(f); !why.empty()) keys->fail("format", "\"" + f + "\" " + why);
        const std::uint32_t index = bc.key_format_index(f);
        if (index >= kMaxKeyFormats)
          keys->fail("format", "is the scenario's " + std::to_string(index + 1) + "th key format; at most " +
                                   std::to_string(kMaxKeyFormats) + " are distinct");
        s.format.emplace(f, index, s.key_count);
      }
    }
    routes_.push_back(std::move(s));
  }
  if (routes_.empty()) {
    RouteSpec s;
    s.route = bc.route_index("default");
    s.cumulative = 1;
    bc.sends_route(target_, s.route, p.path("target"));
    routes_.push_back(std::move(s));
    total = 1;
  } else if (total <= 0) {
    p.fail("routes", "the route weights must not all be zero");
  }
  std::string id = bc.id();
  Metrics& m = bc.metrics();
  sent_c_ = m.counter(id, "sent", "offered_rps");
  ok_c_ = m.counter(id, "ok", "throughput_rps");
  failed_c_ = m.counter(id, "failed", "errors_rps");
  // Latency of the requests answered Ok, and of every request that ended (latency_all: a
  // failed one when it failed): call_ended records each request once, into latency_h_ or
  // other_h_, and latency_all_h_ is their sum, as the "all" ones are the clients' sums.
  latency_h_ = m.histogram(id, "latency", "latency");
  other_h_ = m.windowed_histogram(id, "latency_other");
  latency_all_h_ = m.histogram(id, "latency_all", "latency_all");
  m.sum_into(latency_h_, latency_all_h_);
  m.sum_into(other_h_, latency_all_h_);
  bc.end_to_end_latency(latency_h_, other_h_, timeout_);
  // Requests sent and not yet ended (retries included): end-to-end Little's law, L = X W.
  in_system_g_ = m.gauge(id, "in_system");
  // Users online, for the page's users chart: sessions in progress, or a closed loop's users
  // present (started by the profile, not yet left when it fell).
  if (closed_) active_g_ = m.gauge(id, "active_users", "active_users");
  if (sessions_mode_) sessions_c_ = m.counter(id, "sessions", "sessions_per_s");
  declare_figures(m, id);
}

// The figures in summary.json, in order; finish() reports them.
void Client::declare_figures(Metrics& m, const std::string& id) {
  figures_ = Figures(m, id);
  Figures& f = figures_;
  f.total("sent", sent_c_);
  f.total("ok", ok_c_);
  f.total("failed", failed_c_);
  f.rate("throughput_rps", ok_c_);
  f.rate("offered_rps", sent_c_);
  f.summary("latency_ms", latency_h_);
  f.summary("latency_all_ms", latency_all_h_);
  f.mean("in_system", in_system_g_);
  // Whole run, as billed (decimal GB, as cloud egress is priced); none sent, no figure.
  f.value("egress_gb", [this] { return egress_kb_ / 1e6; }, Figures::Show::IfAny);
  if (sessions_mode_) {
    f.held("sessions_started", sessions_started_);
    // Every session is one user's visit: daily active users are sessions started per
    // simulated day (a user who comes twice a day counts twice), averaged over the whole
    // days of the run; a run shorter than a day reports the sessions of its partial day.
    f.derived("daily_active_users", [this](Context& ctx) {
      double days = to_seconds(ctx.end_time()) / 86400.0;
      std::uint64_t whole = static_cast<std::uint64_t>(std::floor(days + 1e-9));
      std::uint64_t total = 0;
      for (std::uint64_t d = 0; d < sessions_by_day_.size() && (whole == 0 || d < whole); ++d) total += sessions_by_day_[d];
      return whole == 0 ? static_cast<double>(total) : static_cast<double>(total) / static_cast<double>(whole);
    });
    // One figure per day the run reached (up to 31): their number is known at the end only.
    f.custom([this](Context&, ComponentReport& r) {
      for (std::size_t d = 0; d < sessions_by_day_.size() && d < 31; ++d)
        r.add("daily_active_users_day" + std::to_string(d + 1), static_cast<double>(sessions_by_day_[d]));
    });
    f.mean("active_users", active_g_);
    f.held("active_users_peak", peak_active_);
    f.value("session_length_mean_s", [this] { return length_.mean() / 1e9; });
  }
  if (fixed_.on)
    fixed_.declare(
        f, [this](Context& ctx) { return to_seconds(test_end_ >= 0 ? test_end_ : ctx.end_time()); },
        [this](Context& ctx) { return static_cast<double>(ctx.metrics().total(ok_c_) + ctx.metrics().total(failed_c_)); });
}

void Client::finish(Context& ctx, ComponentReport& r) {
  figures_.report(ctx, r);
  if (egress_kb_ > 0) r.usage().egress_gb = egress_kb_ / 1e6;  // the cost ledger's per_gb_egress
  if (fixed_.on) fixed_.report_executor(r);
  counters_.report(ctx.metrics(), r);
  counters_.declare_page(r.page());
  if (policy_) policy_->finish(ctx, r);
}

// `iterations` and `executor` (fixed_count.h): a closed loop of a constant number of users
// that stops after a count of iterations, and ends the run when it does.
void Client::read_fixed_count(Params& p, BuildContext& bc) {
  if (!p.has("iterations") && !p.has("executor")) return;
  if (p.has("iterations") && (!closed_ || sessions_mode_))
    p.fail("iterations", "stops a closed loop after a number of requests (ab -n, k6 iterations): give a number of "
                         "\"users\" (ab -c, k6 vus), not \"arrivals\" or \"sessions\"");
  fixed_.read(p, users_, bc.warmup());
  bc.ends_run_when_done();
}

// For `archsim analyze` (scenario/describe.h): peak load, target and request mix.
void Client::describe(Description& d) const {
  d.kind = Description::Kind::Source;
  d.target = target_;
  d.target_timeout_s = to_seconds(timeout_);
  if (policy_) d.target_policy = policy_->summary();
  // The requests per second each point of a profile stands for (users / think time).
  auto load = [&d](const Profile& p, double per) {
    for (const auto& [t, v] : p.points) d.load_profile.emplace_back(to_seconds(t), v * per);
  };
  if (sessions_mode_) {
    d.peak_users = rate_.max() * length_.mean() / 1e9;
    d.mean_load = rate_.mean_until(duration_) * length_.mean() / 1e9;
    d.think_mean_s = think_.mean() / 1e9;
    load(rate_, length_.mean() / 1e9 / std::max(d.think_mean_s, 1e-3));
    // A session outlives the start by its length: after three mean lengths all but e^-3 (5 %)
    // of exponential sessions begun before have ended.
    d.memory_s = 3 * length_.mean() / 1e9;
  } else if (closed_) {
    d.peak_users = users_.max();
    d.mean_load = users_.mean_until(duration_);
    d.think_mean_s = think_.mean() / 1e9;
    load(users_, 1 / std::max(d.think_mean_s, 1e-3));
  } else {
    d.peak_rate_rps = rate_.max();
    d.mean_load = rate_.mean_until(duration_);
    load(rate_, 1);
  }
  double prev = 0;
  for (const RouteSpec& r : routes_) {
    Description::RouteShare share;
    share.route = r.route;
    share.weight = r.cumulative - prev;
    share.write = r.write;
    share.keys = r.key_count;
    share.zipf = r.zipf ? r.zipf->exponent() : 0.0;
    d.routes.push_back(share);
    prev = r.cumulative;
  }
}

}  // namespace client

std::unique_ptr<Component> make_client(Params& p, BuildContext& bc) {
  if (p.shape("connections") == Params::Shape::object) return make_connection_client(p, bc);  // sessions.h
  return std::make_unique<client::Client>(p, bc);
}

}  // namespace archsim
