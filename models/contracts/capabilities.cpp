// capabilities_of (see capabilities.h).
#include "models/contracts/capabilities.h"

#include "sim/component.h"

namespace archsim {

Capabilities capabilities_of(Component& c) {
  auto* h = dynamic_cast<HasCapabilities*>(&c);
  return h ? h->capabilities() : Capabilities{};
}

}  // namespace archsim
