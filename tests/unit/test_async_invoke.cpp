// Lambda's asynchronous invocation schedule (models/function/async_invoke.h) on its own,
// against the Lambda developer guide: function errors retried one minute, then two minutes
// after the failed attempt; throttled attempts after 1 s, doubling to 5 minutes; nothing tried
// past the maximum event age.
#include <doctest/doctest.h>

#include <vector>

#include <nlohmann/json.hpp>

#include "models/function/async_invoke.h"

using namespace archsim;

TEST_CASE("async invoke: retries after function errors wait 1 min, then 2 min") {
  CHECK(AsyncInvoke::error_retry_delay(1) == kMinute);
  CHECK(AsyncInvoke::error_retry_delay(2) == 2 * kMinute);
}

TEST_CASE("async invoke: a throttled event waits 1 s, doubling to 5 min") {
  std::vector<double> waits;
  Time w = 0;
  for (int k = 0; k < 12; ++k) {
    w = AsyncInvoke::throttle_delay(w);
    waits.push_back(to_seconds(w));
  }
  CHECK(waits == std::vector<double>{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300});
}

TEST_CASE("async invoke: an event is tried only while it is younger than maximum_event_age") {
  AsyncInvoke a;
  CHECK(a.fresh(0, 6 * kHour));
  CHECK_FALSE(a.fresh(0, 6 * kHour + 1));
  a.max_age = kMinute;
  CHECK_FALSE(a.fresh(10 * kSecond, 10 * kSecond + kMinute + 3 * kSecond));  // a first retry after a 3 s timeout
}

TEST_CASE("async invoke: read from a function's async") {
  auto read = [](const char* text, bool& on) {
    const nlohmann::json j = nlohmann::json::parse(text);
    Params p(j, "");
    return AsyncInvoke::read(p, on);
  };
  bool on = true;
  read("{}", on);
  CHECK_FALSE(on);
  AsyncInvoke d = read(R"({"async": true})", on);
  CHECK(on);
  CHECK(d.max_retries == 2);
  CHECK(d.max_age == 6 * kHour);
  read(R"({"async": false})", on);
  CHECK_FALSE(on);
  const AsyncInvoke s = read(R"({"async": {"maximum_retry_attempts": 0, "maximum_event_age": "2m"}})", on);
  CHECK(on);
  CHECK(s.max_retries == 0);
  CHECK(s.max_age == 2 * kMinute);
}
