// A client whose users hold one long-lived connection each for their session (WebSocket,
// server-sent events): a client with a "connections" object instead of "arrivals", "users"
// or "sessions".
//
// Users arrive as a Poisson process of sessions (`rate` per second) and stay for a drawn
// `length`; each opens a connection to `target` on `route` and keeps it to the session's end
// (the target holds the call open: models/service/connections.cpp). The connections open at
// once follow from arrivals and lengths (M/G/infinity: L = rate x mean length).
//
// When a connection is lost (the instance that held it died: Status::Dropped) or a connection
// attempt fails (refused at the instance's limit, no instance ready), the user reconnects as
// Socket.IO's client and a browser's EventSource do: after a delay from an exponential
// backoff, here with AWS's "Exponential Backoff And Jitter" (Brooker, 2015) variants
// (lib/resilience/backoff.h): with full jitter the n-th consecutive failure waits
// random_between(0, min(max, base * 2^n)); `base` 0 reconnects at once (an onclose handler
// that calls connect(), the reconnect storm). A connection that was up resets the count, as
// Socket.IO resets its attempts on "open"; a drop is followed by the delay of attempt 0.
// After `attempts` consecutive failed attempts the user gives up (Socket.IO's
// reconnectionAttempts) and leaves; so does a user whose session ends while it waits.
//
// Figures: sessions, connection attempts, reconnects (attempts after the first of a
// session), drops seen, failed attempts, users who gave up, connections closed well before
// their session's end (a target that holds none: a wrong scenario), the reconnect delay's histogram
// (from the loss to the new attempt), and the peak rate of connection attempts over any
// whole simulated second.
// With `tls`, every attempt opens a TLS 1.3 connection whose handshake CPU the target charges
// (models/server/security/tls.h): a full handshake each time, or ("resumed") a full one for a
// session's first attempt and a resumed one (PSK) for its reconnects.
// With `messages`, each connection carries the user's messages, a Poisson process at
// `messages.rate` per connection: requests of `messages.route` marked as travelling on the
// connection (models/contracts/hop_flags.h), so the target serves each on the instance
// that holds it; one sent while the connection is down (before the client has seen the
// reset) fails, as a write to a dead socket does.
// Simplifications: the TLS handshake's round trips are not added to the set-up (its CPU is);
// the server's pushes are not modelled; messages are counted (sent, ok,
// failed) but not in the run's end-to-end requests and latency; the client learns of a drop when the reset reaches it (one link latency), with no ping timeout;
// Socket.IO's own jitter (randomizationFactor 0.5) is the "randomized" variant, not offered.
#pragma once
#include <memory>

#include "scenario/build.h"
#include "sim/page_section.h"

namespace archsim {
std::unique_ptr<Component> make_connection_client(Params& p, BuildContext& bc);

namespace sessions {
// What the page shows of a connection-holding client (page.cpp), declared at its end of run.
void declare_page(PageSection& page);
}  // namespace sessions
}
