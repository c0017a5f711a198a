// Bad input on long-lived connections: a client's "connections" (models/client/sessions.h) and
// a service's "connections" (models/service/connections.cpp), each fault at its JSON pointer,
// one line, exit 2 (tests/e2e/bad_input.h).
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/bad_input.h"
#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e::bad_input;

namespace {
std::string storm() { return archsim::e2e::source_path("scenarios/realtime/websocket-reconnect-storm.json"); }
}  // namespace

TEST_CASE("bad input: a client's connections, each fault at its pointer") {
  check_set_cases(storm(), {
      {"browsers.connections.rate=0", {"", "/components/0/connections/rate", {"positive"}}},
      {"browsers.connections.rate=-1", {"", "/components/0/connections/rate", {}, true}},
      {"browsers.connections.rate=\"fast\"", {"", "/components/0/connections/rate", {"number"}}},
      {"browsers.connections.rate=20000000", {"", "/components/0/connections/rate", {}, true}},
      {"browsers.connections.length=\"0s\"", {"", "/components/0/connections/length", {"positive mean"}}},
      {"browsers.connections.length=\"long\"", {"", "/components/0/connections/length", {}, true}},
      {"browsers.connections.route=\"nope\"", {"", "/components/0/connections/route", {"no such route"}}},
      {"browsers.connections.route=7", {"", "/components/0/connections/route", {"string"}}},
      {"browsers.connections={\"rate\":1,\"length\":\"1m\"}", {"", "/components/0/connections/route", {"required"}}},
      {"browsers.connections={\"route\":\"ws\",\"length\":\"1m\"}", {"", "/components/0/connections/rate", {"required"}}},
      {"browsers.connections={\"route\":\"ws\",\"rate\":1}", {"", "/components/0/connections/length", {"required"}}},
      {"browsers.connections.reconnect.base=\"-1s\"", {"", "/components/0/connections/reconnect/base", {}, true}},
      {"browsers.connections.reconnect={\"base\":\"2s\",\"max\":\"1s\"}", {"", "/components/0/connections/reconnect/max", {"base"}}},
      {"browsers.connections.reconnect.jitter=\"randomized\"", {"", "/components/0/connections/reconnect/jitter", {"full"}}},
      {"browsers.connections.reconnect.attempts=0", {"", "/components/0/connections/reconnect/attempts", {}, true}},
      {"browsers.connections.reconnect.attempts=1.5", {"", "/components/0/connections/reconnect/attempts", {}, true}},
      {"browsers.connections.reconnect.tries=3", {"", "/components/0/connections/reconnect/tries", {"unknown field"}}},
      {"browsers.connections.reconnect=\"now\"", {"", "/components/0/connections/reconnect", {"object"}}},
      {"browsers.connections.messages=5", {"", "/components/0/connections/messages", {"object"}}},
      {"browsers.connections.messages={\"route\":\"ws\"}", {"", "/components/0/connections/messages/rate", {"required"}}},
      {"browsers.connections.messages={\"rate\":0,\"route\":\"ws\"}", {"", "/components/0/connections/messages/rate", {"positive"}}},
      {"browsers.connections.messages={\"rate\":-1,\"route\":\"ws\"}", {"", "/components/0/connections/messages/rate", {}, true}},
      {"browsers.connections.messages={\"rate\":1}", {"", "/components/0/connections/messages/route", {"required"}}},
      {"browsers.connections.messages={\"rate\":1,\"route\":\"chatter\"}", {"", "/components/0/connections/messages/route", {"no such route"}}},
      {"browsers.connections.messages={\"rate\":1,\"route\":\"ws\",\"size\":3}", {"", "/components/0/connections/messages/size", {"unknown field"}}},
      {"browsers.connections.tls=\"1.3\"", {"", "/components/0/connections/tls", {"resumed"}}},
      {"browsers.connections.tls=true", {"", "/components/0/connections/tls", {}, true}},
      {"browsers.connections.pushes=5", {"", "/components/0/connections/pushes", {"unknown field"}}},
      {"browsers.arrivals={\"rate\":1}", {"", "/components/0/arrivals", {"does not apply"}}},
      {"browsers.timeout=\"5s\"", {"", "/components/0/timeout", {"does not apply"}}},
      {"browsers.routes=[{\"name\":\"api\"}]", {"", "/components/0/routes", {"does not apply"}}},
  });
}

TEST_CASE("bad input: a service's connections, each fault at its pointer") {
  check_set_cases(storm(), {
      {"chat.connections.limit=0", {"", "/components/2/connections/limit", {}, true}},
      {"chat.connections.limit=2.5", {"", "/components/2/connections/limit", {}, true}},
      {"chat.connections.limit=\"many\"", {"", "/components/2/connections/limit", {}, true}},
      {"chat.connections.memory_kb=-1", {"", "/components/2/connections/memory_kb", {}, true}},
      {"chat.connections.memory_kb=\"64k\"", {"", "/components/2/connections/memory_kb", {"number"}}},
      {"chat.connections.route=5", {"", "/components/2/connections/route", {"string"}}},
      {"chat.connections={\"limit\":5}", {"", "/components/2/connections/route", {"required"}}},
      {"chat.connections.idle_timeout=\"60s\"", {"", "/components/2/connections/idle_timeout", {"unknown field"}}},
      {"chat.connections=true", {"", "/components/2/connections", {"object"}}},
  });
}
