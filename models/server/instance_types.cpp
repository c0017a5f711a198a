#include "models/server/instance_types.h"

namespace archsim {

namespace {

InstanceCatalogue read_catalogue(Params& top) {
  InstanceCatalogue catalogue;
  if (auto types = top.object_opt("instance_types")) {
    for (const auto& k : types->keys()) {
      if (k.empty() || k == "default")
        types->fail(k, "is not a usable instance type name (\"default\" is cost.prices_per_hour's fallback)");
      Params t = types->object(k);
      InstanceTypeSpec spec;
      spec.speed = t.number("speed", 1.0, 1e-6, 1e6);
      // The price is the cost ledger's (it wins over cost.prices_per_hour): checked here.
      if (t.has("price_per_hour")) t.number("price_per_hour", 0.0, 0.0, 1e6);
      else t.known("price_per_hour");
      spec.memory_mb = t.number("memory_mb", 0.0, 0.0, 1e9);
      catalogue[k] = spec;
    }
  }
  return catalogue;
}

const InstanceCatalogue* catalogue_of(const BuildContext& bc) {
  const std::any* v = bc.top_level("instance_types");
  return v ? std::any_cast<InstanceCatalogue>(v) : nullptr;
}

}  // namespace

void register_instance_types(Registry& r) {
  r.add_top_level("instance_types", TopLevelKey::Stage::Settings,
                  [](Params& top, const Metrics&, const std::vector<std::string>&) { return std::any(read_catalogue(top)); });
}

const InstanceTypeSpec* instance_type(const BuildContext& bc, const std::string& name) {
  const InstanceCatalogue* c = catalogue_of(bc);
  if (!c) return nullptr;
  auto it = c->find(name);
  return it == c->end() ? nullptr : &it->second;
}

std::vector<std::string> instance_type_names(const BuildContext& bc) {
  std::vector<std::string> out;
  if (const InstanceCatalogue* c = catalogue_of(bc))
    for (const auto& [k, v] : *c) out.push_back(k);
  return out;
}

}  // namespace archsim
