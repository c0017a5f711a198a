// reports/access_log: the text of the combined and JSON formats from the facts a run kept
// (sim/request_log.h), against NGINX's combined format written out by hand.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "reports/access_log.h"
#include "sim/request_log.h"

using namespace archsim;

namespace {

RunResult one_source(const std::string& format) {
  RunResult r;
  r.cause_names = {"ok", "timeout", "rejected", "error", "unavailable", "dropped", "degraded", "rate_limited"};
  r.route_names = {"default", "check out"};
  RequestLogData::Source s;
  s.component = "users";
  s.format = format;
  r.request_log.sources.push_back(s);
  RequestLogEntry e;
  e.start = 366 * 86400 * kSecond + 3723 * kSecond + 100 * kMillisecond;  // 02/Jan/1971 01:02:03.1
  e.end = e.start + 250 * kMillisecond;
  e.id = 42;
  e.session = 0x010203;
  e.route = 1;
  e.status = 1;  // timeout
  e.attempts = 3;
  e.write = true;
  r.request_log.entries.push_back(e);
  return r;
}

}  // namespace

TEST_CASE("access log: the combined format, field by field") {
  const auto files = access_logs(one_source("combined"));
  REQUIRE(files.size() == 1);
  CHECK(files[0].name == "access-users.log");
  CHECK(files[0].text ==
        "10.1.2.3 - - [02/Jan/1971:01:02:03 +0000] \"POST /check_out HTTP/1.1\" 504 0 \"-\" \"archsim/users\" "
        "rt=0.250 attempts=3 id=42 t=31626123.350000\n");
}

TEST_CASE("access log: JSON lines carry the same facts") {
  const auto files = access_logs(one_source("json"));
  REQUIRE(files.size() == 1);
  CHECK(files[0].name == "access-users.jsonl");
  const auto j = nlohmann::json::parse(files[0].text);
  CHECK(j.at("route") == "check out");
  CHECK(j.at("status") == 504);
  CHECK(j.at("cause") == "timeout");
  CHECK(j.at("latency_ms").get<double>() == doctest::Approx(250.0));
  CHECK(j.at("attempts") == 3);
  CHECK(j.at("method") == "POST");
  CHECK(j.at("t").get<double>() == doctest::Approx(31626123.35));
}

TEST_CASE("access log: statuses as a front end logs them, and safe file names") {
  CHECK(access_log_status("ok") == 200);
  CHECK(access_log_status("degraded") == 200);
  CHECK(access_log_status("rate_limited") == 429);
  CHECK(access_log_status("rejected") == 503);
  CHECK(access_log_status("timeout") == 504);
  CHECK(access_log_status("lock_timeout") == 500);
  CHECK(access_log_name("a/b c", "combined") == "access-a_b_c.log");
}

TEST_CASE("request log: the sample is by request id, bounded, and counted") {
  RequestLog log(7);
  log.add_source(2, "users", 0.25, 100, "json");
  RequestInfo req;
  for (std::uint64_t id = 1; id <= 4000; ++id) {
    req.id = id;
    log.ended(req, 2, static_cast<Time>(id), Status::Ok, 1);
    log.ended(req, 1, static_cast<Time>(id), Status::Ok, 1);  // a component that does not log
  }
  const RequestLogData d = log.take();
  REQUIRE(d.sources.size() == 1);
  CHECK(d.sources[0].ended == 4000);
  CHECK(d.entries.size() == 100);
  CHECK(d.sources[0].sampled - d.sources[0].unwritten == 100);
  // Binomial(4000, 0.25): 1000 +- 4 x 27.4.
  CHECK(d.sources[0].sampled > 890);
  CHECK(d.sources[0].sampled < 1110);
  // The same seed keeps the same requests.
  RequestLog again(7);
  again.add_source(2, "users", 0.25, 100, "json");
  for (std::uint64_t id = 1; id <= 4000; ++id) {
    req.id = id;
    again.ended(req, 2, static_cast<Time>(id), Status::Ok, 1);
  }
  const RequestLogData d2 = again.take();
  bool same = d2.entries.size() == d.entries.size();
  for (std::size_t i = 0; same && i < d.entries.size(); ++i) same = d.entries[i].id == d2.entries[i].id;
  CHECK(same);
}
