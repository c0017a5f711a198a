// The fault-kind table and what kinds see of the scenario (see fault_kinds.h).
#include "models/contracts/fault_kinds.h"

#include <algorithm>
#include <stdexcept>

namespace archsim {

std::uint32_t FaultWorld::component(Params& p, std::string_view key, const std::string& id) const {
  for (std::uint32_t i = 0; i < ids.size(); ++i)
    if (ids[i] == id) return i;
  p.fail(key, "unknown component \"" + id + "\"" + did_you_mean(id, ids));
}

bool offers(const Capabilities& c, Need need) {
  switch (need) {
    case Need::None: return true;
    case Need::Scalable: return c.scalable != nullptr;
    case Need::Resizable: return c.resizable != nullptr;
    case Need::Crashable: return c.crashable != nullptr;
    case Need::ZoneAware: return c.zone_aware != nullptr;
    case Need::Degradable: return c.degradable != nullptr;
    case Need::Disruptable: return c.disruptable != nullptr;
    case Need::LoadSource: return c.load_source != nullptr;
    case Need::KeyedStore: return c.keyed_store != nullptr;
  }
  return false;
}

void FaultKindRegistry::add(FaultKind kind) {
  if (!kind.read) throw std::logic_error("fault kind \"" + kind.name + "\" has no read function");
  if (find(kind.name)) throw std::logic_error("fault kind \"" + kind.name + "\" registered twice");
  kinds_.push_back(std::move(kind));
}

const FaultKind* FaultKindRegistry::find(std::string_view name) const {
  auto it = std::find_if(kinds_.begin(), kinds_.end(), [&](const FaultKind& k) { return k.name == name; });
  return it == kinds_.end() ? nullptr : &*it;
}

std::vector<std::string> FaultKindRegistry::names() const {
  std::vector<std::string> out;
  for (const FaultKind& k : kinds_) out.push_back(k.name);
  return out;
}

}  // namespace archsim
