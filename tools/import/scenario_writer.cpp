#include "tools/import/scenario_writer.h"

#include <algorithm>
#include <cmath>

#include "tools/import/quantity.h"
#include "tools/import/text.h"
#include "tools/import/writer_internal.h"

namespace archsim::import {

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}


}  // namespace

nlohmann::ordered_json write_scenario(Inventory& inv, const Calibration& cal, const WriterOptions& opt, Guesses& g) {
  Writer wr{inv, cal, g, {}, {}, {}, {}, {}};
  wr.heavy_tails = opt.heavy_tails;
  wr.classify();
  for (const std::string& n : inv.notes) g.add(Guess::Skipped, "", n);

  // Who takes outside traffic, when the traces do not say (their roots do), and the calls
  // the manifests suggest.
  std::vector<std::string> entries;
  std::set<std::string> referenced;
  for (const Workload& w : inv.workloads)
    for (const auto& [id, why] : wr.named_by(w)) referenced.insert(id);
  if (cal.clients.empty()) entries = wr.entry_points(opt.entries);
  wr.plan_guessed_calls(entries);

  // Queues' consumers, when the traces do not say: each service that names the queue and that
  // nothing calls (a worker); the first is the queue's own consumer group, each other one a
  // group of its own reading every message (the OpenTelemetry demo's accounting and fraud
  // detection both read the orders topic).
  for (Component& q : wr.comps) {
    if (q.family != "queue" || q.traced) continue;
    for (Component& s : wr.comps) {
      if (s.family != "service" || !s.workload || referenced.count(s.id) ||
          std::find(entries.begin(), entries.end(), s.id) != entries.end())
        continue;
      bool names = false;
      for (const auto& [id, why] : wr.named_by(*s.workload)) names = names || id == q.id;
      if (!names) continue;
      s.consumes = q.id;
      wr.edges.insert({q.id, s.id});
      if (!q.json.contains("consumers")) {
        q.json["consumers"] = {{"service", s.id}};
        g.add(Guess::Warning, q.id + ".consumers.service",
              "guessed consumer " + s.id + ": it names " + q.id + " and nothing calls it, so it reads the queue (one "
              "consumer group); no trace shows it");
        continue;
      }
      if (!q.json.contains("groups")) q.json["groups"] = ojson::array();
      q.json["groups"].push_back({{"name", s.id}, {"service", s.id}});
      g.add(Guess::Warning, q.id + ".groups",
            "guessed consumer " + s.id + ": it names " + q.id + " and nothing calls it, so it reads every message too, "
            "as a consumer group of its own; no trace shows it");
    }
    if (!q.json.contains("consumers"))
      g.add(Guess::Inferred, q.id, "no consumer found: messages are kept, none is processed");
  }

  // Components in order: clients, then the manifests' workloads, then services only traced.
  ojson components = ojson::array();
  bool has_cache = false;
  for (const Component& c : wr.comps) has_cache = has_cache || c.family == "cache";
  for (Component& c : wr.comps) {
    if (c.family == "client") continue;
    ojson& j = c.json;
    ojson out = {{"id", c.id}, {"type", c.family}};
    if (c.family == "service") {
      wr.capacity(c);
      wr.lifecycle(c);
      if (c.traced && !c.traced->ops.empty()) {
        ojson routes = ojson::object();
        for (const auto& [route, op] : c.traced->ops) routes[route] = wr.traced_steps(c, route, op);
        j["routes"] = routes;
      } else {
        wr.guessed_steps(c);
      }
    } else if (c.family == "balancer") {
      ojson targets = ojson::array(), routes = ojson::object();
      std::string said;
      for (const auto& [id, why] : wr.guessed[c.id]) {
        targets.push_back(id);
        said += (said.empty() ? "" : ", ") + id + " (" + why + ")";
      }
      if (!said.empty())
        g.add(Guess::Warning, c.id + ".targets", "guessed backends: " + said + ", not seen in any trace (the "
                                                 "proxy's configuration, not its manifest, says where it forwards)");
      if (targets.empty()) {
        c.family = "service";
        out["type"] = "service";
        g.add(Guess::Inferred, c.id, "a proxy image with no backend named in its manifest: modelled as a service");
        wr.capacity(c);
        wr.guessed_steps(c);
      } else {
        j["algorithm"] = "round_robin";
        g.add(Guess::Inferred, c.id + ".algorithm", "round_robin, the default of NGINX, Envoy and HAProxy");
        j["targets"] = targets;
        for (const auto& t : targets) {
          routes[t.get<std::string>()] = ojson::array({t});
          wr.edges.insert({c.id, t.get<std::string>()});
        }
        if (targets.size() > 1) {
          j["routes"] = routes;
          g.add(Guess::Inferred, c.id + ".routes", "one route per backend, named after it (/catalog -> catalog): the "
                                                   "proxy's own routing rules are in its configuration, not the manifest");
        }
        if (c.workload->replicas && *c.workload->replicas > 1)
          g.add(Guess::Approximate, c.id, std::to_string(*c.workload->replicas) +
                                              " proxy replicas as one balancer (its capacity is not modelled)");
      }
    } else {
      wr.data_family(c);
      if (c.traced) {
        std::vector<double> all;
        ojson queries = ojson::object();
        for (const auto& [route, op] : c.traced->ops)
          for (const auto& [sig, shape] : op.shapes) {
            for (const StepModel& st : shape.steps) all.insert(all.end(), st.work.begin(), st.work.end());
            if (c.family == "database" && !shape.steps.empty()) {
              std::vector<double> w;
              for (const StepModel& st : shape.steps) w.insert(w.end(), st.work.begin(), st.work.end());
              queries[route] = wr.fitted(w, c.id + ".queries." + route,
                                         (c.traced->uninstrumented ? "its callers' span of " : "time of ") + route +
                                             (c.traced->uninstrumented ? " (network included)" : ""));
            }
          }
        if (c.family == "cache" && !all.empty())
          j["latency"] = wr.fitted(all, c.id + ".latency", std::string("time per operation") +
                                                            (c.traced->uninstrumented ? ", from its callers' spans (network included)" : ""));
        if (c.family == "database" && !queries.empty()) j["queries"] = queries;
        if (c.family == "queue" && !c.traced->consumers.empty()) {
          // The first consuming service is the queue's own group; each other one reads every
          // message too (a fan-out: Kafka consumer groups), as a group of its own.
          ojson groups = ojson::array();
          for (const std::string& name : c.traced->consumers) {
            const std::string consumer = wr.id_of(name);
            if (consumer.empty()) continue;
            if (!j.contains("consumers")) j["consumers"] = {{"service", consumer}};
            else groups.push_back({{"name", consumer}, {"service", consumer}});
            wr.edges.insert({c.id, consumer});
          }
          if (!groups.empty()) {
            j["groups"] = groups;
            g.add(Guess::Inferred, c.id + ".groups", "every consuming service seen in the traces reads every message, "
                                                     "each as its own consumer group (one message went to each)");
          }
          if (j.contains("consumers") && !c.traced->consumer_route.empty()) j["route"] = c.traced->consumer_route;
        }
      } else if (c.family == "database") {
        g.add(Guess::Placeholder, c.id + ".queries", "read exponential 1ms, write exponential 2ms (the family's defaults): "
                                                     "no trace of its queries");
      } else if (c.family == "cache") {
        g.add(Guess::Placeholder, c.id + ".latency", "20us per operation (the family's default): no trace of it");
      }
    }
    g.add(Guess::Inferred, c.id + ".type", c.family + ": " + c.family_why);
    for (auto& [k, v] : j.items()) out[k] = v;
    components.push_back(out);
    wr.autoscaler(c, components);
  }

  // Clients first in the file.
  ojson clients = ojson::array();
  auto keys = [&](ojson& route, const std::string& path) {
    if (!has_cache) return;
    route["keys"] = {{"count", 100000}, {"zipf", 0.99}};
    g.add(Guess::Placeholder, path, "100000 keys, Zipf 0.99: which data a request touches is in no input, and a "
                                    "cache's hit ratio follows from it");
  };
  for (const auto& [name, cm] : cal.clients) {
    const std::string target = wr.id_of(cm.target);
    ojson c = {{"id", name}, {"type", "client"}, {"target", target}};
    const double rate = cm.rate > 0 ? cm.rate : 10;
    c["arrivals"] = {{"process", "poisson"}, {"rate", std::round(rate * 1000) / 1000}};
    if (cm.rate > 0)
      g.add(Guess::Fitted, name + ".arrivals.rate",
            number(cm.rate, 4) + " requests/s: " + std::to_string(cm.requests) + " traced requests over " +
                number(static_cast<double>(cm.last_ns - cm.first_ns) / 1e9, 4) + " s" +
                (cm.sampling < 1 ? ", each standing for " + number(1 / cm.sampling, 4) + " (sampled at " + number(cm.sampling, 4) +
                                       ", from " + cm.sampling_from + ")"
                                 : ""));
    else
      g.add(Guess::Placeholder, name + ".arrivals.rate", "10 requests/s: the traces hold one request");
    g.add(Guess::Inferred, name + ".arrivals.process", "poisson: independent arrivals assumed (the traces' gaps are "
                                                       "not tested)");
    ojson routes = ojson::array();
    for (const auto& [r, n] : cm.routes) {
      ojson route = {{"name", r}, {"weight", n}};
      keys(route, name + ".routes." + std::to_string(routes.size()) + ".keys");
      routes.push_back(route);
    }
    c["routes"] = routes;
    if (cm.routes.size() > 1) g.add(Guess::Fitted, name + ".routes", "the route mix as traced (weights are request counts)");
    if (!cm.call.timeouts.empty()) {
      c["timeout"] = seconds_text(median(cm.call.timeouts));
      g.add(Guess::Fitted, name + ".timeout", "the median duration of its requests that timed out");
    } else {
      c["timeout"] = "30s";
      g.add(Guess::Placeholder, name + ".timeout", "30s: no request timed out in the traces");
    }
    if (cm.call.max_attempts > 1) {
      ojson step = wr.call_step(name, cm.call, name);
      if (step.contains("retry")) c["retry"] = step["retry"];
    }
    wr.edges.insert({name, target});
    clients.push_back(c);
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string name = entries.size() == 1 ? "users" : "users-" + entries[i];
    ojson c = {{"id", name}, {"type", "client"}, {"target", entries[i]}};
    c["arrivals"] = {{"process", "poisson"}, {"rate", 100}};
    g.add(Guess::Placeholder, name + ".arrivals.rate", "100 requests/s of Poisson arrivals: the manifests say nothing "
                                                       "of the load (import traces to measure it)");
    const Component* e = wr.find(entries[i]);
    ojson routes = ojson::array();
    if (e && e->family == "balancer" && e->json.contains("routes"))
      for (const auto& [r, t] : e->json["routes"].items()) routes.push_back({{"name", r}, {"weight", 1}});
    else
      routes.push_back({{"name", "default"}, {"weight", 1}});
    for (std::size_t k = 0; k < routes.size(); ++k) keys(routes[k], name + ".routes." + std::to_string(k) + ".keys");
    if (routes.size() > 1) g.add(Guess::Placeholder, name + ".routes", "every route equally often");
    c["routes"] = routes;
    c["timeout"] = "30s";
    g.add(Guess::Placeholder, name + ".timeout", "30s");
    wr.edges.insert({name, entries[i]});
    clients.push_back(c);
  }
  for (auto& c : components) clients.push_back(c);
  components = clients;

  ojson links = ojson::array();
  for (const auto& [pair, link] : cal.links) {
    const std::string from = wr.id_of(pair.first), to = wr.id_of(pair.second);
    if (from.empty() || to.empty() || !wr.edges.count({from, to}) || link.latency.empty()) continue;
    const std::string path = "links." + std::to_string(links.size()) + ".latency";
    links.push_back({{"from", from}, {"to", to}, {"latency", wr.fitted(link.latency, path, "one-way latency " + from + " -> " + to)}});
  }
  if (cal.links.empty() && !wr.edges.empty())
    g.add(Guess::Placeholder, "network.latency", "0: no trace measured a link (every call crosses the network instantly)");

  ojson faults = ojson::array();
  for (const Component& c : wr.comps) {
    if (!c.traced) continue;
    std::uint64_t n = 0, errors = 0;
    for (const auto& [r, op] : c.traced->ops) n += op.count, errors += op.own_errors;
    if (n == 0 || errors * 1000 < n) continue;
    const double rate = static_cast<double>(errors) / static_cast<double>(n);
    faults.push_back({{"kind", "error_rate"}, {"at", "0s"}, {"target", c.id}, {"rate", std::round(rate * 10000) / 10000}});
    g.add(Guess::Fitted, "faults." + std::to_string(faults.size() - 1) + ".rate",
          number(rate, 4) + ": " + std::to_string(errors) + " of " + std::to_string(n) + " requests " + c.id +
              " failed while every call it made succeeded (its own errors), as an error rate over the whole run");
  }

  wr.warn_unreached(components);
  g.add(Guess::Placeholder, "duration", "10m of simulated time, the first minute as warm-up");
  const std::size_t count = g.list().size();
  std::string from;
  for (const auto& i : opt.inputs) from += (from.empty() ? "" : ", ") + i;
  ojson doc;
  doc["name"] = opt.name;
  doc["description"] = "Imported by archsim import from " + from + ". " + std::to_string(count) +
                       " values were not read from these inputs (placeholders, guesses, fits): " + opt.guesses_file +
                       " lists each with its --set path.";
  doc["seed"] = 1;
  doc["duration"] = "10m";
  doc["warmup"] = "1m";
  doc["components"] = components;
  if (!links.empty()) doc["links"] = links;
  if (!faults.empty()) doc["faults"] = faults;
  return doc;
}

}  // namespace archsim::import
