// The registry archsim itself builds (tools/cli/main.cpp): every built-in family and the
// ledgers' top-level keys (cost, slo, alerts). For the unit tests and fuzzers that go
// through the whole engine.
#pragma once
#include "models/register_builtin.h"
#include "reports/ledgers/ledgers.h"
#include "scenario/build.h"

namespace archsim::test {

inline const Registry& registry() {
  static const Registry r = [] {
    Registry x;
    register_builtin_models(x);
    ledgers::register_ledger_keys(x);
    return x;
  }();
  return r;
}

}  // namespace archsim::test
