// The short table `archsim run` prints on the terminal, rendered from summary.json (so a
// merged replication summary prints its confidence intervals too).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace archsim {
std::string terminal_table(const nlohmann::ordered_json& summary);
}
