#include "sim/trace.h"

#include <algorithm>
#include <cmath>

namespace archsim {

Tracer::Tracer(std::uint32_t n, double estimated) {
  data_.asked = n;
  // 0.9: a Poisson source sends a little less than its mean now and then; the N requests
  // then still all fall inside the run (spread over its first 90 % or more).
  if (n > 0 && 0.9 * estimated > n) data_.stride = static_cast<std::uint64_t>(std::floor(0.9 * estimated / n));
  data_.request_ids.reserve(n);
  data_.spans.reserve(static_cast<std::size_t>(n) * 16);
}

std::int64_t Tracer::index_of(std::uint64_t id) {
  if (id == 0 || id % data_.stride != 0) return -1;
  auto it = requests_.find(id);
  if (it != requests_.end()) return it->second;
  if (data_.request_ids.size() >= data_.asked) return -1;
  const auto k = static_cast<std::uint32_t>(data_.request_ids.size());
  data_.request_ids.push_back(id);
  requests_.emplace(id, k);
  return k;
}

void Tracer::call(CallId h, const RequestInfo& req, std::uint32_t caller, std::uint32_t callee, Time now,
                  bool one_way) {
  const std::int64_t k = index_of(req.id);
  if (k < 0) return;
  TraceSpan s;
  s.request = static_cast<std::uint32_t>(k);
  s.route = req.route;
  s.attempt = req.attempt;
  s.call = next_call_++;
  TraceSpan at_caller = s;
  at_caller.kind = one_way ? TraceSpan::Send : TraceSpan::Call;
  at_caller.component = caller;
  at_caller.peer = callee;
  at_caller.begin = now;
  if (one_way) at_caller.end = now;
  TraceSpan at_callee = s;
  at_callee.kind = TraceSpan::Serve;
  at_callee.component = callee;
  at_callee.peer = caller;
  const auto first = static_cast<std::uint32_t>(data_.spans.size());
  data_.spans.push_back(at_caller);
  data_.spans.push_back(at_callee);
  calls_[h] = Open{first, first + 1};
}

void Tracer::delivered(CallId h, Time now) {
  auto it = calls_.find(h);
  if (it != calls_.end()) data_.spans[it->second.serve_span].begin = now;
}

void Tracer::replied(CallId h, Time now, Status status, bool caller_gone) {
  auto it = calls_.find(h);
  if (it == calls_.end()) return;
  TraceSpan& s = data_.spans[it->second.serve_span];
  s.end = now;
  s.status = static_cast<std::uint8_t>(status);
  s.late = caller_gone && data_.spans[it->second.call_span].kind == TraceSpan::Call;
}

void Tracer::answered(CallId h, Time now, Status status) {
  auto it = calls_.find(h);
  if (it == calls_.end()) return;
  TraceSpan& s = data_.spans[it->second.call_span];
  s.end = now;
  s.status = static_cast<std::uint8_t>(status);
}

void Tracer::span(CallId h, TraceSpan::Kind kind, Time begin, Time end) {
  auto it = calls_.find(h);
  if (it == calls_.end()) return;
  TraceSpan s = data_.spans[it->second.serve_span];
  s.kind = kind;
  s.begin = begin;
  s.end = end;
  s.status = 0;
  data_.spans.push_back(s);
}

void Tracer::mark(const RequestInfo& req, std::uint32_t component, TraceSpan::Kind kind, Time begin, Time end) {
  auto it = requests_.find(req.id);
  if (it == requests_.end()) return;
  TraceSpan s;
  s.kind = kind;
  s.request = it->second;
  s.route = req.route;
  s.attempt = req.attempt;
  s.component = component;
  s.begin = begin;
  s.end = end;
  data_.spans.push_back(s);
}

void Tracer::request_ended(const RequestInfo& req, std::uint32_t client, Time now, Status status) {
  const std::int64_t k = index_of(req.id);
  if (k < 0) return;
  TraceSpan s;
  s.kind = TraceSpan::Request;
  s.request = static_cast<std::uint32_t>(k);
  s.route = req.route;
  s.attempt = req.attempt;
  s.component = client;
  s.begin = req.start;
  s.end = now;
  s.status = static_cast<std::uint8_t>(status);
  data_.spans.push_back(s);
}

TraceData Tracer::take(std::vector<std::string> components, Time end) {
  data_.components = std::move(components);
  data_.end = end;
  return std::move(data_);
}

}  // namespace archsim
