#include "scenario/route_flow.h"

#include <deque>

#include "scenario/errors.h"

namespace archsim {

void RouteFlow::source(std::uint32_t from, RefId ref, std::uint32_t route, std::string pointer) {
  sources_.push_back(Source{from, ref, route, std::move(pointer)});
}

void RouteFlow::rule(Rule r) { rules_.push_back(std::move(r)); }

void RouteFlow::serves(std::uint32_t at, std::vector<std::uint32_t> routes) { serves_.emplace_back(at, std::move(routes)); }

void RouteFlow::expects(std::uint32_t at, std::uint32_t route, std::string pointer, std::string setting) {
  expected_.push_back(Expected{at, route, std::move(pointer), std::move(setting)});
}

std::vector<char> RouteFlow::upstream_declared(std::uint32_t components,
                                               const std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges) const {
  std::vector<char> declared(components, 0);
  for (const Source& s : sources_) declared[s.from] = 1;
  for (const Rule& r : rules_) declared[r.from] = 1;
  // A component is not covered when an undeclared one reaches it by one edge or more: walk
  // forward from the undeclared ones' successors, each component once.
  std::vector<std::vector<std::uint32_t>> next(components);
  for (const auto& [from, to] : edges) next[from].push_back(to);
  std::vector<char> tainted(components, 0);
  std::deque<std::uint32_t> work;
  for (std::uint32_t c = 0; c < components; ++c)
    if (!declared[c])
      for (std::uint32_t to : next[c])
        if (!tainted[to]) tainted[to] = 1, work.push_back(to);
  while (!work.empty()) {
    const std::uint32_t c = work.front();
    work.pop_front();
    for (std::uint32_t to : next[c])
      if (!tainted[to]) tainted[to] = 1, work.push_back(to);
  }
  for (char& t : tainted) t = !t;
  return tainted;
}

bool RouteFlow::passes(const Rule& r, std::uint32_t route) {
  bool listed = false;
  for (std::uint32_t x : r.routes) listed = listed || x == route;
  return r.only ? listed : !listed;
}

void RouteFlow::refuse(const std::string& pointer, const std::string& message) { throw ScenarioError(pointer, message); }

std::string RouteFlow::hint(const std::string& route, const std::vector<std::string>& served) {
  return did_you_mean(route, served);
}

// A worklist over (component, route) pairs: each pair is added once, with the first origin
// found (sources first, in declaration order, so the message names the earliest place).
std::vector<std::vector<RouteFlow::Reach>> RouteFlow::propagate(std::uint32_t components, const std::vector<std::uint32_t>& to_of_ref,
                                                                 std::vector<std::string>& pointers) const {
  std::vector<std::vector<Reach>> reach(components);
  std::vector<std::vector<const Rule*>> rules_of(components);
  for (const Rule& r : rules_) rules_of[r.from].push_back(&r);
  std::deque<std::pair<std::uint32_t, std::uint32_t>> work;  // (component, index into reach)
  auto add = [&](std::uint32_t at, std::uint32_t route, std::uint32_t origin, std::uint32_t via) {
    for (const Reach& r : reach[at])
      if (r.route == route) return;
    reach[at].push_back(Reach{route, origin, via});
    work.emplace_back(at, static_cast<std::uint32_t>(reach[at].size() - 1));
  };
  for (const Source& s : sources_) {
    pointers.push_back(s.pointer);
    const std::uint32_t to = to_of_ref[s.ref];
    add(to, s.route, static_cast<std::uint32_t>(pointers.size() - 1), to);
  }
  std::vector<std::uint32_t> rename_origin(rules_.size(), 0);
  for (std::size_t i = 0; i < rules_.size(); ++i)
    if (rules_[i].rename) {
      pointers.push_back(rules_[i].pointer);
      rename_origin[i] = static_cast<std::uint32_t>(pointers.size() - 1);
    }
  while (!work.empty()) {
    const auto [at, k] = work.front();
    work.pop_front();
    const Reach arrived = reach[at][k];
    for (const Rule* r : rules_of[at]) {
      if (!passes(*r, arrived.route)) continue;
      const std::uint32_t to = to_of_ref[r->ref];
      if (r->rename)
        add(to, *r->rename, rename_origin[static_cast<std::size_t>(r - rules_.data())], to);
      else
        add(to, arrived.route, arrived.origin, at);
    }
  }
  return reach;
}

}  // namespace archsim
