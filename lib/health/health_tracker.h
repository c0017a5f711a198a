// Health tracker: which members of a set (a balancer's targets; later a database's nodes or
// a cache cluster's shards) are fit to receive traffic, from two kinds of evidence.
//
// Follows (the balancer's header, models/balancer/balancer.h, cites the same sources):
//  - Active health checks as Envoy (source/common/upstream/health_checker_impl.cc), NGINX Plus
//    and HAProxy (`inter`, `fall`, `rise`) run them: each probe result is reported;
//    `unhealthy_threshold` consecutive failures mark the member down, `healthy_threshold`
//    consecutive successes bring it back. Members start healthy (NGINX's default).
//    Defaults are HAProxy's: fall 3, rise 2.
//  - Passive outlier detection as Envoy's consecutive_5xx
//    (source/common/upstream/outlier_detection_impl.cc): every failed answer counts, a
//    success resets the count, an answer that says nothing about the member's health (the
//    owner decides: the balancer passes 429 as neutral) leaves it; `consecutive_failures`
//    in a row eject the member for base_ejection_time x (times ejected so far), capped by
//    max_ejection_time; at most max_ejection_percent of the members are ejected at once, but
//    at least one may always be (Envoy's rule). An ejection that the cap refuses leaves
//    the count where it is, so the next failure asks again. Ejected members come back at
//    the owner's sweep (Envoy checks at each `interval`), not at the exact expiry.
//
// A member is eligible when it is healthy by the checks and not ejected. The tracker is pure:
// no Context, no timers, no metrics. The owner sends the probes, runs the sweep timer and
// keeps its statistics; each call that can change eligibility says whether it did.
//
// Cost: O(1) per result, O(members) per sweep and per ejection (the cap counts the ejected);
// no allocation after construction.
#pragma once
#include <cstdint>
#include <vector>

#include "sim/time.h"

namespace archsim::health {

struct ActiveCheckParams {
  std::uint32_t unhealthy_threshold = 3;  // consecutive failed probes to mark a member down, >= 1
  std::uint32_t healthy_threshold = 2;    // consecutive good probes to bring it back, >= 1
};

struct OutlierParams {
  bool on = false;
  std::uint32_t consecutive_failures = 5;  // >= 1
  Time base_ejection = 30 * kSecond;
  Time max_ejection = 300 * kSecond;       // >= base_ejection
  double max_ejection_percent = 10;        // [0, 100]
};

// What a request's answer says about the member that gave it.
enum class Outcome : std::uint8_t { success, failure, neutral };

class HealthTracker {
 public:
  HealthTracker() = default;
  HealthTracker(std::size_t members, const ActiveCheckParams& active, const OutlierParams& outlier);

  std::size_t size() const { return members_.size(); }
  bool eligible(std::uint32_t m) const { return members_[m].checks_ok && !members_[m].ejected; }
  bool ejected(std::uint32_t m) const { return members_[m].ejected; }
  bool checks_ok(std::uint32_t m) const { return members_[m].checks_ok; }

  // An active probe's result. True when the member's eligibility changed.
  bool probe_result(std::uint32_t m, bool ok);

  // A request's answer (passive outlier detection; a no-op when it is off). True when the
  // member's eligibility changed (it was ejected).
  bool request_result(std::uint32_t m, Outcome outcome, Time now);

  // Brings back every ejected member whose ejection time is over at `now`, calling
  // changed(m) for each, in member order.
  template <class F>
  void sweep(Time now, F&& changed) {
    for (std::uint32_t m = 0; m < members_.size(); ++m)
      if (members_[m].ejected && now - members_[m].ejected_at >= ejection_span(m)) {
        members_[m].ejected = false;
        changed(m);
      }
  }

  // How long the member's current (or next) ejection lasts.
  Time ejection_span(std::uint32_t m) const;

 private:
  struct Member {
    bool checks_ok = true, ejected = false;
    std::uint32_t fail_streak = 0, ok_streak = 0, consecutive_failures = 0, times_ejected = 0;
    Time ejected_at = 0;
  };
  bool try_eject(std::uint32_t m, Time now);

  ActiveCheckParams active_;
  OutlierParams outlier_;
  std::vector<Member> members_;
};

}  // namespace archsim::health
