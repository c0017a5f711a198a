#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "scenario/errors.h"
#include "scenario/route_flow.h"

using namespace archsim;

namespace {
// Components 0..n-1; reference i points at refs[i]. Routes are named r0, r1, ...
struct World {
  std::vector<std::uint32_t> refs;
  std::vector<std::string> ids;
  // The message of the refusal ("" when the flow passes), with the pointer in front.
  std::string check(const RouteFlow& f) const {
    try {
      f.check(
          static_cast<std::uint32_t>(ids.size()), [&](RefId r) { return refs[r]; },
          [](std::uint32_t r) { return "r" + std::to_string(r); }, [&](std::uint32_t c) { return ids[c]; });
    } catch (const ScenarioError& e) {
      return e.pointer() + " " + e.what();
    }
    return "";
  }
};

RouteFlow::Rule rule(RefId ref, bool only, std::vector<std::uint32_t> routes) {
  RouteFlow::Rule r;
  r.ref = ref;
  r.only = only;
  r.routes = std::move(routes);
  return r;
}
}  // namespace

TEST_CASE("route flow: a route reaching a component that does not serve it is refused where it is named") {
  // client(0) -> lb(1) -> {a(2), b(3)}; lb sends r1 only to b, every other route to both.
  World w{{1, 2, 3, 3}, {"client", "lb", "a", "b"}};
  RouteFlow f;
  f.source(0, 0, 0, "/components/0/routes/0/name");
  f.source(0, 0, 1, "/components/0/routes/1/name");
  auto add = [&](RouteFlow::Rule r) {
    r.from = 1;
    f.rule(std::move(r));
  };
  add(rule(1, false, {1}));  // to a: everything but r1
  add(rule(2, false, {1}));  // to b: everything but r1
  add(rule(3, true, {1}));   // to b: r1
  f.serves(2, {0});
  f.serves(3, {0, 1});
  CHECK(w.check(f).empty());
  // b loses r0: r0 still goes to b as well as to a.
  RouteFlow g = f;
  g.serves(3, {1});
  const std::string m = w.check(g);
  CHECK(m.rfind("/components/0/routes/0/name ", 0) == 0);
  CHECK(m.find("route \"r0\" reaches \"b\" (through \"lb\")") != std::string::npos);
  CHECK(m.find("its routes: r1") != std::string::npos);
}

TEST_CASE("route flow: a renamed route is charged to the step that renames it; unknown hops are not checked") {
  // client(0) -> svc(1) -> db(2): the step sends r5 whatever arrives.
  World w{{1, 2}, {"client", "svc", "db"}};
  RouteFlow f;
  f.source(0, 0, 0, "/components/0/target");
  RouteFlow::Rule step = rule(1, false, {});
  step.from = 1;
  step.rename = 5;
  step.pointer = "/components/1/routes/default/0/call";
  f.rule(step);
  f.serves(2, {4});
  const std::string m = w.check(f);
  CHECK(m.rfind("/components/1/routes/default/0/call ", 0) == 0);
  CHECK(m.find("route \"r5\" reaches \"db\",") != std::string::npos);
  // A rule that only passes r9 never fires: nothing reaches db.
  RouteFlow g;
  g.source(0, 0, 0, "/components/0/target");
  RouteFlow::Rule narrow = step;
  narrow.only = true;
  narrow.routes = {9};
  g.rule(narrow);
  g.serves(2, {4});
  CHECK(w.check(g).empty());
  // Without declarations of what svc forwards, db is never reached as far as the check knows.
  RouteFlow h;
  h.source(0, 0, 0, "/components/0/target");
  h.serves(2, {4});
  CHECK(w.check(h).empty());
}

TEST_CASE("route flow: forwarding loops end") {
  // a(0) and b(1) forward everything to each other, a also to c(2), which serves r1 only;
  // c itself sends r0 to b. References: 0 -> b, 1 -> a, 2 -> b, 3 -> c.
  World w{{1, 0, 1, 2}, {"a", "b", "c"}};
  RouteFlow f;
  f.source(2, 2, 0, "/x");
  for (auto [from, ref] : {std::pair<std::uint32_t, RefId>{0, 0}, {1, 1}, {0, 3}}) {
    RouteFlow::Rule r = rule(ref, false, {});
    r.from = from;
    f.rule(r);
  }
  f.serves(2, {1});
  const std::string m = w.check(f);
  CHECK(m.rfind("/x ", 0) == 0);
  CHECK(m.find("\"r0\" reaches \"c\" (through \"a\")") != std::string::npos);
}

TEST_CASE("route flow: a route a component names but nothing sends there is warned of, where every hop upstream declared its flow") {
  // client(0) -> svc(1) -> cache(2); svc calls the cache with r5 (get) and r6 (set); the
  // cache names r6 and r7 in a per-route setting. Edges: 0 -> 1, 1 -> 2.
  World w{{1, 2, 2}, {"client", "svc", "cache"}};
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> edges{{0, 1}, {1, 2}};
  auto unreached = [&](const RouteFlow& f, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& e) {
    return f.unreached(
        3, e, [&](RefId r) { return w.refs[r]; }, [](std::uint32_t r) { return "r" + std::to_string(r); },
        [&](std::uint32_t c) { return w.ids[c]; });
  };
  RouteFlow f;
  f.source(0, 0, 0, "/components/0/routes/0/name");
  for (auto [ref, route] : {std::pair<RefId, std::uint32_t>{1, 5}, {2, 6}}) {
    RouteFlow::Rule step = rule(ref, false, {});
    step.from = 1;
    step.rename = route;
    f.rule(step);
  }
  f.expects(2, 6, "/components/2/route_value_bytes/r6", "route_value_bytes");
  f.expects(2, 7, "/components/2/route_value_bytes/r7", "route_value_bytes");
  const auto ws = unreached(f, edges);
  REQUIRE(ws.size() == 1);
  CHECK(ws[0].pointer == "/components/2/route_value_bytes/r7");
  CHECK(ws[0].message.find("route \"r7\" in route_value_bytes never reaches \"cache\" (the routes that do: r5, r6)") !=
        std::string::npos);
  // Another caller, x(3), that declares nothing and also calls the cache: it may send r7, so
  // nothing is said.
  World w4{{1, 2, 2, 2}, {"client", "svc", "cache", "x"}};
  auto edges4 = edges;
  edges4.emplace_back(3, 2);
  const auto none = f.unreached(
      4, edges4, [&](RefId r) { return w4.refs[r]; }, [](std::uint32_t r) { return "r" + std::to_string(r); },
      [&](std::uint32_t c) { return w4.ids[c]; });
  CHECK(none.empty());
}
