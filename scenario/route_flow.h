// Route flow: which route names can reach which component, checked before t = 0.
//
// A request carries a route name ("browse", "checkout"). A service with named routes and no
// "default" has no behaviour for any other name, so a request for one fails at run time as
// `error` — a typo in a client's route list would otherwise show only as a silent error
// rate. Models declare, while they are built, what they send and what they serve:
//  - a source sends a route over a reference (a client's route list);
//  - a rule forwards what reaches its component over a reference, for the routes it passes
//    (all, all but some, or some), keeping the name or sending another (a balancer's target
//    lists, a service step that calls on with the request's route or a named one);
//  - a component that serves only named routes says which.
// The check propagates routes from the sources through the rules to a fixed point and refuses
// the first route that reaches a component that does not serve it, at the location where that
// route was named. A component that declares nothing serves every route and forwards nothing
// (sound: an undeclared hop can only hide a failure from the check, never invent one).
//
// A component may also name routes in a per-route setting (a cache's route_value_bytes); a
// named route that nothing sends there is a typo or a stale setting, which `unreached` warns of.
// Only where every component upstream of it declared its flow: an undeclared hop may carry
// routes the propagation cannot see, and the warning would then be wrong.
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/context.h"
#include "scenario/errors.h"
#include "sim/text_list.h"

namespace archsim {

class RouteFlow {
 public:
  // `from` sends `route` over `ref`; `pointer` is where the route is named.
  void source(std::uint32_t from, RefId ref, std::uint32_t route, std::string pointer);
  // Whatever reaches `from` goes on over `ref` when it passes the filter: every route
  // (`except` empty, `only` false), every route but `routes` (`only` false), or just `routes`
  // (`only` true). `rename` sends that route instead of the one received.
  struct Rule {
    std::uint32_t from = 0;
    RefId ref = 0;
    bool only = false;
    std::vector<std::uint32_t> routes;
    std::optional<std::uint32_t> rename;
    std::string pointer;  // where a renamed route is named (default: the reference's location)
    // Appended to the refusal of a route this rule forwards unrenamed: how the forwarding
    // component could name another (a cache's backend_routes).
    std::string advice;
  };
  void rule(Rule r);
  // `at` serves exactly `routes` (and nothing else).
  void serves(std::uint32_t at, std::vector<std::uint32_t> routes);
  // `at` names `route` at `pointer` in `setting` (a per-route setting): it expects it to arrive.
  void expects(std::uint32_t at, std::uint32_t route, std::string pointer, std::string setting);

  // Runs the check. `target(ref)` is the component a reference resolved to; `route_name` and
  // `component_id` name things in the message. Throws ScenarioError at the route's pointer.
  template <class Target, class RouteName, class ComponentId>
  void check(std::uint32_t components, Target target, RouteName route_name, ComponentId component_id) const;
  // One warning per expected route that never reaches its component, where every component
  // upstream of it declared its flow. `edges` are the scenario's request-carrying references
  // as (from, to) component pairs; the rest as for check().
  template <class Target, class RouteName, class ComponentId>
  std::vector<ScenarioWarning> unreached(std::uint32_t components, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges,
                                         Target target, RouteName route_name, ComponentId component_id) const;

 private:
  struct Source {
    std::uint32_t from;
    RefId ref;
    std::uint32_t route;
    std::string pointer;
  };
  struct Reach {
    std::uint32_t route;
    std::uint32_t origin;  // index into the pointer list
    std::uint32_t via;     // component it came through last (or the sender)
  };
  std::vector<Source> sources_;
  std::vector<Rule> rules_;
  std::vector<std::pair<std::uint32_t, std::vector<std::uint32_t>>> serves_;
  struct Expected {
    std::uint32_t at, route;
    std::string pointer, setting;
  };
  std::vector<Expected> expected_;

