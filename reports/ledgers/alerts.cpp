#include "reports/ledgers/alerts.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace archsim::ledgers {

std::vector<AlertRule> read_alerts(Params& top, const Metrics* metrics) {
  std::vector<std::string> names;
  if (metrics) {
    for (const Series& x : metrics->series()) names.push_back(x.component + "." + x.metric);
    for (const Series& x : metrics->series())
      if (x.metric == "errors_rps") names.push_back(x.component + ".availability");
  }
  std::vector<AlertRule> rules;
  std::set<std::string> seen;
  for (Params& a : top.objects("alerts")) {
    AlertRule rule;
    rule.name = a.string("name");
    if (rule.name.empty()) a.fail("name", "must not be empty");
    if (!seen.insert(rule.name).second) a.fail("name", "duplicate alert name \"" + rule.name + "\"");
    rule.metric = a.string("metric");
    if (metrics && std::find(names.begin(), names.end(), rule.metric) == names.end())
      a.fail("metric", "unknown series \"" + rule.metric + "\"" + did_you_mean(rule.metric, names) +
                           " (a series is \"<component>.<metric>\" as in timeseries.csv, e.g. \"all.errors_rps\")");
    rule.greater = a.choice("op", ">", {">", "<"}) == ">";
    rule.threshold = a.require_number("threshold");
    rule.hold = a.duration("for", 0);
    rules.push_back(std::move(rule));
  }
  return rules;
}

namespace {
// The last series of that name (as the recorder's index was), or nullptr.
const Series* find_series(const std::vector<Series>& list, const std::string& name) {
  const Series* found = nullptr;
  for (const Series& x : list)
    if (x.component + "." + x.metric == name) found = &x;
  return found;
}
}  // namespace

std::vector<AvailabilityResult::Alert> evaluate_alerts(const std::vector<AlertRule>& rules,
                                                       const std::vector<Time>& ends,
                                                       const std::vector<Series>& series,
                                                       const std::vector<Series>& derived) {
  std::vector<AvailabilityResult::Alert> out;
  for (const AlertRule& rule : rules) {
    const Series* x = find_series(series, rule.metric);
    if (!x) x = find_series(derived, rule.metric);
    if (!x) continue;
    bool firing = false, pending = false;
    Time since = 0;
    for (std::size_t w = 0; w < ends.size() && w < x->values.size(); ++w) {
      double v = x->values[w];
      bool cond = !std::isnan(v) && (rule.greater ? v > rule.threshold : v < rule.threshold);
      if (cond) {
        if (!pending && !firing) {
          pending = true;
          since = ends[w];
        }
        if (pending && ends[w] - since >= rule.hold) {
          pending = false;
          firing = true;
          out.push_back(AvailabilityResult::Alert{rule.name, to_seconds(ends[w]), 0, false});
        }
      } else {
        pending = false;
        if (firing) {
          firing = false;
          out.back().resolved = true;
          out.back().resolved_s = to_seconds(ends[w]);
        }
      }
    }
  }
  // In the order they fire (a rule's episodes come out together above): the page numbers its
  // markers, the table and the terminal list them in this order. Ties keep the rules' order.
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.fired_s < b.fired_s; });
  return out;
}

}  // namespace archsim::ledgers
