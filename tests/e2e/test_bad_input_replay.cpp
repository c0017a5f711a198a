// A topic's retention and a consumer group's offset resets refused at their JSON pointers
// (the replay scenario's fields; tests/e2e/test_queue_replay.cpp runs them). In a
// test_bad_input file so that the sanitizer stage's target (CMakeLists.txt) holds it.
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/bad_input.h"
#include "tests/e2e/run_archsim.h"

namespace {
const std::string kReplay = archsim::e2e::source_path("scenarios/queues/replay.json");
}  // namespace

TEST_CASE("bad input: a topic's retention and a group's resets, each at its pointer") {
  using archsim::e2e::bad_input::check_set_cases;
  check_set_cases(kReplay, {
      {"orders.retention.time=\"0s\"", {"", "/components/2/retention/time", {}}},
      {"orders.retention.bytes=0", {"", "/components/2/retention/bytes", {}}},
      {"orders.retention.segment_bytes=-1", {"", "/components/2/retention/segment_bytes", {}}},
      {"orders.retention.message_bytes=200000", {"", "/components/2/retention/message_bytes", {"segment_bytes"}}},
      {"orders.retention.check_interval=\"10ms\"", {"", "/components/2/retention/check_interval", {}}},
      {"orders.retention.size=1", {"", "/components/2/retention/size", {"unknown field"}}},
      {"orders.retention=3", {"", "/components/2/retention", {"object"}}},
      {"orders.capacity=1000", {"", "/components/2/retention", {"capacity"}}},
      {"orders.consumers.auto_offset_reset=\"none\"", {"", "/components/2/consumers/auto_offset_reset", {"earliest"}}},
      {"orders.consumers.resets=[]", {"", "/components/2/consumers/resets", {"non-empty"}}},
      {"orders.consumers.resets=3", {"", "/components/2/consumers/resets", {}}},
      {R"(orders.consumers.resets=[{"to": "earliest"}])", {"", "/components/2/consumers/resets/0/at", {"required"}}},
      {R"(orders.consumers.resets=[{"at": "5m"}])", {"", "/components/2/consumers/resets/0", {"to_time", "shift_by"}}},
      {R"(orders.consumers.resets=[{"at": "5m", "to": "earliest", "shift_by": -1}])",
       {"", "/components/2/consumers/resets/0", {"one of"}}},
      {R"(orders.consumers.resets=[{"at": "5m", "to": "start"}])", {"", "/components/2/consumers/resets/0/to", {"earliest"}}},
      {R"(orders.consumers.resets=[{"at": "5m", "to_time": "6m"}])", {"", "/components/2/consumers/resets/0/to_time", {"after"}}},
      {R"(orders.consumers.resets=[{"at": "5m", "shift_by": 0}])", {"", "/components/2/consumers/resets/0/shift_by", {"move"}}},
      {R"(orders.consumers.resets=[{"at": "5m", "shift_by": 1.5}])", {"", "/components/2/consumers/resets/0/shift_by", {}}},
      {R"(orders.consumers.resets=[{"at": "soon", "to": "earliest"}])", {"", "/components/2/consumers/resets/0/at", {}}},
      {R"(orders.consumers.resets=[{"at": "5m", "to": "earliest", "when": 1}])",
       {"", "/components/2/consumers/resets/0/when", {"unknown field"}}},
      {"orders.retention=null", {"", "/components/2/consumers/resets", {"retention"}}},
  });
}
