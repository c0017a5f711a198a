// A part of the client requests that a top-level key's reader asks the engine to count apart
// (an SLO's scope: reports/ledgers/slo.h), by names, and its resolution against the scenario
// into the membership the engine's ledger counts (sim/request_ledger.h PopulationMembers).
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/request_ledger.h"

namespace archsim {

// Asked for by a top-level key's reader (scenario/build.h TopLevelKey, Stage::Series, returns
// one): the requests that the components `clients` end, on `routes` (empty: every client,
// every route). Each name comes with the JSON pointer an error about it names. `series` is
// the component name of its series in timeseries.csv (no scenario component may have it).
struct RequestPopulation {
  std::string series;
  std::string pointer;  // of the whole selection, for an error about it as a whole
  std::vector<std::pair<std::string, std::string>> clients, routes;
};

// What a top-level key's reader (the SLO's) hands the engine at Stage::Series: a population
// to count apart, and the latency within which an answer is in time (0: none declared).
struct LedgerAsk {
  std::optional<RequestPopulation> population;
  Time deadline = 0;
};

// `sel` among the scenario's components (`ids` and `types` by index; `ends_requests[c]`:
// component c ends requests, a client) and routes (`routes`, by interned index). Throws
// ScenarioError at the pointer of a name that is not a client or not a route, or at the
// selection's when a component has its series' name.
PopulationMembers resolve_population(const RequestPopulation& sel, const std::vector<std::string>& ids,
                                     const std::vector<std::string>& types, const std::vector<char>& ends_requests,
                                     const std::vector<std::string>& routes);

}  // namespace archsim
