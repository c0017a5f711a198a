// archsim import's pure parts: Kubernetes quantities and Compose byte values as their
// specifications define them, YAML typing and merge keys with positions, the distribution
// fit's choice (samples at the exact quantiles of a known law: the right family has a KS
// distance of about 1/(2n), a wrong one much more), and OpenTelemetry's sampling threshold.
#include <doctest/doctest.h>

#include <cmath>

#include "reports/trace_otlp.h"
#include "tools/import/fit.h"
#include "tools/import/import_error.h"
#include "tools/import/quantity.h"
#include "tools/import/yaml_json.h"

using namespace archsim::import;
using nlohmann::json;

TEST_CASE("import: Kubernetes quantities and Compose byte values") {
  CHECK(*k8s_quantity("500m") == doctest::Approx(0.5));
  CHECK(*k8s_quantity(2) == 2);
  CHECK(*k8s_quantity("1.5") == doctest::Approx(1.5));
  CHECK(*k8s_quantity("512Mi") == 512.0 * 1024 * 1024);
  CHECK(*k8s_quantity("1Gi") == 1024.0 * 1024 * 1024);
  CHECK(*k8s_quantity("1G") == 1e9);
  CHECK(*k8s_quantity("1e3") == 1000);
  CHECK(*k8s_quantity("100k") == 1e5);
  CHECK(!k8s_quantity("lots"));
  CHECK(!k8s_quantity("5 m"));
  // Docker reads byte units as binary multiples.
  CHECK(*compose_bytes("512m") == 512.0 * 1024 * 1024);
  CHECK(*compose_bytes("1g") == 1024.0 * 1024 * 1024);
  CHECK(*compose_bytes("256M") == 256.0 * 1024 * 1024);
  CHECK(*compose_bytes("64kb") == 64.0 * 1024);
  CHECK(*duration_seconds("1m30s") == 90);
  CHECK(*duration_seconds(15) == 15);
  CHECK(*int_or_percent("25%") == "25%");
  CHECK(*int_or_percent(1) == 1);
  CHECK(!int_or_percent("25"));
}

TEST_CASE("import: YAML documents with core-schema scalars, merge keys and positions") {
  const auto docs = parse_yaml_text("a: &d {x: 1, y: \"2\"}\nb:\n  <<: *d\n  y: 3\n  z: [true, null, 1.5, 0x10, \"yes\", 500m]\n---\n---\nc: 1\n",
                                    "t.yaml");
  REQUIRE(docs.size() == 2);  // the empty document is left out
  const json& v = docs[0].value;
  CHECK(v["b"]["x"] == 1);
  CHECK(v["b"]["y"] == 3);  // the map's own key wins over the merged one
  CHECK(v["a"]["y"] == "2");
  CHECK(v["b"]["z"] == json::parse(R"([true, null, 1.5, 16, "yes", "500m"])"));
  CHECK(docs[0].line("/b/z/5") == 5);
  CHECK(docs[1].index == 2);
  try {
    docs[0].fail("/b/z/5", "bad");
    FAIL("fail() returned");
  } catch (const ImportError& e) {
    CHECK(e.format() == "t.yaml:5:37: b.z[5]: bad");  // the item's own place, not its sequence's
  }
  CHECK_THROWS_AS(parse_yaml_text("a: 1\na: 2\n", "dup.yaml"), ImportError);
  try {
    parse_yaml_text("a:\n  b: 1\n c: 2\n", "bad.yaml");
    FAIL("no error");
  } catch (const ImportError& e) {
    CHECK(e.format().rfind("bad.yaml:3:", 0) == 0);
  }
}

namespace {

std::vector<double> quantiles(double (*inverse)(double), int n = 2000) {
  std::vector<double> x;
  for (int i = 0; i < n; ++i) x.push_back(inverse((i + 0.5) / n));
  return x;
}

}  // namespace

TEST_CASE("import: the fit picks the family the samples come from, by KS distance") {
  const Fit e = fit_distribution(quantiles([](double u) { return -0.004 * std::log(1 - u); }));
  CHECK(e.family == "exponential");
  CHECK(e.ks < 0.01);
  CHECK(e.mean == doctest::Approx(0.004).epsilon(0.01));
  // Lognormal with median 10 ms and sigma 0.8: the inverse normal by bisection on erfc.
  const Fit l = fit_distribution(quantiles([](double u) {
    double lo = -10, hi = 10;
    for (int k = 0; k < 100; ++k) {
      const double mid = (lo + hi) / 2;
      (0.5 * std::erfc(-mid / std::sqrt(2.0)) < u ? lo : hi) = mid;
    }
    return 0.010 * std::exp(0.8 * lo);
  }));
  CHECK(l.family == "lognormal");
  CHECK(l.ks < 0.01);
  const Fit u = fit_distribution(quantiles([](double p) { return 0.002 + 0.003 * p; }));
  CHECK(u.family == "uniform");
  const Fit c = fit_distribution(std::vector<double>(50, 0.005));
  CHECK(c.family == "constant");
  CHECK(c.dist == json({{"dist", "constant"}, {"value", "5ms"}}));
  // Two far-apart modes: no family comes within 0.1, so the samples are kept (100 slices' means).
  std::vector<double> bimodal(1000, 0.001);
  bimodal.insert(bimodal.end(), 1000, 0.100);
  const Fit b = fit_distribution(bimodal);
  CHECK(b.family == "empirical");
  CHECK(b.dist["values"].size() == 100);
  CHECK(b.fit_mean == doctest::Approx(b.mean).epsilon(1e-9));
  CHECK(b.summary().find("best family") != std::string::npos);
}

TEST_CASE("import: OpenTelemetry's consistent-probability threshold for one request in N") {
  CHECK(archsim::otel_sampling_threshold(1) == "0");
  CHECK(archsim::otel_sampling_threshold(2) == "8");   // reject half: 0x80000000000000
  CHECK(archsim::otel_sampling_threshold(4) == "c");
  CHECK(archsim::otel_sampling_threshold(16) == "f");
}
