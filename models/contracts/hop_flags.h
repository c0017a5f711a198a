// The hop flags of a request (RequestInfo::hop, sim/request.h): bits the caller sets on one
// hop of a request and the callee reads, whose meaning the families agree on here. The engine
// only carries them.
//
// A new connection and its TLS handshake (models/server/security/tls.h): the caller's
// connection (models/server/call_policy/connections.h) says that its first request opened it,
// and with which handshake, and the callee (a service) charges the connection's CPU.
//
// A request that travels on a long-lived connection (a WebSocket or server-sent-events stream)
// its caller holds with the callee: what a client with "connections" sets in Context::call's
// `hop` flags on each message (models/client/sessions.h), and what a service with
// "connections" reads to send the message to the instance that holds the caller's connection
// (models/service/connections.cpp), with no balancing decision. The connection is named by
// the caller's component index and the request's session (held_key).
#pragma once
#include <cstdint>

namespace archsim::security {

// RequestInfo::hop of the request that opens a connection (0: none, or not a new connection).
namespace hop {
inline constexpr std::uint8_t kFull = 1;     // a full handshake
inline constexpr std::uint8_t kResumed = 2;  // a resumed one (session ticket / PSK)
inline constexpr std::uint8_t kKind = 3;     // mask of the two above
inline constexpr std::uint8_t kPlain = 3;    // a new connection without TLS (both bits: never a TLS kind)
inline constexpr std::uint8_t kTls12 = 4;    // TLS 1.2 (else 1.3)
inline constexpr std::uint8_t kMutual = 8;   // mutual TLS: the client presents a certificate
}  // namespace hop

}  // namespace archsim::security

namespace archsim::held_connection {

// RequestInfo::hop: the request is a message on the caller's held connection.
inline constexpr std::uint8_t kOnConnection = 16;
static_assert((kOnConnection & (security::hop::kKind | security::hop::kTls12 | security::hop::kMutual)) == 0,
              "a hop flag of its own, beside TLS's");

// The callee's key of a connection: the calling component and its session (below 2^40).
inline constexpr std::uint64_t key(std::uint32_t client, std::uint64_t session) {
  return (std::uint64_t{client} << 40) ^ session;
}

}  // namespace archsim::held_connection
