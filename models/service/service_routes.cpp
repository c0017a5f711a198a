// Service: reading routes and their steps from the scenario, and describing them to analyze.
#include "models/service/service_impl.h"
#include "models/server/call_policy/on_timeout.h"

#include "models/contracts/result_flags.h"
#include "scenario/errors.h"

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
  declare_route_flow(bc);
}

// For the check before t = 0 (scenario/route_flow.h): without a default program this service
// serves only its named routes; each program's calls and publishes pass on the routes that
// run it (a named route's program: that route; the default program: every route without a
// program of its own), under their own route name when the step gives one.
void Service::declare_route_flow(BuildContext& bc) const {
  std::vector<std::uint32_t> named;
  for (std::uint32_t r = 0; r < route_program_.size(); ++r)
    if (route_program_[r] != default_program_) named.push_back(r);
  if (!programs_[default_program_].defined) bc.serves_only(named);
  for (std::uint32_t idx = 0; idx < programs_.size(); ++idx) {
    if (!programs_[idx].defined) continue;
    RouteFlow::Rule rule;
    if (idx == default_program_) {
      rule.routes = named;
    } else {
      rule.only = true;
      for (std::uint32_t r = 0; r < route_program_.size(); ++r)
        if (route_program_[r] == idx) rule.routes.push_back(r);
    }
    for (const std::vector<Step>* list : {&programs_[idx].steps, &programs_[idx].calls})
      for (const Step& st : *list) {
        if (st.kind != Step::Call && st.kind != Step::Publish) continue;
        RouteFlow::Rule r = rule;
        r.ref = st.ref;
        if (!st.keep_route) r.rename = st.route;
        bc.forwards_routes(std::move(r));
      }
  }
}

// Steps are emitted into `out`: the program's flat step list (prog.steps), or the children
// of a parallel block (calls only). Blocks inside a step (a call's on_miss, a choice's arms,
// a repeat's body) are emitted in line, with Jump/Branch steps around them.
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
      st.cancel = read_cancel_on_timeout(s, st.timeout);
      st.continue_on_failure = s.choice("on_failure", "fail", {"fail", "continue"}) == "continue";
      // A meshed caller's sidecar retries under every call but those a service pool takes.
      if (CallPolicy::wanted(s) || (mesh_.active() && !shared_pool_)) {
        st.policy = add_policy(s, bc, st.timeout);
        if (mesh_.active()) policies_[st.policy - 1]->set_mesh(mesh_, bc.metrics());
        // A step's own pool: its connections to the callee, per instance.
        if (const std::uint64_t size = policies_[st.policy - 1]->pool_size()) bc.holds_connections(st.ref, size, s.path("pool") + "/size");
      } else if (shared_pool_) {  // calls to the pool's components take one of its connections
        const std::string target = s.string("call");
        const auto& pooled = policies_[shared_pool_ - 1]->pool_for();
        if (std::find(pooled.begin(), pooled.end(), target) != pooled.end()) {
          st.policy = shared_pool_;
          // The shared pool's connections go to each of its components (declared once each).
          if (std::find(pooled_targets_.begin(), pooled_targets_.end(), target) == pooled_targets_.end())
            bc.holds_connections(st.ref, policies_[shared_pool_ - 1]->pool_size(), shared_pool_pointer_);
          pooled_targets_.push_back(target);
        }
      }
      if (auto tc = s.object_opt("token_cache")) {
        if (in_parallel) s.fail("token_cache", "a call inside a parallel block cannot use a token cache");
        st.token_cache = add_token_cache(s, *tc, bc);
      }
      if (s.has("on_miss") || s.has("on_hit") || s.has("on_not_found") || s.has("on_found")) {
        if (in_parallel) s.fail_here("a call inside a parallel block cannot branch on its result");
        if (st.token_cache) s.fail("token_cache", "a call with a token cache cannot branch on its result");
        out.push_back(std::move(st));
        parse_call_branches(s, bc, prog);
        continue;
      }
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
      if (in_parallel) s.fail("publish", "a parallel block holds calls only");
      st.kind = Step::Publish;
      st.ack = s.boolean("ack", false);
      // Waiting for the ack is a call on the request's path; a one-way publish is not.
      st.ref = bc.reference(s, "publish", st.ack ? RefKind::SyncCall : RefKind::AsyncSend);
      if (s.has("route")) {
        st.keep_route = false;
        st.route = bc.route_index(s.string("route"));
      }
      st.timeout = s.duration("timeout", 0);
      if (s.has("topic")) {
        st.topic_name = s.string("topic");
        st.topic_pointer = s.path("topic");
      }
    } else if (s.has("choice")) {
      if (in_parallel) s.fail("choice", "a parallel block holds calls only");
      std::vector<Params> arms = s.objects("choice");
      if (arms.empty()) s.fail("choice", "expected a non-empty array of {\"weight\": w, \"steps\": [...]}");
      st.kind = Step::Choice;
      st.first_child = static_cast<std::uint32_t>(prog.arms.size());
      st.children = static_cast<std::uint32_t>(arms.size());
      double total = 0;
      for (Params& arm : arms) {
        total += arm.number("weight", 1.0, 0.0, 1e9);
        prog.arms.push_back(ChoiceArm{total, 0});
      }
      if (total <= 0) s.fail("choice", "the weights add up to zero");
      const std::size_t choice_pc = out.size();
      out.push_back(std::move(st));
      std::vector<std::size_t> jumps;
      for (std::size_t k = 0; k < arms.size(); ++k) {
        prog.arms[out[choice_pc].first_child + k].pc = static_cast<std::uint32_t>(out.size());
        std::vector<Params> body = arms[k].objects("steps");
        parse_steps(body, bc, prog, out, false);
        jumps.push_back(out.size());
        Step j;
        j.kind = Step::Jump;
        out.push_back(j);
      }
      for (std::size_t at : jumps) out[at].target = static_cast<std::uint32_t>(out.size());
      continue;
    } else if (s.has("two_phase_commit")) {
      if (in_parallel) s.fail("two_phase_commit", "a parallel block holds calls only");
      parse_two_phase(s, bc, prog, out);
      continue;
    } else if (s.has("saga")) {
      if (in_parallel) s.fail("saga", "a parallel block holds calls only");
      parse_saga(s, bc, prog, out);
      continue;
    } else if (s.has("repeat")) {
      if (in_parallel) s.fail("repeat", "a parallel block holds calls only");
      std::vector<Params> body = s.objects("repeat");
      if (body.empty()) s.fail("repeat", "expected a non-empty array of steps");
      const double p = s.number("probability", 0.0, 0.0, 0.99);
      const std::uint32_t start = static_cast<std::uint32_t>(out.size());
      parse_steps(body, bc, prog, out, false);
      st.kind = Step::Repeat;
      st.target = start;
      st.probability = p;
    } else {
      s.fail_here("a step is {\"work\": ...}, {\"call\": \"<component>\"}, {\"parallel\": [...]}, {\"publish\": \"<queue>\"}, "
                  "{\"choice\": [...]}, {\"repeat\": [...]}, {\"saga\": [...]} or {\"two_phase_commit\": {...}}");
    }
    out.push_back(std::move(st));
  }
}

