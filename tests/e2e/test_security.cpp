// Security's cost end to end (models/server/security): TLS handshakes on new connections, JWT
// verification per request, a token cache in front of an authentication call. Ground truth:
// the handshakes RFC 8446 and RFC 5246 define (round trips, and the server's one signature
// plus one ECDHE on a full handshake), OpenSSL's session rule (not resumed past creation time
// + timeout), the counts a caller's connections imply (one handshake per connection opened),
// conservation (authentication calls = cache misses) and the hit ratio of a cache whose
// entries live a fixed time after a miss under Poisson arrivals, 1 - 1 / (1 + lambda T).
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

// users call web at 10/s, constant spacing (the first at 100 ms), with `connect` on the
// client; web does 10 ms of work on 4 workers, with `web_extra` fields. No network latency:
// a request's latency is its set-up (when it opens a connection) plus web's CPU.
json scenario(const json& connect, const json& web_extra = json::object()) {
  json d = json::parse(R"({"seed": 5, "duration": "100s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "timeout": "10s",
       "arrivals": {"process": "constant", "rate": 10}},
      {"id": "web", "type": "service", "concurrency": 4, "service_time": "10ms"}]})");
  if (!connect.is_null()) d["components"][0]["connect"] = connect;
  d["components"][1].update(web_extra);
  return d;
}

json run(const std::string& name, const json& doc) { return run_summary(write_scenario(name, doc), {"--no-report"}); }

// The CPU web spent per request, in ms: busy workers x (its 4 are its cores) x the run / requests.
double cpu_ms_per_request(const json& s) {
  return num(s, "components.web.cpu_utilization") * 4 * 100.0 * 1000.0 / num(s, "components.web.ok");
}

// OpenSSL 3.0 `speed` on one core (models/server/security/tls.h): RSA-2048 sign and verify,
// two X25519 scalar multiplications, in ms.
constexpr double kRsaSign = 0.2484, kRsaVerify = 0.0178, kEcdhe = 0.0684;

}  // namespace

TEST_CASE("tls: without reuse every connection is a full handshake, its CPU charged to the callee") {
  // Requests never overlap (10 ms of work every 100 ms): each opens a connection and closes it.
  const json plain = run("tls-plain", scenario(json{{"setup", "1ms"}, {"reuse", false}}));
  const json full = run("tls-full", scenario(json{{"setup", "1ms"}, {"reuse", false},
                                                  {"tls", {{"version", "1.3"}, {"resumption", false}}}}));
  const double n = num(full, "components.users.resilience.connections_opened");
  CHECK(n == 999);
  CHECK(num(full, "components.users.resilience.tls_full_handshakes") == n);
  CHECK(num(full, "components.users.resilience.tls_resumed_handshakes") == 0);
  CHECK(num(full, "components.web.tls_handshakes") == n);
  // The server's part of a TLS 1.3 full handshake: one signature (CertificateVerify) and one
  // ECDHE. The CPU per request rises by exactly that; without TLS there is none.
  CHECK(cpu_ms_per_request(plain) == doctest::Approx(10.0).epsilon(1e-6));
  CHECK(cpu_ms_per_request(full) - cpu_ms_per_request(plain) == doctest::Approx(kRsaSign + kEcdhe).epsilon(1e-4));
  CHECK(num(full, "components.web.tls_cpu_s") == doctest::Approx(n * (kRsaSign + kEcdhe) / 1000).epsilon(1e-6));
  // Latency: TCP's round trip (1 ms) and TLS 1.3's one more, then the handshake's CPU and the work.
  CHECK(num(plain, "latency_ms.mean") == doctest::Approx(11.0).epsilon(2e-3));
  CHECK(num(full, "latency_ms.mean") == doctest::Approx(12.0 + kRsaSign + kEcdhe).epsilon(2e-3));

  // TLS 1.2: two round trips after TCP's, the same server CPU (ECDHE-RSA signs its key share).
  const json v12 = run("tls-12", scenario(json{{"setup", "1ms"}, {"reuse", false},
                                               {"tls", {{"version", "1.2"}, {"resumption", false}}}}));
  CHECK(num(v12, "latency_ms.mean") == doctest::Approx(13.0 + kRsaSign + kEcdhe).epsilon(2e-3));
  // Mutual TLS: the server verifies the client's CertificateVerify and its certificate.
  const json mtls = run("tls-mutual", scenario(json{{"setup", "1ms"}, {"reuse", false},
                                                    {"tls", {{"resumption", false}, {"mutual", true}}}}));
  CHECK(cpu_ms_per_request(mtls) - cpu_ms_per_request(plain) ==
        doctest::Approx(kRsaSign + kEcdhe + 2 * kRsaVerify).epsilon(1e-4));
  // An ECDSA P-256 certificate signs 12 times faster than RSA-2048.
  const json ec = run("tls-ecdsa", scenario(json{{"setup", "1ms"}, {"reuse", false}, {"tls", {{"resumption", false}}}},
                                            json{{"tls", {{"certificate", "ecdsa_p256"}}}}));
  CHECK(cpu_ms_per_request(ec) - cpu_ms_per_request(plain) == doctest::Approx(0.0196 + kEcdhe).epsilon(1e-4));
}

