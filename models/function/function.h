// Serverless function: execution environments created on demand (type "function").
//
// Follows: AWS Lambda as its developer guide describes it ("Understanding the Lambda execution
// environment lifecycle", "Understanding Lambda function scaling", "Configuring provisioned
// concurrency", "Configure Lambda function memory") and its pricing page.
//   - An execution environment serves one request at a time. A request takes an idle
//     environment if one exists (the most recently used: the others go on ageing towards
//     reclaim); else, below the concurrency limit, a new environment is created, and the
//     request waits for its INIT phase (`init_duration`): a cold start. At the limit the
//     request is throttled: answered at once with a 429 (the rate_limited cause).
//   - An environment idle for `idle_timeout` is reclaimed (Lambda does not publish the figure;
//     the default, 10 min, is in the range people observe).
//   - `concurrency` is the function's reserved concurrency, or the account's limit (1,000 by
//     default): the most environments it may have at once, busy or starting.
//   - `provisioned` environments are initialised before the run and never reclaimed; requests
//     take them first and spill over to on-demand environments. They count within
//     `concurrency`.
//   - Memory buys CPU: at 1,769 MB a function has the equivalent of one vCPU, and below that
//     a share in proportion. `duration` is the handler's time with a whole vCPU; at
//     `memory_mb` < 1769 it stretches by 1769 / memory_mb. Above it, no speed-up (one thread).
//   - Billing (Usage, priced by the cost ledger): each invocation (throttled ones are not
//     billed), and its duration rounded up to 1 ms, times memory in GB (memory_mb / 1024).
//     A cold start's INIT phase is billed with its invocation, as Lambda bills it since
//     August 2025: ceil(init + duration) in ms. A provisioned environment is billed per
//     GB-second for the whole run.
//   - Timeout ("Configure Lambda function timeout": 3 s by default, 1 s to 900 s): a handler
//     that would run longer is stopped at `timeout`, answered as a function error (a 5xx to a
//     synchronous caller) and billed for the timeout (with a cold start's INIT). Lambda resets
//     the environment ("Failures during the invoke phase"): its next request runs INIT again.
//   - Asynchronous invocation (`async`; async_invoke.h): the caller is answered at once, a
//     timed-out attempt is retried after 1 and 2 minutes (`maximum_retry_attempts`, 2), a
//     throttled one after 1 s doubling to 5 min while the event is fresh
//     (`maximum_event_age`, 6 h), and an event that runs out is dead-lettered (counted).
//   - Scaling rate ("Lambda scaling behavior"): a function creates at most `scaling_rate`
//     (1,000) environments per 10 s, refilled continuously and never accrued beyond that; an
//     arrival that needs a new environment when none can be created yet is throttled too
//     (counted also in throttled_scaling).
//
// `archsim analyze` describes it as Erlang B's loss system (describe() in function.cpp), the
// holding time being the handler's cut at the timeout.
//
// Simplifications: invocations on provisioned environments are priced at the on-demand
// duration rate (Lambda's is lower); no faults; a synchronous caller sees a throttle's 429
// (Lambda retries only asynchronous events); no memory limit on the handler; `init_duration` does not stretch with
// memory; INIT has no limit of its own (Lambda's 10 s).
#pragma once
#include <memory>

#include "scenario/build.h"
#include "sim/page_section.h"

namespace archsim {

std::unique_ptr<Component> make_function(Params& p, BuildContext& bc);

namespace function {
// What the page shows of a function (page.cpp), declared at its end of run.
void declare_page(PageSection& page);
}  // namespace function

}  // namespace archsim
