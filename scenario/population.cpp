#include "scenario/population.h"

#include <algorithm>

#include "scenario/errors.h"
#include "sim/text_list.h"

namespace archsim {

PopulationMembers resolve_population(const RequestPopulation& sel, const std::vector<std::string>& ids,
                                     const std::vector<std::string>& types, const std::vector<char>& ends_requests,
                                     const std::vector<std::string>& routes) {
  auto ends = [&](std::size_t c) { return c < ends_requests.size() && ends_requests[c]; };
  std::vector<std::string> clients;  // the components that end requests, for the messages
  for (std::size_t c = 0; c < ids.size(); ++c)
    if (ends(c)) clients.push_back(ids[c]);
  for (const std::string& id : ids)
    if (id == sel.series)
      throw ScenarioError(sel.pointer, "a component is named \"" + id + "\": the series of these requests would mix with "
                                       "its own in timeseries.csv (rename the component)");
  PopulationMembers m;
  m.series = sel.series;
  m.clients_named = !sel.clients.empty();
  m.routes_named = !sel.routes.empty();
  m.clients.assign(ids.size(), 0);
  for (std::size_t c = 0; c < ids.size(); ++c) m.clients[c] = sel.clients.empty() && ends(c);
  for (const auto& [id, pointer] : sel.clients) {
    const std::size_t c = static_cast<std::size_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
    if (c == ids.size() || !ends(c))
      throw ScenarioError(pointer, (c == ids.size() ? "no component is named \"" + id + "\""
                                                    : "\"" + id + "\" is a " + types[c] + ", not a client") +
                                       did_you_mean(id, clients) + " (clients: " + join_items(clients, ", ") + ")");
    m.clients[c] = 1;
  }
  m.routes.assign(routes.size(), sel.routes.empty() ? 1 : 0);
  for (const auto& [name, pointer] : sel.routes) {
    const std::size_t i = static_cast<std::size_t>(std::find(routes.begin(), routes.end(), name) - routes.begin());
    if (i == routes.size())
      throw ScenarioError(pointer, "no route is named \"" + name + "\"" + did_you_mean(name, routes) + " (routes: " +
                                       join_items(routes, ", ") + ")");
    m.routes[i] = 1;
  }
  return m;
}

}  // namespace archsim
