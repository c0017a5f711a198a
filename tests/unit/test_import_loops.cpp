// archsim import's loops and asynchronous sends, on small documents in the shape of an
// OpenTracing-era Java export (no kinds, no tags, CHILD_OF only): a loop's count per request
// fitted to the format's repeat (the mean exact, the variance the nearest a geometric count
// gives, a fixed count written out, the probability capped at 0.99); calls repeated back to
// back as one loop whatever their count, also a unit of two calls (a cart's GetProduct then
// Convert per item); a child that starts after its parent span ended as a publish, with its
// sibling the skew correction moved; a SERVER span starting after its CLIENT parent ended (a
// call that timed out) still a call.
#include <doctest/doctest.h>

#include <string>

#include "tools/import/calibrate.h"
#include "tools/import/fit.h"
#include "tools/import/traces.h"

using namespace archsim::import;
using nlohmann::json;

namespace {

json span(const std::string& trace, const std::string& id, const std::string& parent, const std::string& proc,
          const std::string& op, std::int64_t start, std::int64_t dur) {
  json refs = json::array();
  if (!parent.empty()) refs.push_back({{"refType", "CHILD_OF"}, {"traceID", trace}, {"spanID", trace + parent}});
  return {{"traceID", trace}, {"spanID", trace + id}, {"operationName", op}, {"references", refs},
          {"startTime", start}, {"duration", dur}, {"tags", json::array()}, {"processID", proc}};
}

Calibration calibrate_spans(const json& spans, const json& processes) {
  const json doc = {{"data", json::array({{{"traceID", "t"}, {"spans", spans}, {"processes", processes}}})}};
  return calibrate({read_trace_json(doc, "t.json")}, 0);
}

json procs(std::initializer_list<std::pair<const char*, const char*>> p) {
  json out = json::object();
  for (const auto& [id, name] : p) out[id] = {{"serviceName", name}, {"tags", json::array()}};
  return out;
}

}  // namespace

TEST_CASE("import loops: a count per request as passes written out and a geometric repeat") {
  SUBCASE("a count that never varied is written out, exact") {
    const LoopCount f = fit_loop_count({5, 5, 5});
    CHECK_FALSE(f.repeat);
    CHECK(f.unrolled == 5);
  }
  SUBCASE("two counts: the mean exact, the variance the nearest a repeat gives") {
    // 2 in half the requests, 6 in the other half: mean 4, variance 4. Written out u = 0:
    // geometric mean 4, variance 12; u = 1: mean 3, variance 6 (nearer).
    std::vector<int> counts(10, 2);
    counts.insert(counts.end(), 10, 6);
    const LoopCount f = fit_loop_count(counts);
    CHECK(f.mean == doctest::Approx(4));
    CHECK(f.variance == doctest::Approx(4));
    CHECK(f.unrolled == 1);
    REQUIRE(f.repeat);
    CHECK(f.probability == doctest::Approx(1 - 1.0 / 3));
    CHECK(f.fit_mean == doctest::Approx(4));
    CHECK(f.fit_variance == doctest::Approx(6));
  }
  SUBCASE("counts spread more than a geometric's keep the whole geometric") {
    std::vector<int> counts(90, 1);
    counts.insert(counts.end(), 10, 20);  // mean 2.9, variance 32.49 > 2.9 x 1.9
    const LoopCount f = fit_loop_count(counts);
    CHECK(f.unrolled == 0);
    CHECK(f.probability == doctest::Approx(1 - 1 / 2.9));
    CHECK(f.fit_mean == doctest::Approx(2.9));
  }
  SUBCASE("a count beyond what can be written: 16 passes and the format's largest probability") {
    const LoopCount f = fit_loop_count({500, 500});
    CHECK(f.unrolled == kMaxUnrolled);
    CHECK(f.probability == doctest::Approx(kMaxRepeatProbability));
    CHECK(f.capped);
    CHECK(f.fit_mean == doctest::Approx(116));
  }
}

