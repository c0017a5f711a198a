#include "models/balancer/balancer_impl.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "sim/text_list.h"

namespace archsim::balancer {
namespace {

// What NGINX, HAProxy and Envoy call the algorithms, for suggestions.
const char* real_system_alias(std::string name) {
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  static const std::pair<const char*, const char*> kAliases[] = {
      {"least_conn", "least_connections"},    {"leastconn", "least_connections"},   // NGINX, HAProxy
      {"least_request", "power_of_two"},      {"p2c", "power_of_two"},              // Envoy
      {"roundrobin", "round_robin"},          {"rr", "round_robin"},                // HAProxy
      {"static-rr", "weighted_round_robin"},  {"wrr", "weighted_round_robin"},
      {"weighted", "weighted_round_robin"},   {"consistent", "ketama"},             // NGINX
      {"source", "ip_hash"},                  {"uri", "hash"},                      // HAProxy
      {"cookie", "sticky"},
  };
  for (const auto& [from, to] : kAliases)
    if (name == from) return to;
  return nullptr;
}

}  // namespace

void Balancer::parse_targets(Params& p, BuildContext& bc) {
  const Params::Value list = p.value("targets");
  if (list.shape() == Params::Shape::absent) p.fail("targets", "is required: the components this balancer sends requests to, e.g. [\"web-1\", {\"id\": \"web-2\", \"weight\": 2}]");
  if (list.shape() != Params::Shape::array) p.fail("targets", "expected an array of component ids or {\"id\": ..., \"weight\": ...}");
  const std::vector<Params::Value> items = list.items();
  if (items.empty()) p.fail("targets", "is empty: a balancer needs at least one target");
  std::unordered_set<std::string> listed;  // a walk of the targets so far made 20,000 targets quadratic
  for (const Params::Value& item : items) {
    Target t;
    std::string id_ptr = item.pointer();
    if (auto id = item.as_string()) {
      t.id = *id;
    } else if (item.shape() == Params::Shape::object) {
      Params tp = item.object();
      t.id = tp.string("id");
      id_ptr = tp.path("id");
      t.weight = tp.number("weight", 1.0, -Params::kInf, 1e6);
      if (!(t.weight > 0))
        tp.fail("weight", "must be positive (a target with weight 0 would never be picked; remove it instead)");
      if (auto mc = tp.integer_or_null("max_conn", 1, 1'000'000)) t.max_conn = static_cast<std::uint32_t>(*mc);
      tp.finish();
    } else {
      item.fail("a target is a component id or {\"id\": ..., \"weight\": ...}");
    }
    if (t.id.empty()) throw ScenarioError(id_ptr, "must name a component");
    if (!listed.insert(t.id).second) throw ScenarioError(id_ptr, "\"" + t.id + "\" is listed twice; give it a weight instead");
    t.ref = bc.reference_to(t.id, id_ptr, RefKind::SyncCall);
    t.bid = backend_id(t.id, 0);
    targets_.push_back(std::move(t));
  }
}

void Balancer::parse_workers_and_queue(Params& p) {
  const auto workers = static_cast<std::uint32_t>(p.integer("workers", 1, 1, 256));
  const bool shared = p.boolean("shared_zone", false);
  if (p.has("shared_zone") && workers == 1)
    p.fail("shared_zone", "applies with \"workers\" above 1 (NGINX's worker processes, which share their counts "
                          "only through an upstream `zone`)");
  lanes_ = shared ? 1 : workers;
  reuseport_ = p.choice("accept", "exclusive", {"exclusive", "reuseport"}) == "reuseport";
  if (p.has("accept") && lanes_ == 1)
    p.fail("accept", "says how connections are spread over NGINX's worker processes: give \"workers\" above 1 "
                     "(without \"shared_zone\")");
  if (auto mc = p.integer_or_null("max_conn", 1, 1'000'000))
    for (Target& t : targets_)
      if (t.max_conn == 0) t.max_conn = static_cast<std::uint32_t>(*mc);
  for (const Target& t : targets_) queue_on_ = queue_on_ || t.max_conn > 0;
  hidden_.reserve(targets_.size());
  if (!queue_on_) {
    if (p.has("queue_timeout")) p.fail("queue_timeout", "applies with \"max_conn\" (HAProxy's `timeout queue` for the backend queue)");
    p.known("queue_timeout");  // null: as if absent
    return;
  }
  queue_timeout_ = p.duration("queue_timeout", 0);
  const char* field = p.has("max_conn") ? "max_conn" : "targets";
  if (key_source(algorithm_) != KeySource::none || sticky_ || sticky_alias_)
    p.fail(field, "the proxy queue (HAProxy's maxconn) is modelled for algorithms that choose among the servers "
                  "with room (round_robin, weighted_round_robin, least_connections, random, power_of_two); HAProxy "
                  "queues a hashed or sticky request on its own server, which is not modelled");
  if (lanes_ > 1)
    p.fail(field, "the proxy queue follows HAProxy, whose threads share one count per server: give \"workers\" 1 "
                  "or \"shared_zone\": true");
  if (next_upstream_ != 0)
    p.fail(field, "the proxy queue (HAProxy's maxconn) and NGINX's next_upstream are not modelled together");
}

void Balancer::parse_algorithm(Params& p) {
  std::string name = p.string("algorithm", "round_robin");
  if (name == "sticky") {  // "sticky" as users name it: round robin with cookie affinity
    sticky_alias_ = true;
    name = "round_robin";
  }
  auto a = archsim::parse_algorithm(name);
  if (!a) {
    std::vector<std::string> names;
    std::string list;
    for (auto n : algorithm_names()) {
      names.emplace_back(n);
      append_item(list, ", ", n);
    }
    names.emplace_back("sticky");
    std::string hint = did_you_mean(name, names);
    if (const char* alias = real_system_alias(name))
      hint = " (did you mean \"" + std::string(alias) + "\"? that is archsim's name for it)";
    p.fail("algorithm", "unknown algorithm \"" + name + "\"" + hint + "; known: " + list + ", sticky");
  }
  algorithm_ = *a;
  algorithm_text_ = sticky_alias_ ? "sticky" : name;
}

void Balancer::parse_health_check(Params& hc) {
  hc_.on = true;
  hc_.interval = hc.duration("interval", 2 * kSecond, kMillisecond);
  hc_.timeout = hc.duration("timeout", std::min<Time>(kSecond, hc_.interval), kMicrosecond);
  if (hc_.timeout > hc_.interval)
    hc.fail("timeout", "must not exceed the interval (" + format_duration(hc_.interval) +
                           "): one probe per target is in flight at a time");
  hc_.thresholds.unhealthy_threshold = static_cast<std::uint32_t>(hc.integer("unhealthy_threshold", 3, 1, 1000));
  hc_.thresholds.healthy_threshold = static_cast<std::uint32_t>(hc.integer("healthy_threshold", 2, 1, 1000));
}

void Balancer::parse_outlier(Params& od) {
  health::OutlierParams& o = od_.params;
  o.on = true;
  o.consecutive_failures = static_cast<std::uint32_t>(od.integer("consecutive_5xx", 5, 1, 1'000'000));
  o.base_ejection = od.duration("base_ejection_time", 30 * kSecond, kMillisecond);
  od_.interval = od.duration("interval", 10 * kSecond, kMillisecond);
  o.max_ejection = od.duration("max_ejection_time", std::max<Time>(300 * kSecond, o.base_ejection), o.base_ejection);
  o.max_ejection_percent = od.number("max_ejection_percent", 10, 0, 100);
}

void Balancer::parse_nginx_upstream(Params& p) {
  if (p.has("max_fails") || p.has("fail_timeout")) {
    PassiveHealthParams pp;
    pp.max_fails = static_cast<std::uint32_t>(p.integer("max_fails", 1, 0, 1'000'000));
    pp.fail_timeout = p.duration("fail_timeout", 10 * kSecond);
    if (targets_.size() == 1)
      p.fail(p.has("max_fails") ? "max_fails" : "fail_timeout",
             "NGINX ignores max_fails and fail_timeout when an upstream has a single server (it is never "
             "considered unavailable); give the balancer two targets or more, or remove the field");
    passive_on_ = pp.max_fails > 0;
    passive_ = PassiveHealth(targets_.size(), pp);
  }
  if (p.has("next_upstream")) {
    static const std::vector<std::pair<std::string, std::uint32_t>> kConditions = {
        {"error", kNuError},     {"timeout", kNuTimeout},   {"http_500", kNuHttp500},
        {"http_503", kNuHttp503}, {"http_429", kNuHttp429}, {"non_idempotent", kNuNonIdempotent},
        {"off", 0}};
    std::vector<std::string> names;
    for (const auto& c : kConditions) names.push_back(c.first);
    const std::vector<std::string> list = p.strings("next_upstream");
    if (list.empty()) p.fail("next_upstream", "name the conditions, e.g. [\"error\", \"timeout\"], or [\"off\"]");
    for (std::size_t i = 0; i < list.size(); ++i) {
      auto it = std::find_if(kConditions.begin(), kConditions.end(), [&](const auto& c) { return c.first == list[i]; });
      if (it == kConditions.end()) {
        const std::string known = join_items(names, ", ");
        throw ScenarioError(p.path("next_upstream") + "/" + std::to_string(i),
                            "unknown condition \"" + list[i] + "\"" + did_you_mean(list[i], names) + "; known: " + known);
      }
      if (it->second == 0 && list.size() > 1)
        throw ScenarioError(p.path("next_upstream") + "/" + std::to_string(i), "\"off\" cannot be combined with other conditions");
      next_upstream_ |= it->second;
    }
    if (next_upstream_ == kNuNonIdempotent)
      p.fail("next_upstream", "\"non_idempotent\" only widens other conditions; add \"error\", \"timeout\", ...");
  }
  const bool retrying = next_upstream_ != 0;
  for (const char* f : {"next_upstream_tries", "next_upstream_timeout"})
    if (!retrying && p.has(f)) p.fail(f, std::string(f) + " applies when \"next_upstream\" names conditions");
  next_upstream_tries_ = static_cast<std::uint32_t>(p.integer("next_upstream_tries", 0, 0, 1'000'000));
  next_upstream_timeout_ = p.duration("next_upstream_timeout", 0);
}

std::vector<std::uint32_t> Balancer::all_members() const {
  std::vector<std::uint32_t> all(targets_.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint32_t>(i);
  return all;
}

void Balancer::parse_zones(Params& p, BuildContext& bc) {
  if (!p.has("zones")) return;
  if (!bc.zone().empty())
    p.fail("zones", "give either \"zone\" (one zone) or \"zones\" (a balancer enabled in several), not both");
  const Params::Value list = p.value("zones");
  if (list.shape() != Params::Shape::array || list.items().empty())
    p.fail("zones", "expected a non-empty array of zone names, e.g. [\"a\", \"b\"]");
  for (const Params::Value& item : list.items()) {
    const std::optional<std::string> z = item.as_string();
    if (!z || z->empty()) item.fail("expected a zone name");
    if (std::find(zones_.begin(), zones_.end(), *z) != zones_.end()) item.fail("\"" + *z + "\" is listed twice");
    zones_.push_back(*z);
  }
  zone_up_.assign(zones_.size(), true);
  zones_up_ = static_cast<std::uint32_t>(zones_.size());
}

void Balancer::parse_routes(Params& routes, BuildContext& bc, const PickerOptions& po, std::size_t expected_sessions) {
  std::vector<std::string> ids;
  for (const Target& t : targets_) ids.push_back(t.id);
  for (const std::string& name : routes.keys()) {
    const Params::Value list = routes.value(name);
    if (list.shape() != Params::Shape::array || list.items().empty())
      routes.fail(name, "expected a non-empty array of target ids, e.g. [\"" + targets_.front().id + "\"]");
    std::vector<std::uint32_t> members;
    for (const Params::Value& item : list.items()) {
      const std::optional<std::string> id = item.as_string();
      if (!id) item.fail("expected a target id");
      auto it = std::find(ids.begin(), ids.end(), *id);
      if (it == ids.end()) item.fail("\"" + *id + "\" is not one of this balancer's targets" + did_you_mean(*id, ids));
      auto idx = static_cast<std::uint32_t>(it - ids.begin());
      if (std::find(members.begin(), members.end(), idx) != members.end()) item.fail("\"" + *id + "\" is listed twice");
      members.push_back(idx);
    }
    std::uint32_t route = bc.route_index(name);
    if (route_group_.size() <= route) route_group_.resize(route + 1, 0);
    route_group_[route] = static_cast<std::uint32_t>(groups_.size());
    build_group(members, po, expected_sessions);
  }
}

void Balancer::declare_route_flow(BuildContext& bc) const {
  std::vector<std::uint32_t> routed;
  for (std::uint32_t r = 0; r < route_group_.size(); ++r)
    if (route_group_[r] != 0) routed.push_back(r);
  for (std::uint32_t t = 0; t < targets_.size(); ++t) {
    RouteFlow::Rule rest;
    rest.ref = targets_[t].ref;
    rest.routes = routed;
    bc.forwards_routes(rest);
    RouteFlow::Rule own;
    own.ref = targets_[t].ref;
    own.only = true;
    for (std::uint32_t r : routed) {
      const std::vector<std::uint32_t>& members = groups_[route_group_[r]].members;
      if (std::find(members.begin(), members.end(), t) != members.end()) own.routes.push_back(r);
    }
    if (!own.routes.empty()) bc.forwards_routes(own);
  }
}

void Balancer::build_group(const std::vector<std::uint32_t>& members, const PickerOptions& po, std::size_t expected_sessions) {
  const auto gi = static_cast<std::uint32_t>(groups_.size());
  Group g;
  g.members = members;
  g.lanes.resize(lanes_);
  for (std::size_t pos = 0; pos < members.size(); ++pos) {
    const std::uint32_t t = members[pos];
    Backend b;
    b.weight = targets_[t].weight;
    b.id = targets_[t].bid;
    targets_[t].places.emplace_back(gi, static_cast<std::uint32_t>(pos));
    for (Lane& lane : g.lanes) lane.backends.push_back(b);
  }
  for (Lane& lane : g.lanes) {
    lane.picker = make_picker(algorithm_, po);
    lane.picker->rebuild(lane.backends);
  }
  if (sticky_) g.sticky.emplace(expected_sessions);
  groups_.push_back(std::move(g));
}

}  // namespace archsim::balancer
