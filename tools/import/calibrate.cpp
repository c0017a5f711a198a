#include "tools/import/calibrate.h"

#include "tools/import/calibrate_internal.h"
#include "tools/import/text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>
#include <tuple>

namespace archsim::import {

using detail::Attempt;
using detail::Logical;
using detail::Observation;
using detail::secs;

namespace {

bool serving(const Span& s) { return s.kind == Span::Server || s.kind == Span::Consumer; }
bool calling(const Span& s) { return s.kind == Span::Client || s.kind == Span::Producer; }

std::string first_word(const std::string& s) {
  const auto sp = s.find(' ');
  return ascii_lower(s.substr(0, sp));
}

// What a call to something not instrumented was, from OpenTelemetry's semantic conventions.
std::string uninstrumented_type(const Span& c) {
  if (!c.messaging_system.empty()) return "queue";
  const std::string db = ascii_lower(c.db_system);
  if (db.empty()) return "";
  return db == "redis" || db == "memcached" || db == "valkey" || db == "keydb" ? "cache" : "database";
}

// The route of a call to a database or a cache: the operation's class.
std::string leaf_route(const Span& c, const std::string& type) {
  const std::string op = first_word(c.db_operation.empty() ? c.name : c.db_operation);
  if (type == "cache") {
    if (op == "get" || op == "mget" || op == "hget" || op == "hgetall" || op == "exists") return "get";
    if (op == "del" || op == "unlink") return "delete";
    if (op == "set" || op == "setex" || op == "mset" || op == "hset" || op == "incr") return "set";
  }
  if (type == "database") {
    if (op == "select" || op == "find" || op == "get" || op == "query" || op == "aggregate") return "read";
    if (op == "insert" || op == "update" || op == "delete" || op == "upsert" || op == "replace") return "write";
  }
  return op.empty() ? "default" : op;
}

bool timed_out(const Attempt& a) {
  if (!a.client->error) return false;
  if (ascii_lower(a.client->status).find("timeout") != std::string::npos) return true;
  return a.server && a.server->end_ns > a.client->end_ns;
}

}  // namespace

void detail::count_call(CallModel& m, const Logical& l) {
  m.callee = l.callee;
  m.route = l.route;
  m.one_way = l.one_way;
  ++m.calls;
  if (l.failed()) ++m.failed;
  m.max_attempts = std::max<int>(m.max_attempts, static_cast<int>(l.attempts.size()));
  if (l.attempts.size() > 1) ++m.retried;
  for (std::size_t k = 0; k < l.attempts.size(); ++k) {
    const Attempt& a = l.attempts[k];
    if (timed_out(a)) m.timeouts.push_back(secs(a.client->end_ns - a.client->start_ns));
    if (k + 1 < l.attempts.size()) {
      m.backoffs.push_back(secs(l.attempts[k + 1].client->start_ns - a.client->end_ns));
      m.retried_on.insert(timed_out(a) ? "timeout" : a.client->status.empty() ? "error" : ascii_lower(a.client->status));
    }
  }
}

namespace {

// (caller's service, callee's service, callee's operation): calls that are asynchronous.
using AsyncEdges = std::set<std::tuple<std::string, std::string, std::string>>;

// A child of another service whose link says it is asynchronous: a FOLLOWS_FROM reference, a
// PRODUCER parent, a CONSUMER child of anything but a CLIENT, or (no reference type or kind
// to say so) a start after the parent span ended: its caller did not wait for it. Read after
// the clock-skew correction, which leaves such a child where it is only when it is on the
// parent's host or outlasts the parent (Jaeger's rule for an asynchronous child). A SERVER
// span that starts after its CLIENT parent ended is a call that timed out, not a message.
bool async_child(const Span& child, const Span& parent) {
  return child.follows || parent.kind == Span::Producer || (child.kind == Span::Consumer && parent.kind != Span::Client) ||
         (child.start_ns >= parent.end_ns && !(parent.kind == Span::Client && child.kind == Span::Server));
}

AsyncEdges async_edges(const std::vector<TraceFile>& files) {
  AsyncEdges out;
  for (const TraceFile& f : files) {
    std::map<std::pair<std::string, std::string>, const Span*> by_id;
    for (const Span& s : f.spans) by_id[{s.trace, s.id}] = &s;
    for (const Span& s : f.spans) {
      auto it = s.parent.empty() ? by_id.end() : by_id.find({s.trace, s.parent});
      if (it == by_id.end() || it->second->service == s.service || !async_child(s, *it->second)) continue;
      out.insert({it->second->service, s.service, s.name});
    }
  }
  return out;
}

struct Walker {
  Calibration& cal;
  const std::vector<Span>& spans;
  std::vector<Observation>& seen;
  const AsyncEdges& async;
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> children;
  double weight = 1;  // of the trace being walked: the requests it stands for
  std::int64_t resolution = 0;  // the file's start-time resolution (TraceFile::start_resolution_ns)

