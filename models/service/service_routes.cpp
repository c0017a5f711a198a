// Service: reading routes and their steps from the scenario, and describing them to analyze.
#include "models/service/service_impl.h"

namespace archsim::service_internal {

void Service::read_routes(Params& p, BuildContext& bc, bool has_default, const Distribution& def) {
  Program dflt;
  dflt.defined = has_default;
  Step w;
  w.work = def;
  dflt.steps.push_back(w);
  programs_.push_back(std::move(dflt));
  default_program_ = 0;
  if (auto routes = p.object_opt("routes")) {
    for (const std::string& name : routes->keys()) {
      std::vector<Params> steps = routes->objects(name);
      if (steps.empty()) routes->fail(name, "expected a non-empty array of steps");
      Program prog;
      prog.defined = true;
      parse_steps(steps, bc, prog, prog.steps, false);
      std::uint32_t idx = static_cast<std::uint32_t>(programs_.size());
      programs_.push_back(std::move(prog));
      if (name == "*" || name == "default") {
        default_program_ = idx;
        continue;
      }
      std::uint32_t route = bc.route_index(name);
      if (route_program_.size() <= route) route_program_.resize(route + 1, kNoProgram);
      route_program_[route] = idx;
    }
  } else if (!has_default) {
    p.missing("service_time");  // names a misspelling first; else "is required"
  }
  for (auto& rp : route_program_)
    if (rp == kNoProgram) rp = default_program_;
}

void Service::parse_steps(std::vector<Params>& list, BuildContext& bc, Program& prog, std::vector<Step>& out, bool in_parallel) {
  for (Params& s : list) {
    Step st;
    if (s.has("work")) {
      if (in_parallel) s.fail("work", "a parallel block holds calls only");
      st.kind = Step::Work;
      st.work = s.distribution("work");
    } else if (s.has("call")) {
      st.kind = Step::Call;
      st.ref = bc.reference(s, "call", RefKind::SyncCall);
      if (s.has("route")) {
        st.keep_route = false;
        st.route = bc.route_index(s.string("route"));
      }
      st.timeout = s.duration("timeout", 0);
      if (CallPolicy::wanted(s)) st.policy = add_policy(s, bc, st.timeout);
    } else if (s.has("parallel")) {
      if (in_parallel) s.fail("parallel", "parallel blocks do not nest");
      st.kind = Step::Parallel;
      std::vector<Params> kids = s.objects("parallel");
      if (kids.empty()) s.fail("parallel", "expected a non-empty array of call steps");
      std::vector<Step> children;
      parse_steps(kids, bc, prog, children, true);
      st.first_child = static_cast<std::uint32_t>(prog.calls.size());
      st.children = static_cast<std::uint32_t>(children.size());
      for (auto& c : children) prog.calls.push_back(c);
      st.wait_for = static_cast<std::uint32_t>(s.integer("wait_for", st.children, 1, st.children));
    } else if (s.has("publish")) {
      s.fail("publish", "publishing to a queue is not supported by this version of archsim yet");
    } else {
      s.fail_here("a step is {\"work\": ...}, {\"call\": \"<component>\"} or {\"parallel\": [...]}");
    }
    out.push_back(std::move(st));
  }
}

// For `archsim analyze` (sim/describe.h): instances, zones, and per route the mean work
// and the calls made, in order (a parallel block is one group).
void Service::describe(Description& d) const {
  d.kind = Description::Kind::Server;
  d.replicas = initial_replicas_;
  d.concurrency = concurrency_;
  d.zones = zones_;
  auto call_of = [](const Step& s) { return Description::Call{s.ref, s.keep_route, s.route, to_seconds(s.timeout)}; };
  auto add = [&](std::uint32_t idx, bool any, std::uint32_t route) {
    const Program& prog = programs_[idx];
    if (!prog.defined) return;
    Description::Program out;
    out.any_route = any;
    out.route = route;
    double var = 0;  // steps are independent: variances add
    for (const Step& s : prog.steps) {
      if (s.kind == Step::Work) {
        const double m = s.work.mean() / 1e9 / speed_;
        out.work_s += m;
        var += s.work.scv() * m * m;
      } else if (s.kind == Step::Call) {
        out.groups.push_back({{call_of(s)}, 1});
      } else {
        Description::CallGroup g;
        g.wait_for = s.wait_for;
        for (std::uint32_t k = 0; k < s.children; ++k) g.calls.push_back(call_of(prog.calls[s.first_child + k]));
        out.groups.push_back(std::move(g));
      }
    }
    out.work_scv = out.work_s > 0 ? var / (out.work_s * out.work_s) : 1.0;
    d.programs.push_back(std::move(out));
  };
  add(default_program_, true, 0);
  for (std::uint32_t r = 0; r < route_program_.size(); ++r)
    if (route_program_[r] != default_program_) add(route_program_[r], false, r);
}

}  // namespace archsim::service_internal