TEST_CASE("tls: resumption within the ticket's lifetime, a full handshake once per lifetime") {
  // A ticket from the full handshake completing at 0.102 s lives 10 s: the arrival at 10.1 s
  // resumes, the one at 10.2 s is full again (ticket at 10.202 s), and so on: ten full
  // handshakes in 100 s (0.1, 10.2, 20.3, ... 90.9 s), the other 989 resumed.
  const json r = run("tls-resume", scenario(json{{"setup", "1ms"}, {"reuse", false},
                                                 {"tls", {{"ticket_lifetime", "10s"}}}}));
  CHECK(num(r, "components.users.resilience.tls_full_handshakes") == 10);
  CHECK(num(r, "components.users.resilience.tls_resumed_handshakes") == 989);
  // A resumed TLS 1.3 handshake (psk_dhe_ke) costs the server its ECDHE only.
  CHECK(num(r, "components.web.tls_cpu_s") ==
        doctest::Approx((10 * (kRsaSign + kEcdhe) + 989 * kEcdhe) / 1000).epsilon(1e-6));
  // 0-RTT: a resumed connection's request goes with the ClientHello: only TCP's round trip.
  const json e = run("tls-0rtt", scenario(json{{"setup", "1ms"}, {"reuse", false},
                                               {"tls", {{"ticket_lifetime", "10s"}, {"early_data", true}}}}));
  CHECK(num(e, "latency_ms.p50") == doctest::Approx(11.0 + kEcdhe).epsilon(1e-3));
}

TEST_CASE("connection_cpu: every new connection costs its server CPU, TLS or not; a kept one costs it once") {
  // 3 ms per connection (a MongoDB SCRAM login), requests 100 ms apart: without reuse every
  // request pays it before its 10 ms of work, in its latency and in web's CPU; no TLS is counted.
  const json web = {{"connection_cpu", "3ms"}};
  const json each = run("conn-cpu-each", scenario(json{{"setup", "1ms"}, {"reuse", false}}, web));
  const double n = num(each, "components.users.resilience.connections_opened");
  CHECK(n == 999);
  CHECK(cpu_ms_per_request(each) == doctest::Approx(13.0).epsilon(1e-6));
  CHECK(num(each, "latency_ms.mean") == doctest::Approx(14.0).epsilon(2e-3));
  CHECK(!each["components"]["web"].contains("tls_handshakes"));  // written where TLS connections came
  // With TLS on top, both: the connection's 3 ms and the handshake's signature and ECDHE.
  const json tls = run("conn-cpu-tls", scenario(json{{"setup", "1ms"}, {"reuse", false},
                                                     {"tls", {{"version", "1.3"}, {"resumption", false}}}}, web));
  CHECK(cpu_ms_per_request(tls) == doctest::Approx(13.0 + kRsaSign + kEcdhe).epsilon(1e-4));
  // Kept (keep-alive): one connection for the whole run, one 3 ms, and nothing without the field.
  const json kept = run("conn-cpu-kept", scenario(json{{"setup", "1ms"}}, web));
  CHECK(num(kept, "components.users.resilience.connections_opened") == 1);
  CHECK(cpu_ms_per_request(kept) == doctest::Approx(10.0 + 3.0 / num(kept, "components.web.ok")).epsilon(1e-6));
  // Bad input: a connection_cpu that is not a duration is refused in one line, at its place.
  for (const char* bad : {"-3ms", "fast"}) {  // a bare number is seconds, as every duration
    CAPTURE(bad);
    const std::string path = write_scenario("conn-cpu-bad", scenario(json{{"setup", "1ms"}}, {{"connection_cpu", bad}}));
    const auto r = archsim::e2e::run_archsim({"run", path, "--no-report"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind(path + ": /components/1/connection_cpu", 0) == 0);
  }
}

TEST_CASE("tls: with a kept pool of connections the handshakes are as many as the pool's size") {
  // api holds a pool of 5 connections to db; 40 closed-loop users keep all 5 busy. Each
  // connection opens once (one handshake), then is kept for the whole run.
  json d = json::parse(R"({"seed": 2, "duration": "60s",
    "components": [
      {"id": "users", "type": "client", "target": "api", "users": 40, "think_time": "1ms", "timeout": "30s"},
      {"id": "api", "type": "service", "concurrency": 64,
       "pool": {"size": 5, "for": ["db"]}, "connect": {"setup": "1ms", "tls": {"resumption": false}},
       "routes": {"default": [{"call": "db"}]}},
      {"id": "db", "type": "service", "concurrency": 64, "service_time": "10ms"}]})");
  const json s = run("tls-pool", d);
  CHECK(num(s, "components.api.pool.connections_opened") == 5);
  CHECK(num(s, "components.api.pool.tls_full_handshakes") == 5);
  CHECK(num(s, "components.db.tls_handshakes") == 5);
}

