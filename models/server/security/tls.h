// TLS on a new connection, both sides, and JWT verification: what security costs in round
// trips and in the callee's cores.
//
// Follows RFC 8446 (TLS 1.3) and RFC 5246/5077 (TLS 1.2 with session tickets), as OpenSSL
// implements them (ssl/statem/statem_srvr.c: the server's CertificateVerify signature and its
// ECDHE share; ssl/ssl_sess.c: a session is not resumed past creation time + timeout):
//   round trips after TCP's   TLS 1.3 full: 1; resumed (PSK): 1; resumed with early data (0-RTT): 0
//                             TLS 1.2 full: 2; resumed (abbreviated, session ticket): 1
//   server CPU                full: one signature with the certificate's key + one ECDHE
//                             (X25519 key generation and shared secret); TLS 1.3 resumed:
//                             the ECDHE of psk_dhe_ke only; TLS 1.2 resumed: none (symmetric);
//                             mutual TLS, full: two signature verifications more (the
//                             client's CertificateVerify and its certificate's issuer signature)
// The caller ("connect": {"tls": {...}}, call_policy_connect.cpp) decides the kind: a caller
// instance holds a session ticket from its last full handshake with the callee for
// `ticket_lifetime` (OpenSSL's default session timeout: 300 s, also the ticket's lifetime
// hint); with `resumption` a new connection within it resumes. It tells the callee through
// the first request's hop flags (models/contracts/hop_flags.h), and the callee (a service)
// charges the handshake's CPU to the instance that serves that request, as work before its steps.
//
// Defaults: OpenSSL 3.0 `openssl speed rsa2048 ecdsap256 ed25519 ecdhx25519` and
// `openssl speed -hmac sha256` on one x86-64 core (AMD EPYC): RSA-2048 sign 4,025/s and verify
// 56,237/s; ECDSA P-256 sign 50,900/s and verify 16,615/s; Ed25519 sign 26,253/s and verify
// 9,745/s; X25519 29,252 shared secrets/s; HMAC-SHA256 of 1 KB 1.25 GB/s. A user with other
// hardware runs the same command and sets the *_cpu fields.
//
// Simplifications: the client's own crypto CPU is not charged (a client has no cores here;
// a service's calls do not charge their caller); the server does the handshake's work on the
// worker that serves the connection's first request, just before it (the handshake's CPU and
// its wait for a worker show in that request's latency, not in the set-up); certificate
// chains are one issuer deep; a resumed TLS 1.3 handshake issues no new ticket lifetime (the
// keying material of a full handshake lives `ticket_lifetime`, as RFC 8446 4.6.1 recommends
// bounding it); only a service callee charges CPU (a database, cache or balancer callee pays
// the round trips only).
//
// Cost: the caller's decision and the callee's lookup are O(1), no allocation.
#pragma once
#include <cstdint>
#include <optional>

#include "models/contracts/hop_flags.h"
#include "scenario/params.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace archsim::security {

// The caller's side: "connect": {"setup": ..., "tls": {...}}.
struct TlsClient {
  bool tls12 = false;                 // "version": "1.2" | "1.3" (default)
  bool resumption = true;             // session tickets (TLS 1.2) / PSK (TLS 1.3)
  bool early_data = false;            // TLS 1.3 0-RTT: a resumed connection's first request goes at once
  bool mutual = false;                // mTLS
  Time ticket_lifetime = 300 * kSecond;
  std::optional<Distribution> rtt;    // one round trip; default: the connection's "setup" draw

  // Reads "tls" of a "connect" object, if present.
  static std::optional<TlsClient> read(Params& connect);
  // Round trips the handshake of `kind` (hop::kFull or hop::kResumed) adds after TCP's.
  int round_trips(std::uint8_t kind) const {
    if (kind == hop::kFull) return tls12 ? 2 : 1;
    return tls12 ? 1 : (early_data ? 0 : 1);
  }
  // The hop flags of a handshake of `kind`.
  std::uint8_t flags(std::uint8_t kind) const {
    return static_cast<std::uint8_t>(kind | (tls12 ? hop::kTls12 : 0) | (mutual ? hop::kMutual : 0));
  }
};

// The callee's side: a service's "tls" ({"certificate", "sign_cpu", "verify_cpu",
// "key_exchange_cpu"}) and "jwt" ({"alg", "verify_cpu"}); every field has a default, so a
// service without them still pays for the handshakes its callers open.
struct ServerCrypto {
  Time sign = 0, verify = 0, key_exchange = 0;  // one operation each, at speed 1
  Time connection = 0;  // "connection_cpu": any new connection, TLS or not (accept, the application's own handshake)
  Time jwt = 0;                                 // per request (0: no "jwt")
  bool has_jwt = false;

  static ServerCrypto read(Params& service);
  // The CPU a request carrying hop flags `h` costs for the connection it opens: its TLS
  // handshake, if any, and `connection` (0 when it opens none).
  Time handshake_cpu(std::uint8_t h) const {
    switch (h & hop::kKind) {
      case hop::kFull:
        return connection + sign + key_exchange + ((h & hop::kMutual) ? 2 * verify : 0);
      case hop::kResumed:
        return connection + ((h & hop::kTls12) ? 0 : key_exchange);  // TLS 1.3 resumes with psk_dhe_ke
      case hop::kPlain:
        return connection;
      default:
        return 0;
    }
  }
  static bool is_tls(std::uint8_t h) { return (h & hop::kKind) == hop::kFull || (h & hop::kKind) == hop::kResumed; }
};

}  // namespace archsim::security
