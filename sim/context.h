// What a model can do while the simulation runs, and nothing more: read the clock, call
// other components and answer calls, set timers on itself, record metrics, and report the
// end of a client request. The Context is the engine's facade; models never see the
// scheduler, the call pool or any output format.
#pragma once
#include <cstdint>

#include "sim/component.h"
#include "sim/distribution.h"
#include "sim/metrics.h"
#include "sim/random.h"
#include "sim/request.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace archsim {

class Simulation;

// Faults on one link, Istio-style: applied where the caller's sidecar would apply them.
// `lose`: calls and replies vanish (a partition: the caller can only time out); `abort`:
// this fraction of calls is answered Status::Error at once without reaching the callee;
// `delay_fraction`: this fraction of calls waits `delay` more before delivery.
struct LinkFault {
  bool lose = false;
  double abort = 0, delay_fraction = 0;
  Distribution delay = Distribution::constant(0);
  bool active() const { return lose || abort > 0 || delay_fraction > 0; }
};

using RefId = std::uint32_t;  // a resolved reference to another component (BuildContext::reference)

// How one component depends on another. Synchronous calls must not form a cycle (a request
// would wait on itself). AsyncSend: one-way messages (Context::send). AsyncCall: calls made
// off any request's path (a queue delivering to its consumers, a replication stream): they
// are answered, but nothing upstream waits on them, so they may close a loop. Control: no
// messages at all (an autoscaler's target).
enum class RefKind : std::uint8_t { SyncCall, AsyncSend, Control, AsyncCall };

class Context {
 public:
  Context(Simulation& sim, const Time& now) : sim_(sim), now_(now) {}

  Time now() const { return now_; }  // inline: read on every event
  // The end of the run: the scenario's duration, or where an interrupted run stopped
  // (Simulation::run's `stop`; seen by finish(), so end-of-run figures cover what ran).
  Time end_time() const;
  Time warmup() const;
  std::uint32_t self() const { return self_; }

  // Sends `req` over the link named by `ref`. `token` comes back with the reply (on_reply).
  // A positive `timeout` ends the call with Status::Timeout if no reply came by then; the
  // callee's work still happens and its late reply is dropped.
  // `from_instance` names which instance of this component makes the call (sim/request.h,
  // kNoInstance); the callee reads it with caller_instance(). `hop` is what the callee reads
  // in request(call).hop: it belongs to this call alone (req.hop is ignored), so a request
  // forwarded by the callee carries 0 unless the callee says otherwise.
  CallId call(RefId ref, const RequestInfo& req, std::uint64_t token, Time timeout = 0,
              std::uint32_t from_instance = kNoInstance, std::uint8_t hop = 0);
  // Sends `req` one way over the link named by `ref` (publish to a queue, replicate to a
  // replica): delivered like a call (on_request at the callee), but nobody waits and no
  // reply travels back; the callee may still reply(), which only ends the record. A link
  // that loses or aborts calls loses the message silently.
  void send(RefId ref, const RequestInfo& req, std::uint32_t from_instance = kNoInstance);
  // Answers a call this component received. Exactly once per call. `result` travels back
  // with the status (Context::result at the caller). Returns true when the answer is dropped
  // because its caller gave up (timed out) before it: the work it cost was for nobody. False
  // when it travels back, and for a call sent one way (nobody ever waited).
  bool reply(CallId call, Status status, Result result = {});
  // The request a call carries, by value: a later call() may move the engine's storage, so
  // no reference to it is handed out.
  RequestInfo request(CallId call) const;
  // The result the callee replied with, for a call this component made; read it in
  // on_reply (the record is freed after). Empty for a timeout.
  Result result(CallId call) const;
  // For a call this component received: whether nobody waits for the answer any more (the
  // caller timed out, or it was sent one way). The work may be cut short; reply() is still
  // required, and is dropped.
  bool abandoned(CallId call) const;
  // For a call this component received: whether it was sent one way (Context::send).
  bool one_way(CallId call) const;
  // When the call was sent by its caller.
  Time sent_at(CallId call) const;
  // Index of the component that made the call.
  std::uint32_t caller(CallId call) const;
  // Which instance of the caller made it: the `from_instance` it passed (kNoInstance if none).
  std::uint32_t caller_instance(CallId call) const;

