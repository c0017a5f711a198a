// An operation's requests as steps: which of its calls run in parallel (a pair overlapping in
// most requests that made both), which parallel blocks are one call fanned out, and which call
// groups repeat back to back (a loop, its count per request kept). Requests whose steps match
// are one shape of the operation; their own time between the steps is measured per slot.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tools/import/calibrate_internal.h"

namespace archsim::import::detail {

namespace {

using PairKey = std::pair<std::string, std::string>;
struct OpKey {
  const ServiceModel* s;
  std::string op;
  bool operator<(const OpKey& o) const { return s != o.s ? s < o.s : op < o.op; }
};

// Each call's key with its occurrence in the request ("C(db/read)#2"): the pairs whose overlap
// is counted across requests.
std::vector<std::string> occurrence_keys(const Observation& o) {
  std::map<std::string, int> n;
  std::vector<std::string> keys;
  for (const Logical& l : o.calls) {
    const std::string k = l.key();
    keys.push_back(k + "#" + std::to_string(++n[k]));
  }
  return keys;
}

// A call group of one request: one call or a parallel block (indexes into o.calls, in key
// order), keyed "C(a/x)", "P(C(a/x),C(b/y))", or for one call made several times at once (a
// fan-out, whatever its width: a list's items sent on futures) "P(C(a/x))*". Blocks of one
// call next to another of the same call are waves through a pool of workers (HotROD's
// frontend: ten calls three at a time): their widths vary from wave to wave while their sum
// does not, so each keeps its width in its key ("P(C(a/x),C(a/x))"), and equal waves loop.
struct Group {
  std::vector<std::size_t> calls;
  std::string key;
  bool fan_out = false;
};

std::vector<Group> groups_of(const Observation& o, const std::set<PairKey>& parallel) {
  const std::vector<std::string> keys = occurrence_keys(o);
  std::vector<std::vector<std::size_t>> gs;
  for (std::size_t i = 0; i < o.calls.size(); ++i) {
    // A call joins the block being built when it runs beside every call already in it: calls
    // through a pool of workers (HotROD's frontend asks route for ten routes three at a time)
    // are waves of blocks, not one block of all (the tenth starts after the first ended).
    bool joins = !gs.empty();
    if (joins)
      for (std::size_t j : gs.back()) joins = joins && parallel.count({std::min(keys[i], keys[j]), std::max(keys[i], keys[j])});
    if (joins) gs.back().push_back(i);
    else gs.push_back({i});
  }
  // The one call a group makes, "" when it makes several different ones.
  auto only = [&](const std::vector<std::size_t>& g) {
    for (std::size_t i : g)
      if (o.calls[i].key() != o.calls[g.front()].key()) return std::string();
    return o.calls[g.front()].key();
  };
  std::vector<Group> out;
  for (std::size_t k = 0; k < gs.size(); ++k) {
    std::vector<std::size_t>& g = gs[k];
    std::sort(g.begin(), g.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
    const std::string one = only(g);
    const bool wave = (k > 0 && only(gs[k - 1]) == one) || (k + 1 < gs.size() && only(gs[k + 1]) == one);
    Group x{g, "", g.size() > 1 && !one.empty() && !wave};
    std::string inner;
    for (std::size_t i : g) inner += (inner.empty() ? "" : ",") + o.calls[i].key();
    x.key = g.size() == 1 ? inner : x.fan_out ? "P(" + one + ")*" : "P(" + inner + ")";
    out.push_back(std::move(x));
  }
  return out;
}

using Unit = std::vector<std::string>;  // the keys of a loop's groups, in order

// A stretch of a request's groups: one group (n == 0), or a unit of `len` groups run n times.
struct Segment {
  std::size_t first = 0, len = 1, n = 0;
};

// The loop starting at group i that covers the most groups (len x n; the shorter unit on a
// tie): among the units of `known` run at least once, or (known null) any unit of up to
// kMaxLoopUnit groups run at least twice.
Segment loop_at(const std::vector<Group>& gs, std::size_t i, const std::set<Unit>* known) {
  Segment best{i, 1, 0};
  for (std::size_t len = 1; len <= kMaxLoopUnit && i + len <= gs.size(); ++len) {
    Unit u;
    for (std::size_t k = 0; k < len; ++k) u.push_back(gs[i + k].key);
    if (known && !known->count(u)) continue;
    std::size_t n = 1;
    for (bool more = true; more && i + (n + 1) * len <= gs.size();) {
      for (std::size_t k = 0; k < len && more; ++k) more = gs[i + n * len + k].key == u[k];
      if (more) ++n;
    }
    if (n < (known ? 1u : 2u)) continue;
    if (len * n > best.len * best.n) best = {i, len, n};
  }
  return best;
}

StepModel group_step(const Group& g) {
  StepModel st;
  st.kind = g.calls.size() == 1 ? StepModel::Call : StepModel::Parallel;
  st.calls.resize(g.fan_out ? 1 : g.calls.size());
  return st;
}

// One observation into its operation's shapes: `units` are the loops seen in the operation
// (a unit seen looping in one request is a loop of one pass where another runs it once, so
// that requests differing only by their count are one shape).
void add_shape(const Observation& o, const std::vector<Group>& gs, const std::set<Unit>& units) {
  std::vector<Segment> segs;
  for (std::size_t i = 0; i < gs.size();) {
    Segment s = units.empty() ? Segment{i, 1, 0} : loop_at(gs, i, &units);
    if (s.n == 0) s = {i, 1, 0};
    segs.push_back(s);
    i += s.n == 0 ? 1 : s.len * s.n;
  }
  auto own = [&](std::int64_t from, std::int64_t to) {
    std::int64_t len = std::max<std::int64_t>(0, to - from);
    for (const auto& [b, e] : o.waits) len -= std::max<std::int64_t>(0, std::min(e, to) - std::max(b, from));
    return secs(std::max<std::int64_t>(0, len));
  };
  std::string sig = "W";
  for (const Segment& s : segs) {
    if (s.n == 0) {
      sig += " " + gs[s.first].key + " W";
      continue;
    }
    std::string unit;
    for (std::size_t k = 0; k < s.len; ++k) unit += (k ? " " : "") + gs[s.first + k].key;
    sig += " L[" + unit + "] W";
  }
  OperationModel& op = o.service->ops[o.op];
  ++op.count;
  bool call_failed = false;
  for (const Logical& l : o.calls) call_failed = call_failed || l.failed();
  if (o.error && !call_failed) ++op.own_errors;
  ShapeModel& shape = op.shapes[sig];
  shape.signature = sig;
  ++shape.count;
  if (shape.steps.empty()) {
    shape.steps.emplace_back();
    for (const Segment& s : segs) {
      if (s.n == 0) {
        shape.steps.push_back(group_step(gs[s.first]));
      } else {
        StepModel loop;
        loop.kind = StepModel::Loop;
        for (std::size_t k = 0; k < s.len; ++k) {
          loop.body.emplace_back();
          loop.body.push_back(group_step(gs[s.first + k]));
        }
        shape.steps.push_back(std::move(loop));
      }
      shape.steps.emplace_back();
    }
  }
  std::int64_t at = o.start;
  // One group's calls into its step (a fan-out's width kept), its own time before it into `before`.
  auto take = [&](const Group& g, StepModel& before, StepModel& st) {
    std::int64_t start = o.calls[g.calls.front()].start, end = 0;
    for (std::size_t i : g.calls) start = std::min(start, o.calls[i].start), end = std::max(end, o.calls[i].end);
    before.work.push_back(own(at, start));
    for (std::size_t k = 0; k < g.calls.size(); ++k) count_call(st.calls[g.fan_out ? 0 : k], o.calls[g.calls[k]]);
    if (g.fan_out) st.counts.push_back(static_cast<int>(g.calls.size()));
    at = std::max(at, end);
  };
  std::size_t step = 0;
  for (const Segment& s : segs) {
    if (s.n == 0) {
      take(gs[s.first], shape.steps[step], shape.steps[step + 1]);
      step += 2;
      continue;
    }
    // The time before the loop is its first pass's, as the time between passes is the next
    // one's: each pass of the written loop draws it once, and the request's own time adds up.
    shape.steps[step].work.push_back(0);
    StepModel& loop = shape.steps[step + 1];
    loop.counts.push_back(static_cast<int>(s.n));
    for (std::size_t pass = 0; pass < s.n; ++pass)
      for (std::size_t k = 0; k < s.len; ++k) take(gs[s.first + pass * s.len + k], loop.body[2 * k], loop.body[2 * k + 1]);
    step += 2;
  }
  shape.steps[step].work.push_back(own(at, o.end));
}

}  // namespace

void build_shapes(const std::vector<Observation>& seen) {
  std::map<OpKey, std::map<PairKey, std::pair<std::uint64_t, std::uint64_t>>> pairs;  // (both made, overlapped)
  for (const Observation& o : seen) {
    const std::vector<std::string> keys = occurrence_keys(o);
    auto& p = pairs[{o.service, o.op}];
    for (std::size_t i = 0; i < o.calls.size(); ++i)
      for (std::size_t j = i + 1; j < o.calls.size(); ++j) {
        auto& [both, overlapped] = p[{std::min(keys[i], keys[j]), std::max(keys[i], keys[j])}];
        ++both;
        // Overlapping by more than the clock's resolution: two calls made one after the other
        // within one millisecond of a millisecond clock seem to overlap, and are not parallel.
        if (std::min(o.calls[i].end, o.calls[j].end) - std::max(o.calls[i].start, o.calls[j].start) > o.resolution)
          ++overlapped;
      }
  }
  std::map<OpKey, std::set<PairKey>> parallel;
  for (const auto& [op, p] : pairs)
    for (const auto& [k, n] : p)
      if (static_cast<double>(n.second) > kParallelShare * static_cast<double>(n.first)) parallel[op].insert(k);
  static const std::set<PairKey> none;
  std::vector<std::vector<Group>> groups;
  std::map<OpKey, std::set<Unit>> units;  // the loops each operation ran (twice or more somewhere)
  for (const Observation& o : seen) {
    auto it = parallel.find({o.service, o.op});
    groups.push_back(groups_of(o, it == parallel.end() ? none : it->second));
    const std::vector<Group>& gs = groups.back();
    for (std::size_t i = 0; i < gs.size();) {
      const Segment s = loop_at(gs, i, nullptr);
      if (s.n < 2) {
        ++i;
        continue;
      }
      Unit u;
      for (std::size_t k = 0; k < s.len; ++k) u.push_back(gs[i + k].key);
      units[{o.service, o.op}].insert(u);
      i += s.len * s.n;
    }
  }
  static const std::set<Unit> no_units;
  for (std::size_t k = 0; k < seen.size(); ++k) {
    auto it = units.find({seen[k].service, seen[k].op});
    add_shape(seen[k], groups[k], it == units.end() ? no_units : it->second);
  }
}

}  // namespace archsim::import::detail
