// What the page shows of a queue (sim/page_section.h): produced, consumed and reprocessed rates, the
// consumer lag in messages and in time, a message's end-to-end time, idle consumers and
// in-sync replicas over time. A queue with topics names its series "<topic>.<name>" and
// "partition_lag.<n>": the patterns take them all.
#include "models/queue/queue.h"

namespace archsim::queue {

void declare_page(PageSection& page) {
  page.panel("Produced and consumed", "messages / s",
             {"/(^|\\.)produced_rps$/", "/(^|\\.)consumed_rps$/", "/(^|\\.)reprocessed_rps$/"},
             "consumed: first processings; reprocessed (a group with resets): messages processed again, a replay\u2019s "
             "work.")
      .panel("Consumer lag", "messages", {"/(^|\\.)consumer_lag$/", "/(^|\\.)consumer_uncommitted$/", "/^partition_lag\\./"},
             "Kafka\u2019s lag: the log end minus the committed offset (what KEDA and Burrow read); uncommitted: fetched but "
             "not yet committed. A line that keeps rising means the consumers cannot keep up.")
      .panel("Consumer lag in time", "seconds", {"/(^|\\.)consumer_lag_s$/"})
      .panel("End-to-end time of a message", "ms", {"/end_to_end_p\\d+_ms$/"})
      .panel("Idle consumers and in-sync replicas", "count", {"/(^|\\.)idle_consumers$/", "/(^|\\.)isr_min$/"})
      .varies();
  page.headline("produced", "produced")
      .headline("consumed", "consumed")
      .headline("consumer_lag_mean", "consumer lag (mean)", "", true)
      .headline("consumer_uncommitted_mean", "uncommitted (mean)")
      .headline("redelivered", "redelivered")
      .headline("dead_lettered", "dead letters")
      .headline("duplicates", "duplicates")
      .headline("lost", "lost")
      .headline("produce_errors", "produce errors")
      .headline("blocked_producers", "blocked producers")
      .headline("key_order_violations", "out-of-order (per key)")
      .headline("end_to_end_ms.p99", "end-to-end p99", "ms", true);
}

}  // namespace archsim::queue