  // Fires on_timer(tag, data) on this component after `delay` (>= 0).
  // Here and in call/send/reply, a delay that takes the event past the end of time (a
  // saturated sample, kTimeMax) saturates: the event is due after the end of the run and
  // never fires, so the call is still in flight (or the timer pending) when the run ends.
  void schedule(Time delay, std::uint16_t tag, std::uint64_t data = 0);

  Metrics& metrics();

  // Request traces (sim/trace.h): a model marks what a call it received spent from `begin`
  // to `end` (waiting in its queue, working). One test of a flag when tracing is off; the
  // engine keeps the span only when the call belongs to a traced request.
  void trace_span(CallId call, TraceSpan::Kind kind, Time begin, Time end) {
    if (tracing_) [[unlikely]]
      record_trace_span(call, kind, begin, end);
  }
  // The same for request `req` held by this component outside any call it serves (a message
  // waiting in a log): drawn on this component's track, kept when the request is traced.
  void trace_mark(const RequestInfo& req, TraceSpan::Kind kind, Time begin, Time end) {
    if (tracing_) [[unlikely]]
      record_trace_mark(req, kind, begin, end);
  }

  // Fault injection: replaces the fault state of link `link` (ConnectContext::links()).
  void set_link_fault(std::uint32_t link, const LinkFault& fault);

  // While alive, the context acts as component `index` (OMNeT++'s Enter_Method). The callee
  // uses it: a component whose control surface is called (crash, scale_to, ... in
  // models/contracts/capabilities.h) opens one on its own index, so the timers it sets and the
  // metrics it records are its own whoever called. Callers do nothing.
  class ActingAs {
   public:
    ActingAs(Context& ctx, std::uint32_t index) : ctx_(ctx), saved_(ctx.self_) { ctx.self_ = index; }
    ~ActingAs() { ctx_.self_ = saved_; }
    ActingAs(const ActingAs&) = delete;
    ActingAs& operator=(const ActingAs&) = delete;

   private:
    Context& ctx_;
    std::uint32_t saved_;
  };

  // Client bookkeeping: unique ids and the end-to-end ledger behind summary.json.
  std::uint64_t next_request_id();
  void request_sent(const RequestInfo& req);
  // Only from a component that named its latency histogram at build time
  // (BuildContext::end_to_end_latency): the end-to-end latency is the sum of those.
  // `attempts`: the tries the request took (1 + retries), for the access log only.
  void request_ended(const RequestInfo& req, Status status, std::uint16_t attempts = 1);
  // Only from a component that called BuildContext::ends_run_when_done, once: its test is
  // over. When the last such component has said so, the run ends at this instant (events
  // already due at it still run); end_time() is then this instant in finish().
  void test_ended();

  // A generator keyed by (stream, request, salt): the same request draws the same numbers
  // whatever order requests are served in, so variants compared with the same seed see the
  // same work (common random numbers).
  static Rng keyed_rng(std::uint64_t stream, std::uint64_t request_id, std::uint64_t salt) {
    return Rng(keyed_seed(stream, request_id, salt));
  }
  // The seed of that generator: Rng(keyed_seed(...)) is keyed_rng(...). A caller that needs
  // one number passes it to Rng::first_output / first_uniform or
  // Distribution::sample_time_keyed, which skip seeding the whole generator.
  static std::uint64_t keyed_seed(std::uint64_t stream, std::uint64_t request_id, std::uint64_t salt) {
    return mix64(stream, request_id * 0x9e3779b97f4a7c15ULL + salt);
  }

 private:
  friend class Simulation;
  void record_trace_span(CallId call, TraceSpan::Kind kind, Time begin, Time end);
  // reply() for all but its common case: a second answer, a caller gone, a faulted link, a tracer.
  [[gnu::noinline]] bool reply_otherwise(CallId call, Status status, Result result);
  void record_trace_mark(const RequestInfo& req, TraceSpan::Kind kind, Time begin, Time end);
  Simulation& sim_;
  const Time& now_;
  std::uint32_t self_ = 0;
  bool tracing_ = false;
};

}  // namespace archsim
