// The queue's message ledger, checked the same way by every queue test: produced = consumed +
// dead-lettered + lost + retained at the end, something was produced, and no partition
// delivered out of order. `q` holds one queue's figures (a queue in summary.json, or one
// topic's under topics.<name>).
#pragma once
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

namespace archsim::e2e {

inline void check_queue_ledger(const nlohmann::json& q) {
  const double produced = q.at("produced"), consumed = q.at("consumed"), dlq = q.at("dead_lettered");
  const double lost = q.at("lost"), retained = q.at("retained");
  CHECK(produced > 0);
  CHECK(produced == consumed + dlq + lost + retained);
  CHECK(q.at("order_violations").get<double>() == 0);
}

}  // namespace archsim::e2e
