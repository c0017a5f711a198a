// The interface every model implements (OMNeT++'s initialize / handleMessage / finish).
//
// A component is built from validated parameters by its factory, connected to the
// components it references, started at t = 0, then fed events: a request arriving (a call
// to answer), a reply to a call it made, or one of its own timers. It acts only through the
// Context (sim/context.h); it never sees the scheduler or any output format. At the end it
// is asked for its figures (ComponentReport).
#pragma once
#include <cstdint>
#include <string>

#include "sim/pool.h"
#include "sim/request.h"

namespace archsim {

class Context;
class ConnectContext;
class ComponentReport;
struct Description;
using CallId = Handle;

class Component {
 public:
  virtual ~Component() = default;

  // After every component exists: resolve pointers to other components (rarely needed).
  virtual void connect(ConnectContext&) {}
  // At t = 0: schedule first arrivals, ticks, ...
  virtual void start(Context&) {}
  // A call arrived: answer it exactly once with ctx.reply(call, status), now or later.
  virtual void on_request(Context& ctx, CallId call) = 0;
  // A call this component made has ended (reply or timeout). `token` is what was passed to call().
  virtual void on_reply(Context&, CallId /*call*/, Status, std::uint64_t /*token*/) {}
  // One of this component's timers fired.
  virtual void on_timer(Context&, std::uint16_t /*tag*/, std::uint64_t /*data*/) {}
  // End of run: report family-specific figures.
  virtual void finish(Context&, ComponentReport&) {}

  // Whether this component can be the target of a synchronous call (clients cannot).
  virtual bool accepts_calls() const { return true; }
  // For analysis without simulation (scenario/describe.h): what a model says about itself.
  virtual void describe(Description&) const {}
  // Bytes this component will hold at its peak that grow with the scenario's numbers (users,
  // sessions, table sizes), estimated once built; the engine refuses a scenario whose
  // estimate exceeds its memory budget (Simulation::kMemoryBudget) before t = 0.
  virtual std::uint64_t memory_estimate() const { return 0; }

  const std::string& id() const { return id_; }
  const std::string& type() const { return type_; }
  std::uint32_t index() const { return index_; }

 private:
  friend class Simulation;
  std::string id_, type_;
  std::uint32_t index_ = 0;
};

}  // namespace archsim
