// A service's routes: from the traces' shapes (work fitted, calls as seen, retries and
// timeouts as measured), or guessed from its manifest with placeholder work.
#include <algorithm>
#include <cstdio>
#include <cmath>
#include <map>
#include <set>

#include "tools/import/quantity.h"
#include "tools/import/writer_internal.h"

namespace archsim::import {

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The causes a call step's retry.on may name (the engine's, the policies' and the families').
const std::set<std::string> kCauses = {"timeout", "rejected", "error", "rate_limited", "circuit_open", "bulkhead_full",
                                       "unavailable", "dropped", "shed", "pool_timeout"};

// Paths of an operation rarer than this share of its requests, or seen fewer times than a fit
// needs, are folded into the others (their requests are named in the list): a path fitted
// from a handful of samples says more about chance than about the system.
constexpr std::size_t kMaxShapes = 8;
constexpr double kMinShare = 0.05;
constexpr std::uint64_t kMinCount = 20;

template <class F>
void for_each_call(const std::vector<StepModel>& steps, F f) {
  for (const StepModel& st : steps) {
    for (const CallModel& m : st.calls) f(m);
    for_each_call(st.body, f);
  }
}

// A path's own time in all its requests, loops' passes included.
double own_time(const std::vector<StepModel>& steps) {
  double sum = 0;
  for (const StepModel& st : steps) {
    for (double x : st.work) sum += x;
    sum += own_time(st.body);
  }
  return sum;
}