// After a call: Branch (flags meet the mask -> go on into the first block; else jump to the
// second), the first block, Jump to the end, the second block. on_miss / on_hit read the
// cache's kMiss flag, on_not_found / on_found the kNotFound flag; a failed call whose step
// says "on_failure": "continue" counts as a miss / not found.
void Service::parse_call_branches(Params& s, BuildContext& bc, Program& prog) {
  const bool miss = s.has("on_miss") || s.has("on_hit");
  const bool found = s.has("on_not_found") || s.has("on_found");
  if (miss && found) s.fail_here("a call branches on miss/hit or on not_found/found, not both");
  std::vector<Step>& out = prog.steps;
  const std::size_t branch_pc = out.size();
  Step br;
  br.kind = Step::Branch;
  br.mask = (miss ? result_flags::kMiss : result_flags::kNotFound) | result_flags::kCallFailed;
  out.push_back(br);
  parse_block(s, miss ? "on_miss" : "on_not_found", bc, prog);
  const std::size_t jump_pc = out.size();
  Step j;
  j.kind = Step::Jump;
  out.push_back(j);
  out[branch_pc].target = static_cast<std::uint32_t>(out.size());
  parse_block(s, miss ? "on_hit" : "on_found", bc, prog);
  out[jump_pc].target = static_cast<std::uint32_t>(out.size());
}

void Service::parse_block(Params& s, std::string_view key, BuildContext& bc, Program& prog) {
  std::vector<Params> body = s.objects(key);
  parse_steps(body, bc, prog, prog.steps, false);
}

