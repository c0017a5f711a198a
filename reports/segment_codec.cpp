// encode_segment / decode_segment (reports/segment_result.h): a segment's RunResult as CBOR,
// which keeps every double exact (NaN included: a window without samples).
#include <cmath>
#include <exception>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "reports/segment_result.h"

namespace archsim {

using nlohmann::json;

namespace {

json hist_json(const Histogram& h) { return h.encode(); }

Histogram hist_of(const json& j) {
  auto h = Histogram::decode(j.get<std::vector<std::uint64_t>>());
  if (!h) throw std::invalid_argument("not a histogram");
  return *h;
}

json outcomes_json(const OutcomeCounts& o) { return o.by_status; }
OutcomeCounts outcomes_of(const json& j) {
  OutcomeCounts o;
  o.by_status = j.get<decltype(o.by_status)>();
  return o;
}

json routes_json(const std::vector<RouteResult>& routes) {
  json out = json::array();
  for (const RouteResult& r : routes) out.push_back({{"name", r.name}, {"outcomes", outcomes_json(r.outcomes)}});
  return out;
}
std::vector<RouteResult> routes_of(const json& j) {
  std::vector<RouteResult> out;
  for (const json& r : j) out.push_back(RouteResult{r.at("name").get<std::string>(), outcomes_of(r.at("outcomes")), {}, {}});
  return out;
}

json component_json(const ComponentResult& c) {
  const ComponentReport& r = c.report;
  json figures = json::array(), texts = json::array(), latencies = json::array(), intervals = json::array();
  for (std::size_t i = 0; i < r.figures().size(); ++i)
    figures.push_back({r.figures()[i].first, r.figures()[i].second, r.stitch()[i].kind, r.stitch()[i].weight});
  for (const auto& [name, text] : r.texts()) texts.push_back({name, text});
  for (std::size_t i = 0; i < r.latencies().size() && i < r.histograms().size(); ++i)
    latencies.push_back({r.latencies()[i].first, hist_json(r.histograms()[i])});
  for (const auto& in : r.intervals()) intervals.push_back({in.kind, in.label, in.start, in.end});
  const Usage& u = r.usage();
  json instances = json::array();
  for (const Usage::Instance& i : u.instances) instances.push_back({i.type, i.seconds});
  json usage = {instances, u.egress_gb, u.edge_egress_gb, u.function_invocations, u.function_gb_seconds,
                u.function_provisioned_gb_seconds, u.has_replicas, u.peak_replicas, u.mean_replicas};
  const PageSection& p = r.page();
  json panels = json::array(), headlines = json::array();
  for (const auto& q : p.panels) panels.push_back({q.title, q.ylabel, q.caption, q.series, q.capacity, q.percent, q.varies});
  for (const auto& h : p.headlines) headlines.push_back({h.figure, h.label, h.unit, h.compare});
  json page = {p.section.id, p.section.title, p.section.intro, panels, headlines};
  return {{"id", c.id},         {"type", c.type},           {"figures", figures}, {"texts", texts},
          {"latencies", latencies}, {"intervals", intervals}, {"usage", usage},   {"page", page}};
}

ComponentResult component_of(const json& j) {
  ComponentResult c;
  c.id = j.at("id").get<std::string>();
  c.type = j.at("type").get<std::string>();
  ComponentReport& r = c.report;
  r.keep_histograms();
  for (const json& f : j.at("figures"))
    r.add(f[0].get<std::string>(), f[1].get<double>(), Stitch{static_cast<Stitch::Kind>(f[2].get<int>()), f[3].get<double>()});
  for (const json& t : j.at("texts")) r.add_text(t[0].get<std::string>(), t[1].get<std::string>());
  for (const json& l : j.at("latencies")) r.add_latency(l[0].get<std::string>(), hist_of(l[1]));
  for (const json& i : j.at("intervals"))
    r.add_interval(i[0].get<std::string>(), i[1].get<std::string>(), i[2].get<Time>(), i[3].get<Time>());
  const json& u = j.at("usage");
  Usage& usage = r.usage();
  for (const json& i : u[0]) usage.instances.push_back(Usage::Instance{i[0].get<std::string>(), i[1].get<double>()});
  usage.egress_gb = u[1];
  usage.edge_egress_gb = u[2];
  usage.function_invocations = u[3];
  usage.function_gb_seconds = u[4];
  usage.function_provisioned_gb_seconds = u[5];
  usage.has_replicas = u[6];
  usage.peak_replicas = u[7];
  usage.mean_replicas = u[8];
  const json& p = j.at("page");
  PageSection& page = r.page();
  page.section = PageSection::Section{p[0], p[1], p[2]};
  for (const json& q : p[3])
    page.panels.push_back(PageSection::Panel{q[0], q[1], q[2], q[3].get<std::vector<std::string>>(),
                                             q[4].get<std::vector<std::string>>(), q[5], q[6]});
  for (const json& h : p[4]) page.headlines.push_back(PageSection::Headline{h[0], h[1], h[2], h[3]});
  return c;
}

}  // namespace

std::string encode_segment(const RunResult& r) {
  json j;
  j["scenario"] = r.scenario;
  j["description"] = r.description;
  j["seed"] = r.seed;
  j["times"] = {r.duration_s, r.warmup_s, r.measured_s, r.simulated_s, r.window_s, r.warmup, r.start};
  j["counts"] = {r.sent, r.in_flight, r.in_flight_at_warmup, r.sent_whole_run, r.events, r.fingerprint};
  j["wall_time_s"] = r.wall_time_s;
  j["outcomes"] = outcomes_json(r.outcomes);
  j["routes"] = routes_json(r.routes);
  json hists = json::array();
  for (const auto& [name, h] : r.histograms) hists.push_back({name, hist_json(h)});
  j["histograms"] = hists;
  if (r.population) {
    const PopulationResult& p = *r.population;
    j["population"] = {{"series", p.series}, {"clients", p.clients}, {"routes", p.routes},
                       {"outcomes", outcomes_json(p.outcomes)}, {"by_route", routes_json(p.by_route)}};
  }
  for (const char* list : {"components", "sections"}) {
    json cs = json::array();
    for (const ComponentResult& c : list[0] == 'c' ? r.components : r.sections) cs.push_back(component_json(c));
    j[list] = cs;
  }
  j["window_ends"] = r.window_ends;
  json series = json::array();
  for (const Series& s : r.series) series.push_back({s.component, s.metric, s.values});
  j["series"] = series;
  json states = json::array();
  for (const StateSeries& s : r.states) {
    json tr = json::array();
    for (const auto& t : s.transitions) tr.push_back({t.at, t.value});
    states.push_back({s.component, s.metric, s.initial, tr, s.dropped, s.dropped_from});
  }
  j["states"] = states;
  j["cause_names"] = r.cause_names;
  j["route_names"] = r.route_names;
  const std::vector<std::uint8_t> bytes = json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

std::optional<RunResult> decode_segment(const std::string& bytes) {
  try {
    const json j = json::from_cbor(bytes);
    RunResult r;
    r.keep_histograms = true;
    r.scenario = j.at("scenario");
    r.description = j.at("description");
    r.seed = j.at("seed");
    const json& t = j.at("times");
    r.duration_s = t[0];
    r.warmup_s = t[1];
    r.measured_s = t[2];
    r.simulated_s = t[3];
    r.window_s = t[4];
    r.warmup = t[5];
    r.start = t[6];
    const json& c = j.at("counts");
    r.sent = c[0];
    r.in_flight = c[1];
    r.in_flight_at_warmup = c[2];
    r.sent_whole_run = c[3];
    r.events = c[4];
    r.fingerprint = c[5];
    r.wall_time_s = j.at("wall_time_s");
    r.outcomes = outcomes_of(j.at("outcomes"));
    r.routes = routes_of(j.at("routes"));
    for (const json& h : j.at("histograms")) r.histograms.emplace_back(h[0].get<std::string>(), hist_of(h[1]));
    if (j.contains("population")) {
      const json& p = j["population"];
      PopulationResult& out = r.population.emplace();
      out.series = p.at("series");
      out.clients = p.at("clients").get<std::vector<std::string>>();
      out.routes = p.at("routes").get<std::vector<std::string>>();
      out.outcomes = outcomes_of(p.at("outcomes"));
      out.by_route = routes_of(p.at("by_route"));
    }
    for (const json& x : j.at("components")) r.components.push_back(component_of(x));
    for (const json& x : j.at("sections")) r.sections.push_back(component_of(x));
    r.window_ends = j.at("window_ends").get<std::vector<Time>>();
    for (const json& s : j.at("series")) {
      Series out{s[0], s[1], {}};
      for (const json& v : s[2]) out.values.push_back(v.is_number() ? v.get<double>() : std::nan(""));
      r.series.push_back(std::move(out));
    }
    for (const json& s : j.at("states")) {
      StateSeries out{s[0], s[1], s[2], {}, s[4], s[5]};
      for (const json& tr : s[3]) out.transitions.push_back({tr[0].get<Time>(), tr[1].get<double>()});
      r.states.push_back(std::move(out));
    }
    r.cause_names = j.at("cause_names").get<std::vector<std::string>>();
    r.route_names = j.at("route_names").get<std::vector<std::string>>();
    return r;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace archsim