  // The reach sets of every component: which routes arrive, first origin of each.
  std::vector<std::vector<Reach>> propagate(std::uint32_t components, const std::vector<std::uint32_t>& to_of_ref,
                                            std::vector<std::string>& pointers) const;
  template <class Target>
  std::vector<std::uint32_t> targets_of_refs(Target target) const;
  // For each component, whether every component with a path of `edges` to it declared a
  // source or a rule: one pass over the graph for all (O(components + edges)), not a search
  // per expectation (which made a scenario of N services with named routes cubic to load).
  std::vector<char> upstream_declared(std::uint32_t components, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges) const;
  static bool passes(const Rule& r, std::uint32_t route);
  [[noreturn]] static void refuse(const std::string& pointer, const std::string& message);
  // " (did you mean ...?)" when a served route is close to `route` (scenario/errors.h), else "".
  static std::string hint(const std::string& route, const std::vector<std::string>& served);
};

template <class Target>
std::vector<std::uint32_t> RouteFlow::targets_of_refs(Target target) const {
  RefId max_ref = 0;
  for (const Source& s : sources_) max_ref = std::max(max_ref, s.ref);
  for (const Rule& r : rules_) max_ref = std::max(max_ref, r.ref);
  std::vector<std::uint32_t> to_of_ref(static_cast<std::size_t>(max_ref) + 1, 0);
  for (const Source& s : sources_) to_of_ref[s.ref] = target(s.ref);
  for (const Rule& r : rules_) to_of_ref[r.ref] = target(r.ref);
  return to_of_ref;
}

template <class Target, class RouteName, class ComponentId>
std::vector<ScenarioWarning> RouteFlow::unreached(std::uint32_t components,
                                                  const std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges,
                                                  Target target, RouteName route_name, ComponentId component_id) const {
  std::vector<ScenarioWarning> out;
  if (expected_.empty()) return out;
  std::vector<std::string> pointers;
  const std::vector<std::vector<Reach>> reach = propagate(components, targets_of_refs(target), pointers);
  const std::vector<char> declared_upstream = upstream_declared(components, edges);
  for (const Expected& e : expected_) {
    bool arrives = false;
    for (const Reach& r : reach[e.at]) arrives = arrives || r.route == e.route;
    if (arrives || !declared_upstream[e.at]) continue;
    std::string list;
    std::vector<std::string> names;
    for (const Reach& r : reach[e.at]) {
      append_item(list, ", ", route_name(r.route));
      names.push_back(route_name(r.route));
    }
    out.push_back(ScenarioWarning{e.pointer, "route \"" + route_name(e.route) + "\" in " + e.setting + " never reaches \"" +
                                                 component_id(e.at) + "\" (" +
                                                 (list.empty() ? std::string("no route reaches it") : "the routes that do: " + list) +
                                                 "), so the setting is never used" + hint(route_name(e.route), names)});
  }
  return out;
}

template <class Target, class RouteName, class ComponentId>
void RouteFlow::check(std::uint32_t components, Target target, RouteName route_name, ComponentId component_id) const {
  if (serves_.empty()) return;
  const std::vector<std::uint32_t> to_of_ref = targets_of_refs(target);
  std::vector<std::string> pointers;
  const std::vector<std::vector<Reach>> reach = propagate(components, to_of_ref, pointers);
  for (const auto& [at, served] : serves_) {
    for (const Reach& r : reach[at]) {
      bool ok = false;
      for (std::uint32_t s : served) ok = ok || s == r.route;
      if (ok) continue;
      std::string list;
      std::vector<std::string> names;
      for (std::uint32_t s : served) {
        append_item(list, ", ", route_name(s));
        names.push_back(route_name(s));
      }
      std::string msg = "route \"" + route_name(r.route) + "\" reaches \"" + component_id(at) + "\"";
      if (r.via != at) msg += " (through \"" + component_id(r.via) + "\")";
      msg += ", which has no such route and no \"default\" route (its routes: " + list +
             "), so every such request would fail" + hint(route_name(r.route), names);
      for (const Rule& rule : rules_)
        if (rule.from == r.via && to_of_ref[rule.ref] == at && !rule.rename && !rule.advice.empty())
          msg += "; " + rule.advice;
      refuse(pointers[r.origin], msg);
    }
  }
}

}  // namespace archsim
