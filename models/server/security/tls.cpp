#include "models/server/security/tls.h"

#include <string>

namespace archsim::security {

namespace {
// One operation's CPU in ns at speed 1, from the OpenSSL 3.0 `speed` rates in tls.h (1e9 / rate).
constexpr Time kRsa2048Sign = 248'400, kRsa2048Verify = 17'800;
constexpr Time kP256Sign = 19'600, kP256Verify = 60'200;
constexpr Time kEd25519Sign = 38'100, kEd25519Verify = 102'600;
// ECDHE with X25519: key generation and the shared secret, two scalar multiplications of 34.2 us.
constexpr Time kX25519Exchange = 68'400;
// A JWT's signing input (about 1 KB) hashed: SHA-256 at 1.47 GB/s; HS256 is its HMAC at 1.25 GB/s.
constexpr Time kTokenHash = 700, kHs256 = 800;
}  // namespace

std::optional<TlsClient> TlsClient::read(Params& connect) {
  auto t = connect.object_opt("tls");
  if (!t) return std::nullopt;
  TlsClient c;
  c.tls12 = t->choice("version", "1.3", {"1.2", "1.3"}) == "1.2";
  c.resumption = t->boolean("resumption", true);
  c.early_data = t->boolean("early_data", false);
  if (c.early_data && c.tls12) t->fail("early_data", "0-RTT early data is TLS 1.3's; TLS 1.2 has none");
  if (c.early_data && !c.resumption) t->fail("early_data", "early data needs a resumed session: set \"resumption\": true");
  c.mutual = t->boolean("mutual", false);
  // RFC 8446 4.6.1: a ticket lives at most 7 days.
  c.ticket_lifetime = t->duration("ticket_lifetime", 300 * kSecond, 1, 604800 * kSecond);
  if (t->has("rtt")) c.rtt = t->distribution("rtt");
  return c;
}

ServerCrypto ServerCrypto::read(Params& service) {
  ServerCrypto s;
  s.key_exchange = kX25519Exchange;
  s.sign = kRsa2048Sign;
  s.verify = kRsa2048Verify;
  if (auto t = service.object_opt("tls")) {
    const std::string cert = t->choice("certificate", "rsa2048", {"rsa2048", "ecdsa_p256", "ed25519"});
    if (cert == "ecdsa_p256") {
      s.sign = kP256Sign;
      s.verify = kP256Verify;
    } else if (cert == "ed25519") {
      s.sign = kEd25519Sign;
      s.verify = kEd25519Verify;
    }
    s.sign = t->duration("sign_cpu", s.sign);
    s.verify = t->duration("verify_cpu", s.verify);
    s.key_exchange = t->duration("key_exchange_cpu", s.key_exchange);
  }
  // MongoDB's SCRAM-SHA-256 (15,000 PBKDF2 iterations a login), PostgreSQL's backend start,
  // MySQL's authentication plugin: CPU the server spends on a connection before its first
  // request, whether or not TLS wraps it.
  s.connection = service.duration("connection_cpu", 0);
  if (auto j = service.object_opt("jwt")) {
    const std::string alg = j->choice("alg", "RS256", {"RS256", "ES256", "EdDSA", "HS256"});
    Time def = kRsa2048Verify + kTokenHash;
    if (alg == "ES256") def = kP256Verify + kTokenHash;
    else if (alg == "EdDSA") def = kEd25519Verify;  // Ed25519 hashes the message itself (SHA-512)
    else if (alg == "HS256") def = kHs256;
    s.jwt = j->duration("verify_cpu", def);
    s.has_jwt = true;
  }
  return s;
}

}  // namespace archsim::security
