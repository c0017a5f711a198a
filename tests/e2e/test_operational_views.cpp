// Operational views of a client (models/client/operational.h): business counters per route
// and the access log of sampled requests (reports/access_log.h), held against what summary.json
// counts by other means (conservation), the binomial law of the sample, and the run's own
// latency percentiles.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::parse_summary;
using archsim::e2e::read_text;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;

namespace {

const std::string kShop = source_path("scenarios/operations/access-log-counters.json");

nlohmann::json run_into(const std::string& out, std::vector<std::string> extra) {
  std::vector<std::string> args = {"run", kShop, "--json", "--quiet", "--no-report", "--out", out};
  args.insert(args.end(), extra.begin(), extra.end());
  return parse_summary(run_archsim(args, 300));
}

std::vector<std::string> file_lines(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(read_text(path));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("business counters: each equals its route's served or failed requests in summary.json") {
  // A wrong engine: counting every request (not its route's) makes orders_placed the run's ok
  // count; counting before the outcome is known counts timeouts as orders; a counter on the
  // browse route of the same name would double it.
  const auto s = run_into(scratch_dir("counters"), {});
  const double checkout = num(s, "routes.checkout.requests"), ok = num(s, "routes.checkout.ok");
  CHECK(num(s, "components.users.counters.orders_placed") == ok);
  CHECK(num(s, "components.users.counters.payments_failed") == checkout - ok);
  // The incident (30% of payments fail for 2 of 6 minutes) shows: about 0.3 x 1/3 of checkouts.
  CHECK((checkout - ok) / checkout == doctest::Approx(0.1).epsilon(0.15));
  CHECK(ok < num(s, "requests.ok"));  // browse requests are not orders
}

TEST_CASE("access log: a binomial sample of the requests, with the run's median latency, the same whatever the threads") {
  const std::string out = scratch_dir("access-json");
  const auto s = run_into(out, {"--set", "users.access_log.format=json", "--set", "users.access_log.sample=0.2"});
  const auto lines = file_lines(out + "/access-users.jsonl");
  const double n = num(s, "requests.total"), p = 0.2;
  CHECK(num(s, "components.users.access_log.requests") == n);  // no warm-up: every request ended counts
  CHECK(num(s, "components.users.access_log.lines") == static_cast<double>(lines.size()));
  CHECK(num(s, "components.users.access_log.unwritten") == 0);
  // Binomial(n, p): within 4 standard deviations (a log of every request, or of 1 in 10,
  // is hundreds of deviations out).
  const double sd = std::sqrt(n * p * (1 - p));
  CHECK(std::abs(static_cast<double>(lines.size()) - n * p) < 4 * sd);
  // The median latency of the logged successful requests against the run's p50 (which the
  // histogram holds to 1%). The median of a sample of ~13,800 has a standard error of 0.85%
  // here (1 / (2 f(m) sqrt n), f(m) read from a full log): 3.5% is 4 of them. A log of the
  // time at the web service (its p50 is 11.7 ms against 21.7 ms end to end), of the start
  // instead of the end, or in seconds is far out.
  std::vector<double> ok_ms;
  double last_t = 0;
  bool ordered = true;
  std::uint64_t failed = 0;
  for (const auto& line : lines) {
    const auto j = nlohmann::json::parse(line);
    ordered = ordered && j.at("t").get<double>() >= last_t;
    last_t = j.at("t").get<double>();
    if (j.at("status").get<int>() == 200) ok_ms.push_back(j.at("latency_ms").get<double>());
    else ++failed;
    CHECK(j.at("latency_ms").get<double>() == doctest::Approx((j.at("t").get<double>() - j.at("start").get<double>()) * 1e3).epsilon(1e-4));
  }
  CHECK(ordered);
  std::nth_element(ok_ms.begin(), ok_ms.begin() + ok_ms.size() / 2, ok_ms.end());
  CHECK(ok_ms[ok_ms.size() / 2] == doctest::Approx(num(s, "latency_ms.p50")).epsilon(0.035));
  // The failed share of the log is the run's, within the binomial bound of the sample.
  const double share = num(s, "requests.failed") / n, m = static_cast<double>(lines.size());
  CHECK(std::abs(static_cast<double>(failed) - m * share) < 4 * std::sqrt(m * share * (1 - share)) + 1);

  // Deterministic: the same seed writes the same file, with one thread or replications on two.
  const std::string again = scratch_dir("access-json-again");
  run_into(again, {"--set", "users.access_log.format=json", "--set", "users.access_log.sample=0.2", "--replications", "2",
                   "--threads", "2"});
  CHECK(read_text(again + "/access-users.jsonl") == read_text(out + "/access-users.jsonl"));
}

TEST_CASE("access log: NGINX's combined format, one line per sampled request, bounded by max_lines") {
  const std::string out = scratch_dir("access-combined");
  const auto s = run_into(out, {});
  const auto lines = file_lines(out + "/access-users.log");
  REQUIRE(!lines.empty());
  CHECK(num(s, "components.users.access_log.lines") == static_cast<double>(lines.size()));
  // $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=...
  const std::regex combined(
      R"(^\d+\.\d+\.\d+\.\d+ - - \[\d\d/Jan/1970:00:0[0-6]:\d\d \+0000\] "(GET /browse|POST /checkout) HTTP/1\.1" (200|500|503|504) 0 "-" "archsim/users" rt=\d+\.\d{3} attempts=1 id=\d+ t=\d+\.\d{6}$)");
  std::size_t bad = 0, checkout_500 = 0;
  for (const auto& l : lines) {
    if (!std::regex_match(l, combined)) ++bad;
    if (l.find("POST /checkout HTTP/1.1\" 500") != std::string::npos) ++checkout_500;
  }
  CHECK(bad == 0);
  CHECK(checkout_500 > 0);  // the payment incident shows in the log as 500s on checkout

  const std::string small = scratch_dir("access-bounded");
  const auto b = run_into(small, {"--set", "users.access_log.max_lines=100"});
  CHECK(file_lines(small + "/access-users.log").size() == 100);
  CHECK(num(b, "components.users.access_log.lines") == 100);
  CHECK(num(b, "components.users.access_log.unwritten") == static_cast<double>(lines.size()) - 100);
  // The first 100 lines are the same requests as the unbounded log's first 100.
  CHECK(file_lines(small + "/access-users.log") == std::vector<std::string>(lines.begin(), lines.begin() + 100));
}

TEST_CASE("access log: a line's attempts are the tries its request took, retries included") {
  // With retries on error, the mean of the logged attempts is the client's attempts per
  // request (resilience.attempts / calls, 1.039 here): the sample's standard error is about
  // 0.004, and a log that wrote the first attempt's number (always 1) is 0.039 away.
  const std::string out = scratch_dir("access-retries");
  const auto s = run_into(out, {"--set", R"(users.retry={"max_attempts":3,"on":["error"]})"});
  const std::regex tries(R"( attempts=(\d+) )");
  double sum = 0, count = 0;
  for (const auto& l : file_lines(out + "/access-users.log")) {
    std::smatch m;
    REQUIRE(std::regex_search(l, m, tries));
    sum += std::stod(m[1].str());
    ++count;
  }
  const double per_call = num(s, "components.users.resilience.attempts") / num(s, "components.users.resilience.calls");
  REQUIRE(per_call > 1.02);
  CHECK(std::abs(sum / count - per_call) < 0.02);
}
