// Connection set-up: what a caller pays before a request can travel on a new connection.
//
// TCP's three-way handshake costs one round trip before the first byte; TLS adds one (TLS
// 1.3) or two (TLS 1.2) more, and a database adds its authentication exchange (PostgreSQL's
// startup message and SCRAM, MySQL's handshake packet). A caller that keeps connections
// alive pays it only when it opens one: HikariCP and a gRPC channel open connections lazily
// and keep them; an HTTP/1.1 client keeps idle keep-alive connections. A connection whose
// request timed out is closed (the answer may still arrive on it: an HTTP/1.1 client cannot
// send the next request there, and a JDBC driver marks it broken), so the retry that follows
// opens a new one and pays the set-up again: retries that reconnect cost more than the request
// they repeat.
//
// Scenario: "connect": {"setup": duration or distribution, "reuse": true} on a client, a
// call step or a service-level pool. "reuse": false opens a connection for every attempt
// (HTTP/1.0, a client without keep-alive). This is the one place a connection's cost lives:
// "tls" adds a TLS handshake's round trips to `setup` and tells the callee to charge its CPU
// (models/server/security/tls.h); a caller instance keeps the session ticket of its last full
// handshake for resumption.
//
// Per caller instance (a service's instance slot; 0 for a client): `open` connections, of
// which `busy` carry an attempt; an attempt reuses an idle one (busy < open) or opens one.
// Without a pool nothing bounds `open` but the attempts in flight; with a pool, its size.
// Cost: acquire/release O(1); one entry per caller instance, grown on first use.
//
// Simplifications: without "tls" the set-up is latency only (no CPU on either side); connections are
// never closed for idleness, nor by the callee; a connection's set-up never fails.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "models/server/security/tls.h"
#include "sim/distribution.h"
#include "scenario/params.h"

namespace archsim::resilience {

struct ConnectParams {
  Distribution setup = Distribution::constant(0);
  bool reuse = true;
  std::optional<security::TlsClient> tls;
};

class Connections {
 public:
  explicit Connections(const ConnectParams& p) : p_(p) {}
  // Reads the "connect" object of `p` (a client, a call step or a service's pool), if any.
  static std::optional<ConnectParams> read(Params& p);

  // An attempt of caller instance `instance` takes a connection: true when it has to open
  // one (and pay `setup`), false when it reuses an idle one.
  bool acquire(std::uint32_t instance) {
    if (instance >= conns_.size()) conns_.resize(instance + 1);
    PerInstance& c = conns_[instance];
    ++c.busy;
    if (p_.reuse && c.busy <= c.open) return false;
    ++c.open;
    return true;
  }
  // The attempt is over: its connection becomes idle, or is closed (`close`: it timed out;
  // without reuse, always).
  void release(std::uint32_t instance, bool close) {
    PerInstance& c = conns_[instance];
    --c.busy;
    if (close || !p_.reuse) --c.open;
  }
  const Distribution& setup() const { return p_.setup; }
  const std::optional<security::TlsClient>& tls() const { return p_.tls; }

  // With "tls": the handshake a connection that caller instance `instance` opens at `now`
  // takes (security::hop::kFull, or kResumed while the ticket of its last full handshake
  // lives). Call after acquire() returned true.
  std::uint8_t handshake(std::uint32_t instance, Time now) const {
    const PerInstance& c = conns_[instance];
    const bool live = p_.tls->resumption && c.ticket_from >= 0 && now < c.ticket_from + p_.tls->ticket_lifetime;
    return live ? security::hop::kResumed : security::hop::kFull;
  }
  // A full handshake of `instance` completed at `now`: the server's ticket is kept.
  void full_handshake_done(std::uint32_t instance, Time now) { conns_[instance].ticket_from = now; }

 private:
  struct PerInstance {
    std::uint32_t open = 0, busy = 0;
    Time ticket_from = -1;  // when the kept session ticket was issued (-1: none)
  };
  ConnectParams p_;
  std::vector<PerInstance> conns_;
};

}  // namespace archsim::resilience
