// Connection budget: the connections callers may hold to a server against the server's
// limit, checked before t = 0. A warning, not an error: the scenario runs (a pool sized past
// the limit is a real misconfiguration whose failures the run shows), but it is said at load.
//
// Models declare, while they are built:
//  - a pool: each instance of this component holds up to `size` connections over a reference
//    (a HikariCP pool: maximumPoolSize per application instance);
//  - its instances: how many this component runs (a service's replicas);
//  - a scaler: another component may run up to `max` instances of the one a reference names
//    (an autoscaler's max_replicas: the pools grow with it, so it is what the limit must hold);
//  - a limit: this component accepts at most `max` connections (per node: MySQL's
//    max_connections).
// The check sums, per limited component, size x instances over every pool aimed at it (an
// instance count is the largest scaler's max when one targets the caller, else its own) and
// returns one warning per component whose sum passes its limit, at the limit's location,
// naming each pool and by how much the sum passes. Nothing is declared: nothing is checked.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sim/context.h"
#include "scenario/errors.h"
#include "sim/text_list.h"

namespace archsim {

class ConnectionBudget {
 public:
  void pool(std::uint32_t from, RefId ref, std::uint64_t size, std::string pointer);
  void instances(std::uint32_t at, std::uint64_t count, std::string pointer);
  void scaler(RefId ref, std::uint64_t max, std::string pointer);
  void limit(std::uint32_t at, std::uint64_t max, std::string pointer, std::string what);

  // `target(ref)` is the component a reference resolved to, `component_id(i)` its name.
  template <class Target, class ComponentId>
  std::vector<ScenarioWarning> check(Target target, ComponentId component_id) const {
    std::vector<std::uint32_t> pool_to, scaler_to;
    for (const Pool& p : pools_) pool_to.push_back(target(p.ref));
    for (const Scaler& s : scalers_) scaler_to.push_back(target(s.ref));
    return evaluate(pool_to, scaler_to, [&](std::uint32_t i) { return std::string(component_id(i)); });
  }

 private:
  struct Pool {
    std::uint32_t from;
    RefId ref;
    std::uint64_t size;
    std::string pointer;
  };
  struct Count {
    std::uint32_t at;
    std::uint64_t count;
    std::string pointer;
  };
  struct Scaler {
    RefId ref;
    std::uint64_t max;
    std::string pointer;
  };
  struct Limit {
    std::uint32_t at;
    std::uint64_t max;
    std::string pointer, what;
  };
  template <class Id>
  std::vector<ScenarioWarning> evaluate(const std::vector<std::uint32_t>& pool_to, const std::vector<std::uint32_t>& scaler_to,
                                        Id id) const;
  std::vector<Pool> pools_;
  std::vector<Count> counts_;
  std::vector<Scaler> scalers_;
  std::vector<Limit> limits_;
};

template <class Id>
std::vector<ScenarioWarning> ConnectionBudget::evaluate(const std::vector<std::uint32_t>& pool_to,
                                                        const std::vector<std::uint32_t>& scaler_to, Id id) const {
  std::vector<ScenarioWarning> out;
  for (const Limit& l : limits_) {
    std::uint64_t sum = 0;
    std::string parts;
    for (std::size_t k = 0; k < pools_.size(); ++k) {
      if (pool_to[k] != l.at) continue;
      const Pool& p = pools_[k];
      // The caller's instances: the largest scaler's max, else its own count (1 if none).
      std::uint64_t n = 1;
      std::string how = "1 instance";
      for (const Count& c : counts_)
        if (c.at == p.from) n = c.count, how = std::to_string(c.count) + " at " + c.pointer;
      std::uint64_t scaled = 0;
      for (std::size_t s = 0; s < scalers_.size(); ++s)
        if (scaler_to[s] == p.from && scalers_[s].max >= scaled) {
          scaled = scalers_[s].max;
          how = "autoscaler max " + std::to_string(scaled) + " at " + scalers_[s].pointer;
        }
      if (scaled) n = scaled;
      sum += p.size * n;
      append_item(parts, "; ",
                  id(p.from) + ": pool " + std::to_string(p.size) + " at " + p.pointer + " x " + std::to_string(n) +
                      " instances (" + how + ")");
    }
    if (sum <= l.max) continue;
    out.push_back(ScenarioWarning{l.pointer, "the connection pools to \"" + id(l.at) + "\" hold up to " + std::to_string(sum) +
                                                 " connections, " + std::to_string(sum - l.max) + " more than its " + l.what +
                                                 " of " + std::to_string(l.max) + " [" + parts + "]"});
  }
  return out;
}

}  // namespace archsim