  Walker(Calibration& c, const std::vector<Span>& s, std::vector<Observation>& o, const AsyncEdges& a)
      : cal(c), spans(s), seen(o), async(a) {
    for (std::size_t i = 0; i < spans.size(); ++i)
      if (!spans[i].parent.empty()) children[{spans[i].trace, spans[i].parent}].push_back(i);
  }

  const std::vector<std::size_t>& kids(const Span& s) {
    static const std::vector<std::size_t> none;
    auto it = children.find({s.trace, s.id});
    return it == children.end() ? none : it->second;
  }

  const Span* other_service_child(const Span& s) {
    for (std::size_t i : kids(s))
      if (spans[i].service != s.service) return &spans[i];
    return nullptr;
  }

  ServiceModel& service(const std::string& name) {
    ServiceModel& m = cal.services[name];
    m.name = name;
    return m;
  }

  // The calls a span's service makes below it (through its own other spans), and its waits.
  // A calling span with several children in other services made a call to each (Jaeger draws
  // a link per reference): a message two consumers took, a client that went to two servers.
  void collect(const Span& node, const std::string& owner, std::vector<Attempt>& calls,
               std::vector<std::pair<std::int64_t, std::int64_t>>& waits) {
    for (std::size_t i : kids(node)) {
      const Span& c = spans[i];
      if (!c.mark.empty() && c.service != owner) continue;  // another component's wait (a queue's), not a call
      if (c.service != owner) {
        calls.push_back({&c, &c});  // Jaeger's rule: another service below is a call
      } else if (calling(c) || (c.kind == Span::Unspecified && (other_service_child(c) || !c.peer.empty() ||
                                                                 !c.db_system.empty() || !c.messaging_system.empty()))) {
        const std::size_t before = calls.size();
        for (std::size_t k : kids(c))
          if (spans[k].service != c.service) calls.push_back({&c, &spans[k]});
        if (calls.size() == before) calls.push_back({&c, nullptr});
      } else if (c.mark == "queue" || c.mark == "lock" || c.mark == "replication") {
        waits.emplace_back(c.start_ns, c.end_ns);
      } else if (c.mark != "work") {
        collect(c, owner, calls, waits);
      }
    }
  }

  // Attempts folded into logical calls: a failed call followed by a call to the same callee
  // and route, not overlapping it, is its retry.
  std::vector<Logical> logical(const std::string& owner, std::vector<Attempt> calls) {
    auto order = [](const Attempt& a) {
      return std::make_tuple(a.client->start_ns, std::string_view(a.client->id), a.server ? a.server->start_ns : 0,
                             a.server ? std::string_view(a.server->id) : std::string_view());
    };
    std::sort(calls.begin(), calls.end(), [&](const Attempt& a, const Attempt& b) { return order(a) < order(b); });
    std::vector<Logical> out;
    for (const Attempt& a : calls) {
      const Span* c = a.client;
      Logical l;
      // Asynchronous when this call's span says so, or when any link of this caller to the same
      // callee and operation did (async_edges): one edge, one kind of call.
      l.one_way = c->kind == Span::Producer ||
                  (a.server && (a.server->follows || (a.server->kind == Span::Consumer && c->kind != Span::Client) ||
                                async.count({owner, a.server->service, a.server->name})));
      const bool queue_span = a.server && a.server->component_type == "queue";  // the broker traced itself
      if (a.server && (!l.one_way || queue_span)) {
        l.callee = a.server->service;
        l.route = a.server->name;
      } else if (a.server) {  // asynchronous, to the consumer itself: through a queue the traces do not show
        // The broker by name when the call names one (peer.service, or the workload the name
        // matching found for its messaging.system), else by its messaging.system.
        l.callee = !c->peer.empty() && c->peer != a.server->service ? c->peer
                   : !c->messaging_system.empty()                   ? ascii_lower(c->messaging_system)
                                                                    : a.server->service + "-queue";
        l.route = a.server->name;
        ServiceModel& q = service(l.callee);
        if (q.type.empty()) {
          q.type = "queue";
          q.type_why = c->messaging_system.empty() ? "an asynchronous link (FOLLOWS_FROM, PRODUCER, CONSUMER, or a child "
                                                     "starting after its caller's span ended) to " +
                                                         a.server->service + ", which the traces show no broker for"
                                                   : "messaging.system " + c->messaging_system;
        }
        q.uninstrumented = true;
      } else {
        const std::string type = uninstrumented_type(*c);
        l.callee = !c->peer.empty() ? c->peer : !c->db_system.empty() ? ascii_lower(c->db_system)
                   : !c->messaging_system.empty() ? ascii_lower(c->messaging_system) : c->name;
        l.route = type.empty() ? c->name : leaf_route(*c, type);
        ServiceModel& m = service(l.callee);
        if (m.type.empty() && !type.empty()) {
          m.type = type;
          m.type_why = !c->messaging_system.empty() ? "messaging.system " + c->messaging_system : "db.system " + c->db_system;
        }
        m.uninstrumented = true;
      }
      if (!out.empty() && out.back().failed() && out.back().callee == l.callee && out.back().route == l.route &&
          c->start_ns >= out.back().end) {
        out.back().attempts.push_back(a);
        out.back().end = c->end_ns;
        continue;
      }
      l.attempts.push_back(a);
      l.start = c->start_ns;
      l.end = c->end_ns;
      out.push_back(std::move(l));
    }
    return out;
  }