TEST_CASE("jwt: every request pays its token's verification, RS256 against HS256") {
  const json rs = run("jwt-rs256", scenario(nullptr, json{{"jwt", {{"alg", "RS256"}}}}));
  const json hs = run("jwt-hs256", scenario(nullptr, json{{"jwt", {{"alg", "HS256"}}}}));
  CHECK(num(rs, "components.web.jwt_verifications") == 999);
  // RS256: an RSA-2048 verification and SHA-256 of the signing input; HS256: one HMAC-SHA256.
  CHECK(cpu_ms_per_request(rs) == doctest::Approx(10.0 + kRsaVerify + 0.0007).epsilon(1e-6));
  CHECK(cpu_ms_per_request(hs) == doctest::Approx(10.0 + 0.0008).epsilon(1e-6));
  CHECK(num(rs, "latency_ms.mean") == doctest::Approx(10.0 + kRsaVerify + 0.0007).epsilon(1e-4));
}

TEST_CASE("token cache: authentication calls are the misses; hit ratio 1 - 1/(1 + lambda T)") {
  // 200 requests/s over 200 tokens (sessions) drawn uniformly: Poisson at lambda = 1/s per
  // token. One instance, so one cache. A wrong cache that refreshed entries on each hit would
  // give 1 - exp(-lambda T) (0.632 and 0.982), one that never expired would give ~1.
  for (const auto& pair : {std::pair<const char*, double>{"1s", 1.0}, {"4s", 4.0}}) {
    // Named, not bound: the sanitizer build's Clang 14 cannot capture a structured binding in INFO.
    const char* const ttl = pair.first;
    const double lt = pair.second;
    json d = json::parse(R"({"seed": 11, "duration": "300s",
      "components": [
        {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 200}, "sessions": 200},
        {"id": "web", "type": "service", "concurrency": 256,
         "routes": {"default": [{"call": "auth"}, {"work": "1ms"}]}},
        {"id": "auth", "type": "service", "concurrency": 256, "service_time": "1ms"}]})");
    d["components"][1]["routes"]["default"][0]["token_cache"] = {{"ttl", ttl}};
    const json s = run(std::string("token-cache-") + ttl, d);
    const double hits = num(s, "components.web.token_cache.auth.hits");
    const double misses = num(s, "components.web.token_cache.auth.misses");
    INFO("ttl " << ttl);
    CHECK(num(s, "components.auth.ok") == misses);
    CHECK(hits + misses == num(s, "components.web.ok"));
    // About 300 s / (T + 1 s) cycles per token: 15,000 to 30,000 in all, a standard error
    // near 0.003.
    CHECK(num(s, "components.web.token_cache.auth.hit_ratio") == doctest::Approx(1 - 1 / (1 + lt)).epsilon(0.02));
  }
}
