#include "reports/html_plan.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/html_json.h"
#include "reports/html_page.h"
#include "sim/text_list.h"

namespace archsim::reports {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// "web.replicas=4 db.replicas=2": a configuration as --set would name it.
std::string config_label(const json& set) {
  std::string s;
  for (auto it = set.begin(); it != set.end(); ++it)
    append_item(s, " ", it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump()));
  return s;
}

double num(const json& e, const std::string& key) {
  const double v = js::num_at(e, key);
  return std::isfinite(v) ? v : 0.0;
}

// Ticks at 1, 2 or 5 times a power of ten, about `n` of them over [lo, hi].
std::vector<double> ticks(double lo, double hi, int n) {
  const double raw = (hi - lo) / n;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> out;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

struct Point {
  double cost, latency, latency_hi;
  bool meets, front, cheapest;
  std::string label;
};

// Cost (x) against the latency objective (y): every configuration run, its upper bound as a
// whisker, the SLO target dashed, the Pareto front joined, the cheapest passing one ringed.
std::string chart(const std::vector<Point>& points, const std::string& axis, double target_ms) {
  constexpr double W = 760, H = 420, L = 76, R = 24, T = 28, B = 56;
  double x0 = 1e300, x1 = -1e300, y1 = 0;
  for (const Point& p : points) {
    x0 = std::min(x0, p.cost);
    x1 = std::max(x1, p.cost);
    y1 = std::max(y1, p.latency_hi);
  }
  if (target_ms > 0) y1 = std::max(y1, target_ms);
  if (!(y1 > 0)) y1 = 1;
  y1 *= 1.08;
  const double pad = x1 > x0 ? (x1 - x0) * 0.06 : std::max(std::abs(x0) * 0.1, 1e-3);
  x0 -= pad;
  x1 += pad;
  auto X = [&](double v) { return L + (v - x0) / (x1 - x0) * (W - L - R); };
  auto Y = [&](double v) { return H - B - v / y1 * (H - T - B); };
  auto f = [](double v) { return html::number(v, 6); };
  std::string s = "<svg class=\"plan-chart\" viewBox=\"0 0 " + f(W) + " " + f(H) +
                  "\" role=\"img\" aria-label=\"cost against " + axis + "\" style=\"max-width:" + f(W) +
                  "px;width:100%;background:#fff\">\n<title>Cost against " + axis + "</title>\n";
  // Axes, grid and tick labels.
  for (double t : ticks(x0, x1, 6))
    s += "<line x1=\"" + f(X(t)) + "\" y1=\"" + f(T) + "\" x2=\"" + f(X(t)) + "\" y2=\"" + f(H - B) +
         "\" stroke=\"#eee\"/><text x=\"" + f(X(t)) + "\" y=\"" + f(H - B + 18) +
         "\" font-size=\"12\" text-anchor=\"middle\">" + html::number(t) + "</text>\n";
  for (double t : ticks(0, y1, 6))
    s += "<line x1=\"" + f(L) + "\" y1=\"" + f(Y(t)) + "\" x2=\"" + f(W - R) + "\" y2=\"" + f(Y(t)) +
         "\" stroke=\"#eee\"/><text x=\"" + f(L - 8) + "\" y=\"" + f(Y(t) + 4) +
         "\" font-size=\"12\" text-anchor=\"end\">" + html::number(t) + "</text>\n";
  s += "<rect x=\"" + f(L) + "\" y=\"" + f(T) + "\" width=\"" + f(W - L - R) + "\" height=\"" + f(H - T - B) +
       "\" fill=\"none\" stroke=\"#888\"/>\n";
  s += "<text x=\"" + f((L + W - R) / 2) + "\" y=\"" + f(H - 12) + "\" font-size=\"13\" text-anchor=\"middle\">cost ($)</text>\n";
  s += "<text transform=\"translate(18 " + f((T + H - B) / 2) + ") rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">" +
       html::escape(axis) + " (ms)</text>\n";
  if (target_ms > 0)
    s += "<line x1=\"" + f(L) + "\" y1=\"" + f(Y(target_ms)) + "\" x2=\"" + f(W - R) + "\" y2=\"" + f(Y(target_ms)) +
         "\" stroke=\"#cf222e\" stroke-dasharray=\"6 4\"/><text x=\"" + f(W - R - 4) + "\" y=\"" + f(Y(target_ms) - 6) +
         "\" font-size=\"12\" text-anchor=\"end\" fill=\"#cf222e\">SLO " + html::escape(axis) + " " + html::number(target_ms) +
         " ms</text>\n";
  // The front, in cost order.
  std::vector<const Point*> front;
  for (const Point& p : points)
    if (p.front) front.push_back(&p);
  std::stable_sort(front.begin(), front.end(), [](const Point* a, const Point* b) { return a->cost < b->cost; });
  if (front.size() > 1) {
    s += "<polyline fill=\"none\" stroke=\"#0072B2\" stroke-width=\"2\" points=\"";
    for (const Point* p : front) s += f(X(p->cost)) + "," + f(Y(p->latency)) + " ";
    s += "\"/>\n";
  }
  for (const Point& p : points) {
    const std::string cx = f(X(p.cost)), cy = f(Y(p.latency));
    s += "<g><title>" + html::escape(p.label) + ": $" + html::number(p.cost) + ", " + axis + " " + html::number(p.latency) +
         " ms (upper " + html::number(p.latency_hi) + " ms), " + (p.meets ? "meets" : "misses") + " the SLO</title>";
    if (p.latency_hi > p.latency)
      s += "<line x1=\"" + cx + "\" y1=\"" + cy + "\" x2=\"" + cx + "\" y2=\"" + f(Y(p.latency_hi)) + "\" stroke=\"#888\"/>";
    s += "<circle cx=\"" + cx + "\" cy=\"" + cy + "\" r=\"5\" " +
         (p.meets ? "fill=\"#1a7f37\"" : "fill=\"#fff\" stroke=\"#cf222e\" stroke-width=\"2\"") + "/></g>\n";
    if (p.cheapest)
      s += "<circle cx=\"" + cx + "\" cy=\"" + cy + "\" r=\"10\" fill=\"none\" stroke=\"#1f2328\" stroke-width=\"2\"/><text x=\"" +
           f(X(p.cost) + 13) + "\" y=\"" + f(Y(p.latency) - 10) + "\" font-size=\"12\">cheapest: " + html::escape(p.label) +
           "</text>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace

ReportResult write_plan_report(const fs::path& dir) {
  const json plan = js::read_json(dir / "plan.json");
  const std::string axis = plan.value("axis", "p99");
  const std::string lat = axis + "_ms", lat_hi = axis + "_ms_hi";
  const json& slo = plan.value("slo", json::object());
  const double target = js::num_at(slo, lat);
  const json none = json::array();
  const json& evaluated = plan.contains("evaluated") ? plan["evaluated"] : none;
  const json& pareto = plan.contains("pareto") ? plan["pareto"] : none;
  const json& pruned = plan.contains("pruned") ? plan["pruned"] : none;
  const bool found = plan.contains("cheapest") && plan["cheapest"].is_object();
  const std::string cheapest = found ? config_label(plan["cheapest"]["set"]) : "";

  std::vector<Point> points;
  for (const json& e : evaluated) {
    Point p{num(e, "cost_usd"), num(e, lat), num(e, lat_hi), e.value("meets_slo", false), false, false,
            config_label(e.value("set", json::object()))};
    for (const json& q : pareto)
      if (q.value("set", json::object()) == e.value("set", json::object())) p.front = true;
    p.cheapest = found && p.label == cheapest;
    points.push_back(p);
  }

  std::string objectives;
  for (auto it = slo.begin(); it != slo.end(); ++it) {
    const std::string k = it.key();
    const bool ms = k.size() > 3 && k.compare(k.size() - 3, 3, "_ms") == 0;
    append_item(objectives, ", ",
                html::escape(ms ? k.substr(0, k.size() - 3) : k) +
                    (ms ? " ≤ " + html::number(it->get<double>()) + " ms" : " ≥ " + html::percent(it->get<double>())));
  }
  const std::string name = plan.value("scenario", "archsim plan");
  std::string page = html::page_start(name + " — plan");
  page += "<header class=\"top\"><div class=\"inner\"><h1>" + html::escape(name) + ": plan</h1><p class=\"meta\">SLO " +
          objectives + " (met with confidence: the 95% interval's worse end over " +
          js::value_html(plan.value("replications", json(1))) + " replications) · " +
          js::value_html(plan.value("configurations_run", json(evaluated.size()))) + " of " +
          js::value_html(plan.value("grid_size", json(0))) + " configurations run · seed " +
          js::value_html(plan.value("seed", json())) + "</p></div></header>\n<main>\n";

  page += "<h2 id=\"answer\">Answer</h2>\n";
  auto entry_cards = [&](const json& e) {
    return "<div class=\"cards\">" + html::card("cost", "$" + html::number(num(e, "cost_usd"))) +
           html::card(html::escape(axis), html::number(num(e, lat)) + " ms", "upper bound " + html::number(num(e, lat_hi)) + " ms") +
           html::card("availability", html::percent(num(e, "availability")),
                      "lower bound " + html::percent(num(e, "availability_lo"))) +
           "</div>\n";
  };
  if (found) {
    page += "<p id=\"cheapest\">The cheapest configuration meeting the SLO: <strong>" + html::escape(cheapest) + "</strong></p>\n" +
            entry_cards(plan["cheapest"]);
  } else {
    const json& best = plan.value("best_found", json::object());
    page += "<p class=\"notice\" id=\"cheapest\">No configuration of the search meets the SLO. The best found: <strong>" +
            html::escape(config_label(best.value("set", json::object()))) + "</strong></p>\n" + entry_cards(best);
  }

  page += "<h2>Cost against " + html::escape(axis) + "</h2>\n<figure>\n";
  if (points.empty()) page += "<p>No configuration was run.</p>\n";
  else page += chart(points, axis, std::isfinite(target) ? target : 0);
  page += "<figcaption>Every configuration run: filled if it meets the SLO, hollow if not; the whisker reaches the upper "
          "end of the 95% interval of " + html::escape(axis) + ", which is what the SLO is judged on. The blue line joins "
          "the Pareto front (no other configuration is both cheaper and faster).</figcaption>\n</figure>\n";

  html::Table t;
  t.header = {"configuration", "cost $", axis + " ms", axis + " upper ms", "availability", "availability lower", "SLO", "front"};
  t.numeric = {false, true, true, true, true, true, false, false};
  t.caption = "Every configuration run, in grid order.";
  for (const json& e : evaluated) {
    const std::string label = config_label(e.value("set", json::object()));
    bool on_front = false;
    for (const json& q : pareto) on_front = on_front || q.value("set", json::object()) == e.value("set", json::object());
    t.rows.push_back({html::escape(label) + (found && label == cheapest ? " <strong>(cheapest)</strong>" : ""),
                      html::number(num(e, "cost_usd")), html::number(num(e, lat)), html::number(num(e, lat_hi)),
                      html::percent(num(e, "availability")), html::percent(num(e, "availability_lo")),
                      e.value("meets_slo", false) ? "meets" : "misses", on_front ? "Pareto front" : ""});
  }
  page += "<h2>Configurations run</h2>\n" + t.render();

  const int unlisted = plan.value("pruned_unlisted", 0);
  if (!pruned.empty() || unlisted > 0) {
    html::Table p;
    p.header = {"configuration", "SLO (inferred, not run)"};
    p.caption = "Configurations the search did not run: raising a searched value never hurts the SLO, so a configuration "
                "above one that meets it meets it too, and one below a configuration that misses misses.";
    for (const json& e : pruned) {
      const json& v = e.value("meets_slo", json());
      p.rows.push_back({html::escape(config_label(e.value("set", json::object()))),
                        v.is_boolean() ? (v.get<bool>() ? "meets" : "misses") : "not needed"});
    }
    page += "<h2>Pruned</h2>\n" + p.render();
    if (unlisted > 0) page += "<p>…and " + std::to_string(unlisted) + " more, not listed.</p>\n";
  }
  page += "<footer>Written by archsim from <code>plan.json</code>; redraw with <code>archsim report DIR</code>.</footer>\n"
          "</main>\n</body>\n</html>\n";
  html::write_page(dir, page);
  ReportResult r;
  r.charts_drawn = !points.empty();
  r.message = "wrote " + (dir / "report.html").string() + "; its chart is inline SVG (no gnuplot needed)";
  return r;
}

}  // namespace archsim::reports