// For `archsim analyze` (scenario/describe.h): instances, zones, io, connection pools, and per
// route the mean work, the calls made in order (a parallel block is one group) and the steps
// as a flow (branches, choices and repeats), so that analyze can weight each by how often it
// runs.
void Service::describe(Description& d) const {
  d.kind = Description::Kind::Server;
  d.replicas = pool_.initial_replicas();
  d.concurrency = pool_.concurrency();
  d.zones = pool_.zones();
  d.queue_capacity = pool_.queue_capacity();
  d.io_async = io_async_;
  // Connection pools: a policy with a pool is one (the service-level pool shared by its steps).
  std::vector<std::uint32_t> pool_of(policies_.size(), 0);
  for (std::size_t k = 0; k < policies_.size(); ++k)
    if (const std::uint64_t size = policies_[k]->pool_size()) {
      d.pools.push_back(static_cast<std::uint32_t>(std::min<std::uint64_t>(size, UINT32_MAX)));
      pool_of[k] = static_cast<std::uint32_t>(d.pools.size());
    }
  auto call_of = [&](const Step& s) {
    Description::Call c;
    c.ref = s.ref;
    c.same_route = s.keep_route;
    c.route = s.route;
    c.timeout_s = to_seconds(s.timeout);
    if (s.policy != 0) {
      c.policy = policies_[s.policy - 1]->summary();
      c.pool = pool_of[s.policy - 1];
    }
    return c;
  };
  auto add = [&](std::uint32_t idx, bool any, std::uint32_t route) {
    const Program& prog = programs_[idx];
    if (!prog.defined) return;
    Description::Program out;
    out.any_route = any;
    out.route = route;
    double var = 0;  // steps are independent: variances add
    std::uint32_t last_group = 0;
    for (const Step& s : prog.steps) {
      Description::FlowStep f;
      if (s.kind == Step::Work) {
        const double m = s.work.mean() / 1e9 / pool_.speed();
        out.work_s += m;
        var += s.work.scv() * m * m;
        f.work_s = m;
        f.work_scv = s.work.scv();
      } else if (s.kind == Step::Call || s.kind == Step::Publish) {
        Description::Call c = call_of(s);
        c.one_way = s.kind == Step::Publish && !s.ack;  // traffic for the queue, no wait here
        // on_failure continue: the route goes on as after a miss. A saga's step fails over to
        // its compensations instead (the Check that follows it), so it is not optional.
        const std::size_t at = static_cast<std::size_t>(&s - prog.steps.data());
        c.optional = s.kind == Step::Call && s.continue_on_failure &&
                     !(at + 1 < prog.steps.size() && prog.steps[at + 1].kind == Step::Saga);
        out.groups.push_back({{c}, 1});
        f.kind = Description::FlowStep::Kind::Calls;
        f.group = last_group = static_cast<std::uint32_t>(out.groups.size() - 1);
      } else if (s.kind == Step::Parallel) {
        Description::CallGroup g;
        g.wait_for = s.wait_for;
        for (std::uint32_t k = 0; k < s.children; ++k) g.calls.push_back(call_of(prog.calls[s.first_child + k]));
        out.groups.push_back(std::move(g));
        f.kind = Description::FlowStep::Kind::Calls;
        f.group = last_group = static_cast<std::uint32_t>(out.groups.size() - 1);
      } else if (s.kind == Step::Choice) {
        f.kind = Description::FlowStep::Kind::Choice;
        double prev = 0;
        const double total = prog.arms[s.first_child + s.children - 1].cumulative;
        for (std::uint32_t k = 0; k < s.children; ++k) {
          const ChoiceArm& arm = prog.arms[s.first_child + k];
          f.arms.emplace_back((arm.cumulative - prev) / total, arm.pc);
          prev = arm.cumulative;
        }
      } else if (s.kind == Step::Jump) {
        f.kind = Description::FlowStep::Kind::Jump;
        f.target = s.target;
      } else if (s.kind == Step::Branch) {  // right after the call whose reply it reads
        f.kind = Description::FlowStep::Kind::Branch;
        f.group = last_group;
        f.target = s.target;
        f.on_miss = (s.mask & result_flags::kMiss) != 0;
      } else if (s.kind == Step::Repeat) {
        f.kind = Description::FlowStep::Kind::Repeat;
        f.target = s.target;
        f.probability = s.probability;
      }
      out.flow.push_back(std::move(f));
    }
    out.work_scv = out.work_s > 0 ? var / (out.work_s * out.work_s) : 1.0;
    d.programs.push_back(std::move(out));
  };
  add(default_program_, true, 0);
  for (std::uint32_t r = 0; r < route_program_.size(); ++r)
    if (route_program_[r] != default_program_) add(route_program_[r], false, r);
}

}  // namespace archsim::service_internal

namespace archsim::service_internal {

// A publish step naming a topic: the queue must have it (its index travels in the request).
// A one-way publish keeps the queue's Backpressure, when it has one, to wait on a full queue.
void Service::connect(ConnectContext& cc) {
  // A participant must prepare: anything else answers "prepare" as a call and votes yes.
  for (const RefId ref : tpc_participants_) {
    Component& c = cc.target(ref);
    if (capabilities_of(c).prepared_transactions) continue;
    cc.fail(ref, "\"" + c.id() + "\" is a " + c.type() +
                     (c.type() == "database" ? " without max_prepared_transactions" : "") +
                     ": a participant of two-phase commit must hold prepared transactions and may vote no (a database "
                     "with max_prepared_transactions); this one would vote yes to every prepare without preparing anything");
  }
  for (Program& prog : programs_)
    for (Step& st : prog.steps) {
      if (st.kind != Step::Publish) continue;
      if (!st.ack) st.backpressure = capabilities_of(cc.target(st.ref)).backpressure;
      if (st.topic_name.empty()) continue;
      Topics* topics = capabilities_of(cc.target(st.ref)).topics;
      if (!topics) throw ScenarioError(st.topic_pointer, "\"" + st.topic_name + "\": the component published to has no \"topics\"");
      int i = topics->topic_index(st.topic_name);
      if (i < 0)
        throw ScenarioError(st.topic_pointer, "unknown topic \"" + st.topic_name + "\"" +
                                                  did_you_mean(st.topic_name, topics->topic_names()));
      st.topic = static_cast<std::uint16_t>(i);
    }
}

}  // namespace archsim::service_internal
