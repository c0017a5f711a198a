// Autoscaler: reading the horizontal mode's spec from the scenario (the HPA's min/max,
// metrics, behavior, schedule and predictive mode), with the API server's defaulting.
#include <string>
#include <vector>

#include "models/autoscaler/autoscaler_impl.h"
#include "sim/text_list.h"

namespace archsim::autoscaler_internal {

namespace {

struct SourceInfo {
  const char* name;
  Source source;
  bool utilization;  // a fraction of the pod's request, target in (0, 1]
};
constexpr SourceInfo kSources[] = {
    {"cpu", Source::Cpu, true},           {"memory", Source::Memory, true},
    {"utilization", Source::Utilization, true}, {"rps", Source::Rps, false},
    {"queue_length", Source::QueueLength, false}, {"busy_workers", Source::BusyWorkers, false},
    {"in_flight", Source::InFlight, false},
};

std::vector<std::string> source_names() {
  std::vector<std::string> out;
  for (const auto& s : kSources) out.emplace_back(s.name);
  return out;
}

HpaRules::Select parse_select(const std::string& s) {
  if (s == "min") return HpaRules::Select::Min;
  if (s == "disabled") return HpaRules::Select::Disabled;
  return HpaRules::Select::Max;
}

// API-server defaulting: fields not given keep `rules` (the defaults) as they are.
void parse_rules(Params& r, HpaRules& rules) {
  rules.stabilization_window = r.duration("stabilization_window", rules.stabilization_window, 0, kHour);
  if (r.has("policies")) {
    std::vector<Params> list = r.objects("policies");
    rules.policies.clear();
    for (Params& pp : list) {
      HpaPolicy pol;
      pol.type = pp.choice("type", "pods", {"pods", "percent"}) == "percent" ? HpaPolicy::Type::Percent
                                                                         : HpaPolicy::Type::Pods;
      pol.value = static_cast<int>(pp.require_integer("value", 1, 1'000'000));
      pol.period = pp.duration("period");
      if (pol.period <= 0)
        pp.fail("period", "must be positive: a policy limits the change per period (Kubernetes accepts 1s to 30m)");
      if (pol.period > 30 * kMinute) pp.fail("period", "must be at most 30m, as Kubernetes validates it");
      rules.policies.push_back(pol);
    }
  } else {
    r.known("policies");
  }
  rules.select = parse_select(r.choice("select_policy", "max", {"max", "min", "disabled"}));
  if (r.has("tolerance")) rules.tolerance = r.number("tolerance", 0.1, 0.0, 10.0);
  else r.known("tolerance");
}

}  // namespace

void Autoscaler::read_horizontal(Params& p) {
  HpaSpec spec;
  spec.min_replicas = static_cast<int>(p.integer("min_replicas", 1, 0, 100000));
  spec.max_replicas = static_cast<int>(p.require_integer("max_replicas", 1, 100000));
  if (spec.min_replicas > spec.max_replicas)
    p.fail("min_replicas", "is " + std::to_string(spec.min_replicas) + ", above max_replicas (" +
                               std::to_string(spec.max_replicas) + ")");
  spec.tolerance = p.number("tolerance", 0.1, 0.0, 10.0);
  cpu_rule_.cpu_initialization_period =
      p.duration("cpu_initialization_period", cpu_rule_.cpu_initialization_period, 0, kDay);
  cpu_rule_.initial_readiness_delay =
      p.duration("initial_readiness_delay", cpu_rule_.initial_readiness_delay, 0, kDay);
  bool has_list = p.has("metrics");
  if (has_list && (p.has("metric") || p.has("target_utilization") || p.has("target_value")))
    p.fail("metrics", "give either \"metrics\" or the shorthand \"metric\" + \"target_utilization\", not both");
  if (has_list) {
    std::vector<Params> list = p.objects("metrics");
    if (list.empty()) p.fail("metrics", "expected a non-empty array of {\"type\", \"target\"}");
    for (Params& mp : list) metrics_.push_back(read_metric(mp, "type", false));
  } else {
    p.known("metrics");
    metrics_.push_back(read_metric(p, "metric", true));
  }
  if (auto b = p.object_opt("behavior")) {
    HpaBehavior beh = default_behavior();
    if (auto up = b->object_opt("scale_up")) parse_rules(*up, beh.scale_up);
    if (auto dn = b->object_opt("scale_down")) parse_rules(*dn, beh.scale_down);
    spec.behavior = beh;
  }
  // else: std::nullopt on purpose, the controller's legacy path (see the header).
  std::string why = validate_hpa_spec(spec);
  if (!why.empty()) p.fail_here(why);
  hpa_ = HpaController(spec);
  min_ = spec.min_replicas;
  max_ = spec.max_replicas;

  for (Params& sp : p.objects("schedule")) {
    ScheduleEntry e;
    e.at = sp.duration("at");
    e.min_replicas = static_cast<int>(sp.require_integer("min_replicas", 0, max_));
    if (!schedule_.empty() && e.at < schedule_.back().at)
      sp.fail("at", "schedule entries must be in time order (this one is before the previous)");
    schedule_.push_back(e);
  }
  schedule_period_ = p.duration("schedule_period", 0);
  if (schedule_period_ > 0 && !schedule_.empty() && schedule_.back().at >= schedule_period_)
    p.fail("schedule_period", "must be longer than the last schedule entry's \"at\"");

  if (auto pr = p.object_opt("predictive")) {
    predictive_ = true;
    horizon_ = pr->duration("horizon", 5 * kMinute, 0, kDay);
    holt_ = pr->choice("method", "holt", {"holt", "linear"}) == "holt";
    history_ = pr->duration("history", 30 * kMinute, 0, 30 * kDay);
    alpha_ = pr->number("alpha", 0.5, 0.0, 1.0);
    beta_ = pr->number("beta", 0.3, 0.0, 1.0);
    if (alpha_ <= 0) pr->fail("alpha", "must be in (0, 1]");
  }
}

// One metric: {"type", "target"} in a "metrics" list, or the shorthand "metric" +
// "target_utilization" (cpu, memory, utilization) / "target_value" (the others) on the
// autoscaler ("target" there names the service).
MetricSpec Autoscaler::read_metric(Params& mp, const char* type_key, bool shorthand) {
  MetricSpec ms;
  ms.name = shorthand ? mp.string(type_key, "cpu") : mp.string(type_key);
  ms.pointer = mp.path(type_key);
  const SourceInfo* info = nullptr;
  for (const auto& s : kSources)
    if (ms.name == s.name) info = &s;
  if (!info && ms.name.find('.') != std::string::npos) {
    // Any recorded gauge, "<component>.<gauge>" as timeseries.csv names it (KEDA's external
    // metrics): its current total against a per-replica target, AverageValue-style.
    ms.source = Source::Gauge;
    ms.utilization = false;
    ms.target = mp.require_number(shorthand ? "target_value" : "target", 0.0, 1e12);
    if (ms.target <= 0) mp.fail(shorthand ? "target_value" : "target", "must be positive (a value per replica)");
    return ms;
  }
  if (!info) {
    const std::string known = join_items(source_names(), ", ");
    mp.fail(type_key, "unknown metric \"" + ms.name + "\"" + did_you_mean(ms.name, source_names()) +
                          "; known metrics: " + known + ", or any gauge as \"<component>.<gauge>\"");
  }
  ms.source = info->source;
  ms.utilization = info->utilization;
  const char* tkey = !shorthand ? "target" : ms.utilization ? "target_utilization" : "target_value";
  if (ms.utilization) {
    // kubectl autoscale's default is 80%.
    ms.target = shorthand ? mp.number(tkey, 0.8) : mp.require_number(tkey);
    if (!(ms.target > 0 && ms.target <= 1))
      mp.fail(tkey, "must be in (0, 1]: a fraction of the pod's " +
                        std::string(ms.source == Source::Memory ? "memory limit" : "workers") + " (0.7 = 70%)");
  } else {
    if (shorthand && mp.has("target_utilization"))
      mp.fail("target_utilization", "applies to cpu, memory and utilization; give \"target_value\" (a per-pod value) for " +
                                        ms.name);
    ms.target = mp.require_number(tkey);
    if (!(ms.target > 0)) mp.fail(tkey, "must be positive (a per-pod value of " + ms.name + ")");
  }
  return ms;
}

}  // namespace archsim::autoscaler_internal
