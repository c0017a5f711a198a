// Operational views a client keeps beside its latency figures: an access log of sampled
// requests and business counters per route.
//
// Access log (`access_log`): the engine samples the requests this client ends and keeps
// their facts (sim/request_log.h); reports/ writes them as NGINX's "combined" log format
// (ngx_http_log_module.c, with $request_time appended as many sites' log_format does) or as
// JSON lines. Simplifications: one line per request the client ends, written where the
// client sees it (the status is the end-to-end outcome, the time the whole request's,
// retries included); there is no per-hop log at a service.
//
// Business counters (`counters` on a route): a named count of that route's requests that
// ended served ("on_success") or failed ("on_error"), as an application increments a
// Prometheus counter in its handler. Counted after warm-up in summary.json and per window
// as a rate in timeseries.csv (business_<name>). The same name on several routes is one
// counter. Cost: one loop over the route's (usually one or two) counters per request.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "scenario/build.h"
#include "sim/results.h"

namespace archsim {

// Reads `access_log` on a client and asks the engine for the log.
inline void read_access_log(Params& p, BuildContext& bc) {
  auto a = p.object_opt("access_log");
  if (!a) return;
  const double sample = a->number("sample", 1.0, 0.0, 1.0);
  if (!(sample > 0)) a->fail("sample", "must be above 0 (the fraction of requests logged: 0.01 logs 1 in 100)");
  const std::string format = a->choice("format", "combined", {"combined", "json"});
  // 1 million lines of the combined format are about 150 MB.
  const auto max_lines = static_cast<std::uint64_t>(a->integer("max_lines", 100000, 1, 1000000));
  bc.log_requests(sample, max_lines, format);
}

class BusinessCounters {
 public:
  // Reads `counters` of the route object `r` (route index `route`) of client `id`.
  void read(Params& r, std::uint32_t route, const std::string& id, BuildContext& bc) {
    auto c = r.object_opt("counters");
    if (!c) return;
    if (c->keys().empty()) r.fail("counters", "names no counter (e.g. {\"orders_placed\": \"on_success\"})");
    for (const std::string& name : c->keys()) {
      bool valid = !name.empty() && name.size() <= 64;
      for (char ch : name)
        valid = valid && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_');
      if (!valid) c->fail(name, "a counter's name is 1 to 64 letters, digits or underscores (it names a series)");
      const bool on_success = c->choice(name, "", {"on_success", "on_error"}) == "on_success";
      std::uint32_t k = 0;
      while (k < names_.size() && names_[k] != name) ++k;
      if (k == names_.size()) {
        names_.push_back(name);
        ids_.push_back(bc.metrics().counter(id, "counters." + name, "business_" + name));
      }
      if (by_route_.size() <= route) by_route_.resize(route + 1);
      by_route_[route].push_back(Rule{ids_[k], on_success});
    }
  }
  // A request of `route` ended, served or not.
  void ended(Metrics& m, std::uint32_t route, bool served) const {
    if (route >= by_route_.size()) return;
    for (const Rule& r : by_route_[route])
      if (r.on_success == served) m.add(r.counter);
  }
  // What the page shows of the counters (page.cpp): nothing when the client has none.
  void declare_page(PageSection& page) const;
  void report(const Metrics& m, ComponentReport& out) const {
    for (std::size_t k = 0; k < names_.size(); ++k) out.add("counters." + names_[k], static_cast<double>(m.total(ids_[k])));
  }

 private:
  struct Rule {
    CounterId counter;
    bool on_success = true;
  };
  std::vector<std::string> names_;
  std::vector<CounterId> ids_;
  std::vector<std::vector<Rule>> by_route_;  // by route index
};

}  // namespace archsim