  // The callee side of each attempt: its own span walked, or (not instrumented) its time.
  void follow(const std::string& caller, const Logical& l) {
    for (const Attempt& a : l.attempts) {
      if (a.server && a.server->service == l.callee) {
        // A link's latency is one-way and archsim draws it twice, for the request and for the
        // reply: half the time the call spent outside the callee's span (the caller's span minus
        // the callee's), so that the round trip's mean is the traces'. The request's half alone
        // (the callee's start minus the caller's) doubled the round trip where the wait is before
        // the callee's span starts (a real gRPC shop: 35 ms before, 14 ms after, on average); two
        // durations also need no clock shared between the hosts.
        if (a.server != a.client && !l.one_way)
          cal.links[{caller, l.callee}].latency.push_back(secs(std::max<std::int64_t>(
              0, ((a.client->end_ns - a.client->start_ns) - (a.server->end_ns - a.server->start_ns)) / 2)));
        serve(*a.server);
        continue;
      }
      ServiceModel& m = service(l.callee);
      if (a.server) {  // through a queue: it delivers to the consumer's service
        m.consumers.insert(a.server->service);
        m.consumer_route = a.server->name;
        serve(*a.server);
        continue;
      }
      OperationModel& op = m.ops[l.route];
      ++op.count;
      ShapeModel& shape = op.shapes["W"];
      shape.signature = "W";
      ++shape.count;
      if (shape.steps.empty()) shape.steps.resize(1);
      shape.steps[0].work.push_back(secs(a.client->end_ns - a.client->start_ns));
    }
  }

  void serve(const Span& s) {
    std::vector<Attempt> raw;
    Observation o{nullptr, s.name, s.start_ns, s.end_ns, s.error, {}, {}, resolution};
    collect(s, s.service, raw, o.waits);
    std::vector<Logical> all = logical(s.service, raw);
    ServiceModel& m = service(s.service);
    o.service = &m;
    m.busy_s += secs(s.end_ns - s.start_ns) * weight;
    if (!s.host.empty()) m.hosts.insert(s.host);
    ++m.served;
    if (m.type.empty() && !s.component_type.empty()) {
      m.type = s.component_type;
      m.type_why = "archsim.component.type";
    }
    // A queue's calls are its deliveries to its consumers, and so are calls a service makes
    // after its span ended (made later, for a message it took): neither is a step of the route.
    const bool queue = s.component_type == "queue";
    for (Logical& l : all) {
      if (queue || l.start > s.end_ns) {
        m.consumers.insert(l.callee);
        m.consumer_route = l.route;
        follow(s.service, l);
      } else {
        o.calls.push_back(std::move(l));
      }
    }
    for (const Logical& l : o.calls) follow(s.service, l);
    seen.push_back(std::move(o));
  }

