// One line per model family (SimGrid's e.register_function): the JSON "type" names and the
// factories behind them. Explicit, so no linker drops a model from the static library.
#pragma once
#include "scenario/build.h"

namespace archsim {
void register_builtin_models(Registry& registry);
}
