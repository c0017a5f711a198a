// The queue's message ledger, checked the same way by every queue test, and its bad input: produced = consumed +
// dead-lettered + lost + retained at the end, something was produced, and no partition
// delivered out of order. `q` holds one queue's figures (a queue in summary.json, or one
// topic's under topics.<name>).
#pragma once
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

namespace archsim::e2e {

inline void check_queue_ledger(const nlohmann::json& q) {
  const double produced = q.at("produced"), consumed = q.at("consumed"), dlq = q.at("dead_lettered");
  const double lost = q.at("lost"), retained = q.at("retained");
  CHECK(produced > 0);
  CHECK(produced == consumed + dlq + lost + retained);
  CHECK(q.at("order_violations").get<double>() == 0);
}

// `archsim validate FILE --set S...` refuses the overrides: exit 2, one line that starts with
// "<file>: <pointer>" and holds `word`.
inline void check_refused(const std::string& file, const std::vector<std::string>& sets, const std::string& pointer,
                          const std::string& word) {
  std::vector<std::string> args{"validate", file};
  for (const auto& s : sets) args.insert(args.end(), {"--set", s});
  const RunResult r = run_archsim(args, 30);
  INFO(describe(r));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(file + ": " + pointer) == 0);
  CHECK(r.err.find(word) != std::string::npos);
}

}  // namespace archsim::e2e
