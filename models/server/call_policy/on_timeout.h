// What a callee does with a request whose caller gives up: the "on_timeout" field of a call
// (a client's, or a service's call step).
//
//   "continue" (the default)  the callee runs the request to its end and its answer is dropped:
//                             what a database does with a query whose client stopped waiting
//                             (a socket or HTTP client timeout) unless something cancels it.
//   "cancel"                  the call's deadline travels with it and the callee stops the
//                             request there: gRPC sends the deadline as the grpc-timeout header
//                             and the server handler's context is done when it passes; pgjdbc's
//                             Statement.setQueryTimeout sends PostgreSQL a cancel request when it
//                             expires, whose StatementCancelHandler (src/backend/tcop/postgres.c)
//                             stops the query at its next CHECK_FOR_INTERRUPTS().
// A cancel needs a deadline: the call's "timeout" (per attempt, with a retry policy).
// How the callee honours it is its own (models/service/service.h).
#pragma once
#include "scenario/params.h"
#include "sim/time.h"

namespace archsim {

// Reads "on_timeout" of the call object `p` whose timeout is `timeout` (0: none): true for
// "cancel". A cancel without a timeout is refused at "on_timeout".
inline bool read_cancel_on_timeout(Params& p, Time timeout) {
  const bool cancel = p.choice("on_timeout", "continue", {"continue", "cancel"}) == "cancel";
  if (cancel && timeout <= 0)
    p.fail("on_timeout", "\"cancel\" stops the callee at this call's deadline: give the call a \"timeout\"");
  return cancel;
}

}  // namespace archsim