  void root(const Span& r, double sampling, const std::string& from) {
    ClientModel* client = nullptr;
    std::vector<Logical> calls;
    if (!serving(r) && r.kind != Span::Unspecified) {
      std::vector<Attempt> raw;
      std::vector<std::pair<std::int64_t, std::int64_t>> waits;
      collect(r, r.service, raw, waits);
      calls = logical(r.service, raw);
    }
    // An INTERNAL root that calls nothing is its service's own work (a job, a handler whose
    // SDK leaves no SERVER span), not a load generator: a request to that service.
    const bool own_work = r.kind == Span::Internal && calls.empty();
    if (serving(r) || r.kind == Span::Unspecified || own_work) {
      std::string name = "users";
      auto it = cal.clients.find(name);
      if (it != cal.clients.end() && (!it->second.added || it->second.target != r.service)) name = "users-" + r.service;
      client = &cal.clients[name];
      client->name = name;
      client->added = true;
      client->target = r.service;
    } else {
      if (calls.empty()) {
        ++cal.skipped;
        return;
      }
      client = &cal.clients[r.service];
      client->name = r.service;
      client->target = calls.front().callee;
    }
    weight = 1 / sampling;
    client->sampling = sampling;
    client->sampling_from = from;
    client->weight += weight;
    if (client->requests == 0 || r.start_ns < client->first_ns) client->first_ns = r.start_ns;
    if (client->requests == 0 || r.start_ns > client->last_ns) client->last_ns = r.start_ns;
    ++client->requests;
    // A client's route is what its target serves: the root's own name when the root is the
    // target's span, the first call's route when the root is the caller's (a client span).
    ++client->routes[client->added ? r.name : calls.front().route];
    client->durations.push_back(secs(r.end_ns - r.start_ns));
    if (client->added) {
      serve(r);
      return;
    }
    for (const Logical& l : calls) {
      if (l.callee != client->target) {
        cal.notes.push_back("client " + client->name + " also calls " + l.callee + ": only its calls to " + client->target +
                            " are modelled (a client has one target)");
        continue;
      }
      count_call(client->call, l);
      follow(r.service, l);
    }
  }
};

}  // namespace

Calibration calibrate(const std::vector<TraceFile>& files, double sampling) {
  Calibration cal;
  std::vector<Observation> seen;
  const AsyncEdges async = async_edges(files);
  for (const TraceFile& f : files) {
    Walker w(cal, f.spans, seen, async);
    w.resolution = f.start_resolution_ns;
    std::map<std::string, bool> unfinished;
    for (const Span& s : f.spans) unfinished[s.trace] = unfinished[s.trace] || s.unfinished;
    std::uint64_t traces = 0;
    for (const Span& s : f.spans) {
      if (!s.parent.empty()) continue;
      if (unfinished[s.trace]) {
        ++cal.skipped;
        continue;
      }
      ++traces;
      // The sampling probability: --sampling, else the root span's sampler tags (Jaeger
      // clients tag the root), else the file's (its processes' tags, OpenTelemetry's
      // tracestate), else every request was traced.
      if (sampling > 0) w.root(s, sampling, "--sampling");
      else if (s.sampling > 0) w.root(s, s.sampling, "the root spans' sampler tags");
      else if (f.sampling > 0) w.root(s, f.sampling, "the file's sampler (tracestate or process tags)");
      else w.root(s, 1, "");
    }
    cal.traces += traces;
    cal.spans += f.spans.size();
    char p[32];
    std::snprintf(p, sizeof p, "%g", f.sampling);
    cal.files.push_back(f.file + " (" + f.format + ", " + std::to_string(traces) + " traces, " +
                        std::to_string(f.spans.size()) + " spans" + (f.sampling > 0 ? std::string(", sampled at ") + p : "") +
                        ")");
    if (f.orphans)
      cal.notes.push_back(f.file + ": " + std::to_string(f.orphans) + " orphan spans (their parent is not in their trace: " +
                          "lost or not sampled) and the " + std::to_string(f.below_orphans) +
                          " spans below them left out; the rest of their traces is used");
    if (f.start_resolution_ns)
      cal.notes.push_back(f.file + ": every span starts on a whole millisecond while durations are finer (a millisecond " +
                          "clock, as Jaeger's Java client before 1.0 wrote): calls overlapping by less than that are " +
                          "not taken as parallel");
    if (f.remote_roots)
      cal.notes.push_back(f.file + ": " + std::to_string(f.remote_roots) + " traces with no root span whose top span's " +
                          "parent is not in the file (a caller that passed its trace context on but exported no span): " +
                          "that span taken as where the request entered");
    if (f.cycles) cal.notes.push_back(f.file + ": " + std::to_string(f.cycles) + " spans whose parents form a cycle left out");
    if (f.duplicates)
      cal.notes.push_back(f.file + ": " + std::to_string(f.duplicates) + " spans repeating an id already seen in their trace left out");
    if (f.skewed)
      cal.notes.push_back(f.file + ": " + std::to_string(f.skewed) + " spans moved to correct clock skew between hosts (a " +
                          "child that did not fit in its parent, centred in it as Jaeger's query service does)");
  }
  detail::build_shapes(seen);
  std::int64_t first = 0, last = 0;
  bool any = false;
  for (auto& [name, c] : cal.clients) {
    if (c.requests >= 2 && c.last_ns > c.first_ns)
      c.rate = c.weight * static_cast<double>(c.requests - 1) / static_cast<double>(c.requests) / secs(c.last_ns - c.first_ns);
    if (!any || c.first_ns < first) first = c.first_ns;
    if (!any || c.last_ns > last) last = c.last_ns;
    any = true;
  }
  cal.window_s = secs(last - first);
  return cal;
}

}  // namespace archsim::import