TEST_CASE("import loops: calls repeated back to back are one loop whatever their count, a unit of two calls too") {
  // web's /cart: per item, catalog's get then currency's convert, one after the other; 1, 2
  // or 4 items. One shape, the counts kept per request.
  json spans = json::array();
  const int items[] = {1, 2, 4, 2, 1, 4};
  for (int n = 0; n < 6; ++n) {
    const std::string t = "t" + std::to_string(n);
    const std::int64_t t0 = n * 1000000;
    std::int64_t at = t0 + 1000;
    for (int k = 0; k < items[n]; ++k)
      for (const char* callee : {"p2", "p3"}) {
        const std::string id = std::to_string(k) + callee;
        spans.push_back(span(t, "c" + id, "r", "p1", "HTTP GET", at, 2000));
        spans.push_back(span(t, "s" + id, "c" + id, callee, callee[1] == '2' ? "get" : "convert", at + 200, 1500));
        at += 2500;
      }
    spans.push_back(span(t, "r", "", "p1", "/cart", t0, at + 1000 - t0));
  }
  const Calibration cal = calibrate_spans(spans, procs({{"p1", "web"}, {"p2", "catalog"}, {"p3", "currency"}}));
  const OperationModel& op = cal.services.at("web").ops.at("/cart");
  REQUIRE(op.shapes.size() == 1);
  const ShapeModel& shape = op.shapes.begin()->second;
  CHECK(shape.signature == "W L[C(catalog/get) C(currency/convert)] W");
  REQUIRE(shape.steps.size() == 3);
  const StepModel& loop = shape.steps[1];
  REQUIRE(loop.kind == StepModel::Loop);
  CHECK(loop.counts == std::vector<int>{1, 2, 4, 2, 1, 4});
  REQUIRE(loop.body.size() == 4);  // W C W C
  CHECK(loop.body[1].calls[0].calls == 14);
  CHECK(loop.body[3].calls[0].callee == "currency");
  // The own time before the loop is its first pass's: 1 ms, then 0.5 ms between calls.
  CHECK(loop.body[0].work.size() == 14);
  CHECK(shape.steps[0].work == std::vector<double>(6, 0.0));
}

TEST_CASE("import loops: a child starting after its parent span ended is a publish, its skew-moved sibling too") {
  // food's "<default> send" (0.2 ms) has two children in delivery 1.5 ms after it ended: a
  // 9 ms one (longer than the send: left where it is) and a 0.05 ms one (moved into the send by
  // the clock-skew correction, another host). Both are messages to a queue delivery consumes.
  json spans = json::array();
  for (int n = 0; n < 4; ++n) {
    const std::string t = "t" + std::to_string(n);
    const std::int64_t t0 = n * 1000000;
    spans.push_back(span(t, "r", "", "p1", "/orders", t0, 4600));
    spans.push_back(span(t, "s", "r", "p1", "<default> send", t0 + 4000, 200));
    spans.push_back(span(t, "a", "s", "p2", "food_delivery process", t0 + 5700, 9000));
    spans.push_back(span(t, "b", "s", "p2", "food_delivery process", t0 + 5700, 50));
  }
  const Calibration cal = calibrate_spans(spans, procs({{"p1", "food"}, {"p2", "delivery"}}));
  const OperationModel& op = cal.services.at("food").ops.at("/orders");
  REQUIRE(op.shapes.size() == 1);
  CHECK(op.shapes.begin()->first == "W P(S(delivery-queue/food_delivery process))* W");
  REQUIRE(cal.services.count("delivery-queue"));
  CHECK(cal.services.at("delivery-queue").type == "queue");
  CHECK(cal.services.at("delivery-queue").consumers == std::set<std::string>{"delivery"});
  CHECK(cal.services.at("delivery").ops.at("food_delivery process").count == 8);
  CHECK(cal.links.count({"food", "delivery"}) == 0);  // no round trip to time
}

TEST_CASE("import loops: a SERVER span starting after its CLIENT parent ended is a call that timed out, not a message") {
  json spans = json::array();
  for (int n = 0; n < 3; ++n) {
    const std::string t = "t" + std::to_string(n);
    const std::int64_t t0 = n * 1000000;
    json r = span(t, "r", "", "p1", "GET /", t0, 12000);
    json c = span(t, "c", "r", "p1", "call api", t0 + 1000, 10000);
    json s = span(t, "s", "c", "p2", "get", t0 + 11500, 3000);
    c["tags"] = json::array({{{"key", "span.kind"}, {"type", "string"}, {"value", "client"}}});
    s["tags"] = json::array({{{"key", "span.kind"}, {"type", "string"}, {"value", "server"}}});
    r["tags"] = s["tags"];
    spans.push_back(r), spans.push_back(c), spans.push_back(s);
  }
  const Calibration cal = calibrate_spans(spans, procs({{"p1", "web"}, {"p2", "api"}}));
  CHECK(cal.services.at("web").ops.at("GET /").shapes.begin()->first == "W C(api/get) W");
}