std::string number_text(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

// "2 in 11 requests, 6 in 11": each count and how many requests ran it.
std::string counts_text(const std::vector<int>& counts) {
  std::map<int, int> n;
  for (int c : counts) ++n[c];
  std::string out;
  for (const auto& [c, k] : n)
    out += (out.empty() ? "" : ", ") + std::to_string(c) + " in " + std::to_string(k) + (out.empty() ? " requests" : "");
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> Writer::named_by(const Workload& w) const {
  std::vector<std::pair<std::string, std::string>> refs;  // (component id, why)
  const std::string self = id_of(w.name);
  auto add = [&](const std::string& name, const std::string& why) {
    const std::string id = id_of(name);
    if (id.empty() || id == self) return;
    for (const auto& r : refs)
      if (r.first == id) return;
    refs.emplace_back(id, why);
  };
  for (const std::string& d : w.depends_on) add(d, "depends_on");
  for (const auto& [key, value] : w.env) {
    std::string token;
    for (std::size_t i = 0; i <= value.size(); ++i) {
      const char ch = i < value.size() ? value[i] : ' ';
      if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') {
        token += ch;
        continue;
      }
      if (!token.empty()) add(token, key.empty() ? "its command line names it" : key + " names it");
      token.clear();
    }
  }
  return refs;
}

ojson Writer::fitted(const std::vector<double>& samples, const std::string& path, const std::string& what) {
  const Fit f = fit_distribution(samples, heavy_tails);
  g.add(Guess::Fitted, path, what + ": " + f.summary());
  return f.dist;
}

ojson Writer::work_step(const std::vector<double>& samples, const std::string& path, const std::string& what) {
  return {{"work", fitted(samples, path, what)}};
}

ojson Writer::call_step(const std::string& from, const CallModel& m, const std::string& path) {
  const std::string to = id_of(m.callee);
  Component* callee = find(m.callee);
  if (to.empty() || !callee || callee->family == "client") return nullptr;
  ojson s;
  if (callee->family == "queue") {
    s["publish"] = to;
    s["route"] = m.route;
    if (!m.one_way) s["ack"] = true;
  } else {
    s["call"] = to;
    s["route"] = m.route;
  }
  edges.insert({from, to});
  if (!m.timeouts.empty()) {
    s["timeout"] = seconds_text(median(m.timeouts));
    g.add(Guess::Fitted, path + ".timeout", "the median duration of the " + std::to_string(m.timeouts.size()) +
                                                " attempts that timed out");
  }
  if (m.max_attempts > 1) {
    ojson on = ojson::array();
    for (const std::string& c : m.retried_on) {
      const std::string cause = kCauses.count(c) ? c : "error";
      if (std::find(on.begin(), on.end(), cause) == on.end()) on.push_back(cause);
    }
    s["retry"] = {{"max_attempts", m.max_attempts},
                  {"backoff", {{"base", seconds_text(median(m.backoffs))}, {"multiplier", 1}, {"jitter", "none"}}},
                  {"on", on}};
    g.add(Guess::Inferred, path + ".retry",
          "retries seen as repeated calls after a failure: up to " + std::to_string(m.max_attempts) +
              " attempts; backoff the median gap between attempts (" + seconds_text(median(m.backoffs)) +
              "), constant (the traces show " + std::to_string(m.backoffs.size()) + " gaps, not the policy's law)");
  }
  return s;
}

void Writer::model_steps(Component& c, const std::string& route, const std::vector<StepModel>& model, const std::string& at,
                         double scale, const CallPolicies& policy, ojson& steps) {
  auto with_policy = [&](CallModel m) {
    auto it = policy.find({m.callee, m.route});
    if (it != policy.end() && it->second.max_attempts > 1)
      m.max_attempts = it->second.max_attempts, m.backoffs = it->second.backoffs, m.retried_on = it->second.retried_on;
    return m;
  };
  // A parallel block's calls (`width` copies of one for a fan-out): the publishes made
  // alongside them (they do not wait for their consumers) go just before it, a block holds calls only.
  auto block = [&](const std::vector<CallModel>& calls, std::size_t width, ojson& out) {
    ojson par = ojson::array();
    for (std::size_t pass = 0; pass < width; ++pass)
      for (const CallModel& m : calls) {
        const Component* callee = find(m.callee);
        if (!callee || callee->family != "queue") continue;
        ojson s = call_step(c.id, m, at + "." + std::to_string(out.size()));
        if (!s.is_null()) out.push_back(s);
      }
    const std::string pp = at + "." + std::to_string(out.size());
    for (std::size_t pass = 0; pass < width; ++pass)
      for (const CallModel& m : calls) {
        const Component* callee = find(m.callee);
        if (callee && callee->family == "queue") continue;
        ojson s = call_step(c.id, with_policy(m), pp + ".parallel." + std::to_string(par.size()));
        if (!s.is_null()) par.push_back(s);
      }
    if (par.size() == 1) out.push_back(par[0]);
    else if (!par.empty()) out.push_back({{"parallel", par}});
  };
  for (const StepModel& st : model) {
    const std::string sp = at + "." + std::to_string(steps.size());
    if (st.kind == StepModel::Work) {
      std::vector<double> w = st.work;
      std::sort(w.begin(), w.end());
      if (w[w.size() / 2] < 1e-6) continue;  // no own time here in most requests
      for (double& x : w) x *= c.work_scale * scale;  // c.work_scale: 1 unless workers share traced cores
      steps.push_back(work_step(w, sp + ".work", "own time of " + c.id + " on " + route));
    } else if (st.kind == StepModel::Call) {
      ojson s = call_step(c.id, with_policy(st.calls[0]), sp);
      if (!s.is_null()) steps.push_back(s);
    } else if (st.kind == StepModel::Parallel && st.counts.empty()) {
      block(st.calls, 1, steps);
    } else if (st.kind == StepModel::Parallel) {
      // A fan-out: a parallel block holds a fixed number of calls and no repeat, so its width
      // per request is a choice of the widths seen, each weighted as seen (the counts' law
      // exactly); one width is one block.
      std::map<int, int> widths;
      for (int w : st.counts) ++widths[w];
      if (widths.size() == 1) {
        block(st.calls, static_cast<std::size_t>(widths.begin()->first), steps);
        continue;
      }
      ojson arms = ojson::array();
      for (const auto& [w, n] : widths) {
        ojson arm = ojson::array();
        block(st.calls, static_cast<std::size_t>(w), arm);
        arms.push_back({{"weight", n}, {"steps", arm}});
      }
      g.add(Guess::Inferred, sp + ".choice",
            "a fan-out: " + st.calls[0].callee + " called several times at once (" + counts_text(st.counts) +
                "): a choice of the widths, each weighted as seen (a parallel block holds a fixed number of calls)");
      steps.push_back({{"choice", arms}});
    } else {
      loop_steps(c, route, st, at, scale, policy, steps);
    }
  }
}

// A loop as passes written out and a repeat (fit_loop_count, fit.h): the mean count is the
// traces', its spread the nearest the format's geometric repeat gives.
void Writer::loop_steps(Component& c, const std::string& route, const StepModel& loop, const std::string& at, double scale,
                        const CallPolicies& policy, ojson& steps) {
  const LoopCount f = fit_loop_count(loop.counts);
  const std::size_t first = steps.size();
  const std::string here = at + "." + std::to_string(first);
  // The first pass where it goes (its fits' lines name it), the others copies of it.
  ojson body = ojson::array();
  if (f.unrolled > 0) {
    model_steps(c, route, loop.body, at, scale, policy, steps);
    body.insert(body.end(), steps.begin() + static_cast<long>(first), steps.end());
    for (int pass = 1; pass < f.unrolled; ++pass) steps.insert(steps.end(), body.begin(), body.end());
  } else {
    model_steps(c, route, loop.body, here + ".repeat", scale, policy, body);
  }
  if (body.empty()) return;
  const std::string how =
      f.least == f.most ? "its calls ran " + std::to_string(f.least) + " times in every request"
                        : "its calls ran a number of times per request (" + counts_text(loop.counts) + "; mean " +
                              number_text(f.mean) + ", variance " + number_text(f.variance) + ")";
  if (!f.repeat) {
    // A unit that loops in other requests of the route, once in every request of this path: a call.
    if (f.unrolled > 1) g.add(Guess::Inferred, here, "a loop: " + how + ": written out pass by pass, exact");
    return;
  }
  const double p = std::round(f.probability * 1e6) / 1e6;
  steps.push_back({{"repeat", body}, {"probability", p}});
  g.add(f.capped ? Guess::Warning : Guess::Inferred, here,
        "a loop: " + how + ": " + (f.unrolled == 1 ? std::string("1 pass written out, then ")
                                          : f.unrolled ? std::to_string(f.unrolled) + " passes written out, then " : std::string()) +
            "a repeat with probability " + number_text(p) + ", a geometric count (the count's mean " + number_text(f.fit_mean) +
            ", variance " + number_text(f.fit_variance) +
            (f.capped ? "; a repeat's probability is at most 0.99, so the mean is below the traces'"
                      : ": the mean is the traces', the variance the nearest a repeat gives") +
            ")");
}

ojson Writer::traced_steps(Component& c, const std::string& route, const OperationModel& op) {
  std::vector<const ShapeModel*> shapes;
  for (const auto& [sig, s] : op.shapes) shapes.push_back(&s);
  std::stable_sort(shapes.begin(), shapes.end(), [](const ShapeModel* a, const ShapeModel* b) { return a->count > b->count; });
  // A rare path is folded only when the paths kept call everything it calls: every traced
  // call edge stays in the scenario (a search of Jaeger's UI returns 20 traces, in which a
  // path seen 3 times may be the only one reaching a service).
  auto callees = [](const ShapeModel* sh) {
    std::set<std::string> out;
    for_each_call(sh->steps, [&](const CallModel& m) { out.insert(m.callee); });
    return out;
  };
  auto covered = [&](const ShapeModel* last) {
    std::set<std::string> kept;
    for (const ShapeModel* sh : shapes)
      if (sh != last) kept.merge(callees(sh));
    const std::set<std::string> its = callees(last);
    return std::includes(kept.begin(), kept.end(), its.begin(), its.end());
  };
  // The rarest foldable path goes first, also beyond the 8 commonest: a gateway's one route
  // ("/*" of a Spring Cloud Gateway) takes a path per API it forwards to, and the one request
  // to a rarely used API may be the only call to its service.
  auto rare = [&](const ShapeModel* sh) {
    return sh->count < kMinCount || static_cast<double>(sh->count) < kMinShare * static_cast<double>(op.count);
  };
  std::uint64_t dropped = 0;
  for (bool folded = true; folded && shapes.size() > 1;) {
    folded = false;
    for (std::size_t i = shapes.size(); i-- > 0;)
      if ((shapes.size() > kMaxShapes || rare(shapes[i])) && covered(shapes[i])) {
        dropped += shapes[i]->count;
        shapes.erase(shapes.begin() + static_cast<long>(i));
        folded = true;
        break;
      }
  }
  const std::string base = c.id + ".routes." + route;
  // The folded requests' own time is not dropped with their paths: the kept paths' work is
  // scaled so that the operation's mean own time per request stays the traces'. Paths that
  // differ by how many times a loop ran (a checkout's one call per item in the cart: 18
  // requests, 7 of one item, the others of 2, 4 and 5) would otherwise leave the commonest,
  // shortest one: the own time 44% low.
  double fold_scale = 1;
  if (dropped) {
    auto own = [](const ShapeModel& sh) { return own_time(sh.steps); };
    double all = 0, kept = 0;
    std::uint64_t kept_n = 0;
    for (const auto& [sig, sh] : op.shapes) all += own(sh);
    for (const ShapeModel* sh : shapes) kept += own(*sh), kept_n += sh->count;
    if (kept > 0 && op.count > 0)
      fold_scale = (all / static_cast<double>(op.count)) / (kept / static_cast<double>(kept_n));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", fold_scale);
    g.add(Guess::Inferred, base, std::to_string(dropped) + " of " + std::to_string(op.count) +
                                     " requests took rarer paths (each under 5% of the requests or seen under 20 times "
                                     "or beyond the 8 commonest, and calling nothing the others do not): folded into the "
                                     "commoner paths' weights, their own time kept (the kept paths' work x " + buf +
                                     ": the operation's mean own time per request is the traces')");
  }
  // A retry policy is the caller's, not one call's: attempts seen on any call of this
  // operation to a callee and route stand for every such call (HotROD's driver retries each of
  // its dozen Redis GetDriver calls; a trace shows the retries on the two that failed).
  CallPolicies policy;
  std::map<std::pair<std::string, std::string>, std::pair<std::uint64_t, std::uint64_t>> seen;  // (calls that retried, calls)
  for (const ShapeModel* shape : shapes)
    for_each_call(shape->steps, [&](const CallModel& m) {
      CallModel& p = policy[{m.callee, m.route}];
      p.max_attempts = std::max(p.max_attempts, m.max_attempts);
      p.backoffs.insert(p.backoffs.end(), m.backoffs.begin(), m.backoffs.end());
      p.retried_on.insert(m.retried_on.begin(), m.retried_on.end());
      auto& [retried, all] = seen[{m.callee, m.route}];
      retried += m.retried;
      all += m.calls;
    });
  for (const auto& [key, n] : seen)
    if (n.first > 0 && n.first < n.second)
      g.add(Guess::Inferred, base, "retries of " + key.first + " " + key.second + " seen on " + std::to_string(n.first) +
                                       " of its " + std::to_string(n.second) + " calls in this route's requests: the policy given to all");
  ojson arms = ojson::array();
  for (std::size_t a = 0; a < shapes.size(); ++a) {
    const ShapeModel& shape = *shapes[a];
    const std::string at = shapes.size() == 1 ? base : base + ".0.choice." + std::to_string(a) + ".steps";
    ojson steps = ojson::array();
    model_steps(c, route, shape.steps, at, fold_scale, policy, steps);
    if (steps.empty()) steps.push_back({{"work", "0s"}});
    arms.push_back({{"weight", shape.count}, {"steps", steps}});
  }
  if (arms.size() == 1) return arms[0]["steps"];
  std::string ways;
  for (const ShapeModel* s : shapes) ways += (ways.empty() ? "" : "; ") + std::to_string(s->count) + "x " + s->signature;
  g.add(Guess::Inferred, base + ".0.choice",
        "requests took " + std::to_string(shapes.size()) + " paths, each weighted by how often it was seen (" + ways +
            "): a fixed mix, not a cache's hit ratio that would move with load");
  return ojson::array({{{"choice", arms}}});
}

void Writer::guessed_steps(Component& c) {
  const std::string p = c.id + ".routes.*";
  ojson steps = ojson::array();
  steps.push_back({{"work", {{"dist", "exponential"}, {"mean", "5ms"}}}});
  g.add(Guess::Placeholder, p + ".0.work", "exponential mean 5ms of work per request: no trace of " + c.id +
                                               " (import with --traces to measure it)");
  std::vector<std::string> caches, dbs, queues, others;
  std::map<std::string, std::string> why_of;
  for (const auto& [id, why] : guessed[c.id]) {
    const Component* k = find(id);
    (k->family == "cache" ? caches : k->family == "database" ? dbs : k->family == "queue" ? queues : others).push_back(id);
    why_of[id] = why;
  }
  const bool consumer = !c.consumes.empty();
  const std::string db_route = consumer ? "write" : "read";
  // Each guessed call, warned about: only a startup order or a host name says it is made.
  auto warn = [&](const std::string& to, const std::string& how) {
    g.add(Guess::Warning, p + "." + std::to_string(steps.size() - 1),
          "a guessed call " + c.id + " -> " + to + " (" + why_of[to] + "): " + how +
              ", once per request; no trace shows it (the manifest says what " + c.id + " depends on, not when it calls it)");
  };
  if (!caches.empty() && !dbs.empty()) {
    steps.push_back({{"call", caches[0]}, {"route", "get"},
                     {"on_miss", ojson::array({{{"call", dbs[0]}, {"route", db_route}}, {{"call", caches[0]}, {"route", "set"}}})}});
    edges.insert({c.id, caches[0]});
    edges.insert({c.id, dbs[0]});
    warn(caches[0], "cache-aside: get from " + caches[0] + ", on a miss " + db_route + " " + dbs[0] + " and set the key");
    warn(dbs[0], "on a miss of " + caches[0]);
    caches.erase(caches.begin());
    dbs.erase(dbs.begin());
  }
  for (const std::string& id : caches) steps.push_back({{"call", id}, {"route", "get"}}), edges.insert({c.id, id}), warn(id, "a get");
  for (const std::string& id : dbs)
    steps.push_back({{"call", id}, {"route", db_route}}), edges.insert({c.id, id}),
        warn(id, std::string("a ") + db_route + (consumer ? " (a consumer's database calls are writes)" : ""));
  for (const std::string& id : others) steps.push_back({{"call", id}}), edges.insert({c.id, id}), warn(id, "a call");
  for (const std::string& id : queues)
    if (c.consumes != id) steps.push_back({{"publish", id}}), edges.insert({c.id, id}), warn(id, "a publish");
  c.json["routes"] = {{"*", steps}};
}

}  // namespace archsim::import
