#include "models/server/call_policy/connections.h"

namespace archsim::resilience {

std::optional<ConnectParams> Connections::read(Params& p) {
  auto c = p.object_opt("connect");
  if (!c) return std::nullopt;
  ConnectParams cp;
  cp.setup = c->distribution("setup");  // required: a connection that costs nothing needs no "connect"
  cp.reuse = c->boolean("reuse", true);
  cp.tls = security::TlsClient::read(*c);
  return cp;
}

}  // namespace archsim::resilience
