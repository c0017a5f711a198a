#include "sim/request_log.h"

#include <algorithm>

#include "sim/random.h"

namespace archsim {

void RequestLog::add_source(std::uint32_t component, std::string id, double sample, std::uint64_t max_lines,
                            std::string format) {
  if (by_component_.size() <= component) by_component_.resize(component + 1, 0);
  by_component_[component] = static_cast<std::uint32_t>(data_.sources.size() + 1);
  RequestLogData::Source s;
  s.component = std::move(id);
  s.format = std::move(format);
  s.sample = sample;
  s.max_lines = max_lines;
  data_.sources.push_back(std::move(s));
  kept_.push_back(0);
  // The first lines come without a reallocation; more grow the vector by doubling.
  data_.entries.reserve(data_.entries.size() + std::min<std::uint64_t>(max_lines, 4096));
}

void RequestLog::record(const RequestInfo& req, std::uint32_t source, Time now, Status status, std::uint16_t attempts) {
  RequestLogData::Source& s = data_.sources[source];
  ++s.ended;
  // Keyed by the request id, salted by the source: independent of every model's stream.
  if (s.sample < 1 && Rng::first_uniform(mix64(mix64(seed_, 0xacce5510ULL + source), req.id)) >= s.sample) return;
  ++s.sampled;
  if (kept_[source] >= s.max_lines) {
    ++s.unwritten;
    return;
  }
  ++kept_[source];
  RequestLogEntry e;
  e.start = req.start;
  e.end = now;
  e.id = req.id;
  e.session = req.session;
  e.source = source;
  e.route = req.route;
  e.attempts = attempts;
  e.status = static_cast<std::uint8_t>(status);
  e.write = req.write;
  data_.entries.push_back(e);
}

}  // namespace archsim
