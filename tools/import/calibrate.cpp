#include "tools/import/calibrate.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace archsim::import {

namespace {

bool serving(const Span& s) { return s.kind == Span::Server || s.kind == Span::Consumer; }
bool calling(const Span& s) { return s.kind == Span::Client || s.kind == Span::Producer; }
double secs(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string first_word(const std::string& s) {
  const auto sp = s.find(' ');
  return lower(s.substr(0, sp));
}

// What a call to something not instrumented was, from OpenTelemetry's semantic conventions.
std::string uninstrumented_type(const Span& c) {
  if (!c.messaging_system.empty()) return "queue";
  const std::string db = lower(c.db_system);
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

struct Attempt {
  const Span* client;  // the call as its caller timed it
  const Span* server;  // the callee's span, null when the callee left none
};

struct Logical {
  std::string callee, route;
  bool one_way = false;
  std::vector<Attempt> attempts;
  std::int64_t start = 0, end = 0;
  bool failed() const { return attempts.back().client->error; }
};

bool timed_out(const Attempt& a) {
  if (!a.client->error) return false;
  if (lower(a.client->status).find("timeout") != std::string::npos) return true;
  return a.server && a.server->end_ns > a.client->end_ns;
}

struct Walker {
  Calibration& cal;
  const std::vector<Span>& spans;
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> children;

  Walker(Calibration& c, const std::vector<Span>& s) : cal(c), spans(s) {
    for (std::size_t i = 0; i < spans.size(); ++i)
      if (!spans[i].parent.empty()) children[{spans[i].trace, spans[i].parent}].push_back(i);
  }

  const std::vector<std::size_t>& kids(const Span& s) {
    static const std::vector<std::size_t> none;
    auto it = children.find({s.trace, s.id});
    return it == children.end() ? none : it->second;
  }

  ServiceModel& service(const std::string& name) {
    ServiceModel& m = cal.services[name];
    m.name = name;
    return m;
  }

  // The calls a span's service makes below it (through its own INTERNAL spans), and its waits.
  void collect(const Span& node, const std::string& owner, std::vector<const Span*>& calls,
               std::vector<std::pair<std::int64_t, std::int64_t>>& waits) {
    for (std::size_t i : kids(node)) {
      const Span& c = spans[i];
      if (calling(c) || serving(c)) {
        if (c.service == owner || serving(c)) calls.push_back(&c);
      } else if (c.service == owner) {
        if (c.mark == "queue" || c.mark == "lock" || c.mark == "replication") waits.emplace_back(c.start_ns, c.end_ns);
        else if (c.mark != "work") collect(c, owner, calls, waits);
      }
    }
  }

  // Attempts folded into logical calls: a failed call followed by a call to the same callee
  // and route, not overlapping it, is its retry.
  std::vector<Logical> logical(std::vector<const Span*> calls) {
    std::sort(calls.begin(), calls.end(), [](const Span* a, const Span* b) {
      return a->start_ns != b->start_ns ? a->start_ns < b->start_ns : a->id < b->id;
    });
    std::vector<Logical> out;
    for (const Span* c : calls) {
      Attempt a{c, nullptr};
      if (serving(*c)) a.server = c;
      else
        for (std::size_t i : kids(*c))
          if (serving(spans[i])) {
            a.server = &spans[i];
            break;
          }
      Logical l;
      l.one_way = c->kind == Span::Producer;
      const bool broker = l.one_way && !c->messaging_system.empty();
      if (a.server && !broker) {
        l.callee = a.server->service;
        l.route = a.server->name;
      } else {
        const std::string type = uninstrumented_type(*c);
        l.callee = !c->peer.empty() ? c->peer : !c->db_system.empty() ? lower(c->db_system)
                   : !c->messaging_system.empty() ? lower(c->messaging_system) : c->name;
        l.route = type.empty() ? c->name : leaf_route(*c, type);
        ServiceModel& m = service(l.callee);
        if (m.type.empty() && !type.empty()) {
          m.type = type;
          m.type_why = !c->messaging_system.empty() ? "messaging.system " + c->messaging_system : "db.system " + c->db_system;
        }
        if (!a.server) m.uninstrumented = true;
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

  void count_call(CallModel& m, const Logical& l) {
    m.callee = l.callee;
    m.route = l.route;
    m.one_way = l.one_way;
    ++m.calls;
    if (l.failed()) ++m.failed;
    m.max_attempts = std::max<int>(m.max_attempts, static_cast<int>(l.attempts.size()));
    for (std::size_t k = 0; k < l.attempts.size(); ++k) {
      const Attempt& a = l.attempts[k];
      if (timed_out(a)) m.timeouts.push_back(secs(a.client->end_ns - a.client->start_ns));
      if (k + 1 < l.attempts.size()) {
        m.backoffs.push_back(secs(l.attempts[k + 1].client->start_ns - a.client->end_ns));
        m.retried_on.insert(timed_out(a) ? "timeout" : a.client->status.empty() ? "error" : lower(a.client->status));
      }
    }
  }

  // The callee side of each attempt: its own span walked, or (not instrumented) its time.
  void follow(const std::string& caller, const Logical& l) {
    for (const Attempt& a : l.attempts) {
      if (a.server && !(l.one_way && !a.client->messaging_system.empty())) {
        if (a.server != a.client && a.client->kind == Span::Client)
          cal.links[{caller, l.callee}].latency.push_back(secs(std::max<std::int64_t>(0, a.server->start_ns - a.client->start_ns)));
        serve(*a.server);
        continue;
      }
      ServiceModel& m = service(l.callee);
      if (a.server) {  // a broker's consumer: the queue delivers to its service
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
    std::vector<const Span*> raw;
    std::vector<std::pair<std::int64_t, std::int64_t>> waits;
    collect(s, s.service, raw, waits);
    std::vector<Logical> all = logical(raw);
    ServiceModel& m = service(s.service);
    if (m.type.empty() && !s.component_type.empty()) {
      m.type = s.component_type;
      m.type_why = "archsim.component.type";
    }
    // Calls that start after the span ended are deliveries made later (a queue to its consumers).
    std::vector<Logical> calls;
    for (Logical& l : all) {
      if (l.start >= s.end_ns && s.end_ns > s.start_ns) {
        m.consumers.insert(l.callee);
        m.consumer_route = l.route;
        follow(s.service, l);
      } else {
        calls.push_back(std::move(l));
      }
    }
    // Groups of overlapping calls run in parallel.
    std::vector<std::vector<const Logical*>> groups;
    std::int64_t group_end = 0;
    for (const Logical& l : calls) {
      if (groups.empty() || l.start >= group_end) {
        groups.emplace_back();
        group_end = l.end;
      }
      groups.back().push_back(&l);
      group_end = std::max(group_end, l.end);
    }
    auto own = [&](std::int64_t from, std::int64_t to) {
      std::int64_t len = std::max<std::int64_t>(0, to - from);
      for (const auto& [b, e] : waits) len -= std::max<std::int64_t>(0, std::min(e, to) - std::max(b, from));
      return secs(std::max<std::int64_t>(0, len));
    };
    std::string sig = "W";
    for (auto& g : groups) {
      std::sort(g.begin(), g.end(), [](const Logical* a, const Logical* b) {
        return a->callee != b->callee ? a->callee < b->callee : a->route < b->route;
      });
      std::string inner;
      for (const Logical* l : g) inner += (inner.empty() ? "" : ",") + std::string(l->one_way ? "S(" : "C(") + l->callee + "/" + l->route + ")";
      sig += g.size() == 1 ? " " + inner + " W" : " P(" + inner + ") W";
    }
    OperationModel& op = m.ops[s.name];
    ++op.count;
    bool call_failed = false;
    for (const Logical& l : calls) call_failed = call_failed || l.failed();
    if (s.error && !call_failed) ++op.own_errors;
    ShapeModel& shape = op.shapes[sig];
    shape.signature = sig;
    ++shape.count;
    if (shape.steps.empty()) {
      shape.steps.emplace_back();
      for (const auto& g : groups) {
        StepModel st;
        st.kind = g.size() == 1 ? StepModel::Call : StepModel::Parallel;
        st.calls.resize(g.size());
        shape.steps.push_back(std::move(st));
        shape.steps.emplace_back();
      }
    }
    std::int64_t at = s.start_ns;
    std::size_t step = 0;
    for (const auto& g : groups) {
      std::int64_t start = g.front()->start, end = 0;
      for (const Logical* l : g) start = std::min(start, l->start), end = std::max(end, l->end);
      shape.steps[step++].work.push_back(own(at, start));
      for (std::size_t k = 0; k < g.size(); ++k) count_call(shape.steps[step].calls[k], *g[k]);
      ++step;
      at = end;
    }
    shape.steps[step].work.push_back(own(at, s.end_ns));
    for (const Logical& l : calls) follow(s.service, l);
  }

  void root(const Span& r, double sampling) {
    ClientModel* client = nullptr;
    std::vector<Logical> calls;
    if (serving(r)) {
      std::string name = "users";
      auto it = cal.clients.find(name);
      if (it != cal.clients.end() && (!it->second.added || it->second.target != r.service)) name = "users-" + r.service;
      client = &cal.clients[name];
      client->name = name;
      client->added = true;
      client->target = r.service;
    } else {
      std::vector<const Span*> raw;
      std::vector<std::pair<std::int64_t, std::int64_t>> waits;
      collect(r, r.service, raw, waits);
      calls = logical(raw);
      if (calls.empty()) {
        ++cal.skipped;
        return;
      }
      client = &cal.clients[r.service];
      client->name = r.service;
      client->target = calls.front().callee;
    }
    client->sampling = sampling;
    if (client->requests == 0 || r.start_ns < client->first_ns) client->first_ns = r.start_ns;
    if (client->requests == 0 || r.start_ns > client->last_ns) client->last_ns = r.start_ns;
    ++client->requests;
    ++client->routes[r.name];
    client->durations.push_back(secs(r.end_ns - r.start_ns));
    if (serving(r)) {
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
  for (const TraceFile& f : files) {
    const double p = sampling > 0 ? sampling : f.sampling > 0 ? f.sampling : 1;
    Walker w(cal, f.spans);
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
      w.root(s, p);
    }
    cal.traces += traces;
    cal.spans += f.spans.size();
    cal.files.push_back(f.file + " (" + f.format + ", " + std::to_string(traces) + " traces, " +
                        std::to_string(f.spans.size()) + " spans" +
                        (f.sampling > 0 ? ", sampled at " + std::to_string(f.sampling) : "") + ")");
  }
  for (auto& [name, c] : cal.clients)
    if (c.requests >= 2 && c.last_ns > c.first_ns)
      c.rate = static_cast<double>(c.requests - 1) / secs(c.last_ns - c.first_ns) / c.sampling;
  return cal;
}

}  // namespace archsim::import
