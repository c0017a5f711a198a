#include "reports/trace_json.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

namespace archsim {

using nlohmann::ordered_json;

namespace {

double us(Time t) { return static_cast<double>(t) / 1e3; }
double ms(Time t) { return static_cast<double>(t) / 1e6; }

std::string name_of(const std::vector<std::string>& names, std::size_t i, const char* fallback) {
  return i < names.size() ? names[i] : std::string(fallback) + std::to_string(i);
}

// Drawing order inside one instant: the enclosing span first.
int depth(TraceSpan::Kind k) {
  switch (k) {
    case TraceSpan::Request: return 0;
    case TraceSpan::Serve: return 1;
    case TraceSpan::Call: return 2;
    case TraceSpan::Send: return 2;
    case TraceSpan::Queue: return 3;
    case TraceSpan::Work: return 3;
    case TraceSpan::Lock: return 3;
    case TraceSpan::Replicate: return 3;
  }
  return 4;
}


struct Traced {
  std::uint32_t index;   // into TraceData::request_ids
  Time latency;          // ended - started, or (run end - first span) when still in flight
  const TraceSpan* root; // the Request span, null when still in flight
};

}  // namespace

std::string trace_json(const RunResult& r) {
  const TraceData& t = r.trace;
  if (t.asked == 0) return {};
  const std::size_t n = t.request_ids.size();
  std::vector<std::vector<const TraceSpan*>> by_request(n);
  for (const TraceSpan& s : t.spans)
    if (s.begin != TraceSpan::kUnset) by_request[s.request].push_back(&s);

  std::vector<Traced> order;
  for (std::uint32_t k = 0; k < n; ++k) {
    Traced tr{k, 0, nullptr};
    Time first = t.end;
    for (const TraceSpan* s : by_request[k]) {
      if (s->kind == TraceSpan::Request) tr.root = s;
      first = std::min(first, s->begin);
    }
    tr.latency = tr.root ? tr.root->end - tr.root->begin : t.end - first;
    order.push_back(tr);
  }
  std::stable_sort(order.begin(), order.end(), [](const Traced& a, const Traced& b) { return a.latency > b.latency; });

  auto status = [&](std::uint8_t s) { return name_of(r.cause_names, s, "status "); };
  auto route = [&](std::uint16_t x) { return name_of(r.route_names, x, "route "); };
  auto comp = [&](std::uint32_t c) { return name_of(t.components, c, "component "); };

  ordered_json events = ordered_json::array();
  ordered_json listed = ordered_json::array();
  for (std::size_t pos = 0; pos < order.size(); ++pos) {
    const Traced& tr = order[pos];
    const int pid = static_cast<int>(pos) + 1;
    const std::uint64_t id = t.request_ids[tr.index];
    const auto& spans = by_request[tr.index];
    std::string route_name = tr.root ? route(tr.root->route) : (spans.empty() ? "" : route(spans.front()->route));
    const std::string outcome = tr.root ? status(tr.root->status) : "still in flight at the end";
    char label[256];
    std::snprintf(label, sizeof label, "request %llu · %s · %.3f ms · %s", static_cast<unsigned long long>(id),
                  route_name.c_str(), ms(tr.latency), outcome.c_str());
    events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", label}}}});
    events.push_back({{"name", "process_sort_index"}, {"ph", "M"}, {"pid", pid}, {"args", {{"sort_index", pid}}}});
    listed.push_back({{"pid", pid},
                      {"id", id},
                      {"route", route_name},
                      {"latency_ms", ms(tr.latency)},
                      {"status", tr.root ? outcome : "in flight"}});

    // The Serve span of each call, for the network time and the flow arrows.
    std::map<std::uint32_t, const TraceSpan*> serve_of;
    for (const TraceSpan* s : spans)
      if (s->kind == TraceSpan::Serve) serve_of[s->call] = s;

    // Tracks: per component, spans sorted enclosing-first, each on the first lane where it
    // nests in the open span or follows it.
    std::map<std::uint32_t, std::vector<const TraceSpan*>> per_comp;
    for (const TraceSpan* s : spans) per_comp[s->component].push_back(s);
    std::map<const TraceSpan*, int> tid_of;
    for (auto& [c, list] : per_comp) {
      // A model marks work or a wait with its end when it starts: one that would end after
      // the run is cut at the run's end, as a span still open is.
      auto end_of = [&](const TraceSpan* s) { return s->end == TraceSpan::kUnset ? t.end : std::min(s->end, t.end); };
      std::stable_sort(list.begin(), list.end(), [&](const TraceSpan* a, const TraceSpan* b) {
        if (a->begin != b->begin) return a->begin < b->begin;
        if (end_of(a) != end_of(b)) return end_of(a) > end_of(b);
        return depth(a->kind) < depth(b->kind);
      });
      std::vector<std::vector<Time>> lanes;  // per lane, the ends of its open spans
      for (const TraceSpan* s : list) {
        std::size_t lane = 0;
        for (; lane < lanes.size(); ++lane) {
          auto& open = lanes[lane];
          while (!open.empty() && open.back() <= s->begin) open.pop_back();
          if (open.empty() || end_of(s) <= open.back()) break;
        }
        if (lane == lanes.size()) lanes.emplace_back();
        lanes[lane].push_back(end_of(s));
        tid_of[s] = static_cast<int>(c) * 1000 + static_cast<int>(std::min<std::size_t>(lane, 998)) + 1;
      }
      for (std::size_t lane = 0; lane < lanes.size() && lane < 999; ++lane) {
        const int tid = static_cast<int>(c) * 1000 + static_cast<int>(lane) + 1;
        const std::string name = lane == 0 ? comp(c) : comp(c) + " #" + std::to_string(lane + 1);
        events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", pid}, {"tid", tid}, {"args", {{"name", name}}}});
        events.push_back(
            {{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", pid}, {"tid", tid}, {"args", {{"sort_index", tid}}}});
      }
    }

    // Emitted track by track in drawing order, so that a viewer given two spans of the same
    // extent nests them as sorted (the request around its first call).
    for (const auto& [c, list] : per_comp)
    for (const TraceSpan* s : list) {
      const bool open = s->end == TraceSpan::kUnset || s->end > t.end;
      const Time end = open ? t.end : s->end;
      ordered_json args = ordered_json::object();
      std::string name, cat;
      switch (s->kind) {
        case TraceSpan::Request:
          name = "request " + route(s->route);
          cat = "request";
          args["id"] = id;
          args["status"] = status(s->status);
          args["attempts"] = s->attempt + 1;
          break;
        case TraceSpan::Call:
        case TraceSpan::Send: {
          name = (s->kind == TraceSpan::Send ? "send " : "call ") + comp(s->peer) + " " + route(s->route);
          cat = "call";
          if (s->kind == TraceSpan::Call) args["status"] = open ? "no answer by the end" : status(s->status);
          args["attempt"] = s->attempt + 1;
          auto it = serve_of.find(s->call);
          if (it != serve_of.end()) args["network_ms"] = ms(it->second->begin - s->begin);
          else args["delivered"] = false;
          break;
        }
        case TraceSpan::Serve:
          name = route(s->route) + " from " + comp(s->peer);
          cat = "serve";
          args["status"] = open ? "still working at the end" : status(s->status);
          if (s->late) args["late"] = "answered after the caller gave up: the reply was dropped";
          break;
        case TraceSpan::Queue:
        case TraceSpan::Work:
        case TraceSpan::Lock:
        case TraceSpan::Replicate:
          name = cat = trace_mark_name(s->kind);
          break;
      }
      if (open && s->kind != TraceSpan::Serve && s->kind != TraceSpan::Call) args["unfinished"] = true;
      ordered_json e = {{"name", name}, {"cat", cat}, {"pid", pid}, {"tid", tid_of[s]}, {"ts", us(s->begin)}};
      if (s->kind == TraceSpan::Send) {
        e["ph"] = "i";
        e["s"] = "t";
      } else {
        e["ph"] = "X";
        e["dur"] = us(end - s->begin);
      }
      e["args"] = std::move(args);
      events.push_back(std::move(e));
      // The flow arrow from the call to where it was served.
      if (s->kind == TraceSpan::Call || s->kind == TraceSpan::Send) {
        auto it = serve_of.find(s->call);
        if (it == serve_of.end()) continue;
        events.push_back({{"name", "call"}, {"cat", "flow"}, {"ph", "s"}, {"id", s->call}, {"pid", pid},
                          {"tid", tid_of[s]}, {"ts", us(s->begin)}});
        events.push_back({{"name", "call"}, {"cat", "flow"}, {"ph", "f"}, {"bp", "e"}, {"id", s->call}, {"pid", pid},
                          {"tid", tid_of[it->second]}, {"ts", us(it->second->begin)}});
      }
    }
  }
  ordered_json doc;
  doc["displayTimeUnit"] = "ms";
  doc["otherData"] = {{"scenario", r.scenario},
                      {"seed", r.seed},
                      {"asked", t.asked},
                      {"traced", n},
                      {"every_nth_request", t.stride},
                      {"requests", std::move(listed)}};
  doc["traceEvents"] = std::move(events);
  return doc.dump() + "\n";
}

const char* trace_mark_name(TraceSpan::Kind k) {
  switch (k) {
    case TraceSpan::Queue: return "queue";
    case TraceSpan::Work: return "work";
    case TraceSpan::Lock: return "lock";
    case TraceSpan::Replicate: return "replication";
    default: return "";
  }
}

}  // namespace archsim
