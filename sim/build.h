// Building a simulation from a scenario: the registry of model factories, and what a
// factory may use while it builds (BuildContext) and once every component exists
// (ConnectContext). References between components are names in JSON, resolved to indices
// before t = 0 (STYLE.md 9): nothing is looked up by string during a run.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/component.h"
#include "sim/context.h"
#include "sim/params.h"
#include "sim/random.h"

namespace archsim {

class Simulation;

// How one component depends on another; synchronous calls must not form a cycle.
enum class RefKind : std::uint8_t { SyncCall, AsyncSend, Control };

class BuildContext {
 public:
  BuildContext(Simulation& sim, std::uint32_t index) : sim_(sim), index_(index) {}
  const std::string& id() const;
  std::uint32_t index() const { return index_; }
  std::uint64_t run_seed() const;
  // This component's own random stream; `purpose` separates independent streams.
  Rng rng(std::uint64_t purpose = 0) const { return Rng::stream(run_seed(), id(), purpose); }
  std::uint64_t stream_seed(std::uint64_t purpose = 0) const { return mix64(mix64(run_seed(), hash_name(id())), purpose + 0x51); }
  Metrics& metrics();
  Time duration() const;
  Time warmup() const;
  // The component id at `key` in `p`, to be resolved to a link once all components exist.
  RefId reference(Params& p, std::string_view key, RefKind kind);
  RefId reference_to(const std::string& target_id, const std::string& pointer, RefKind kind);
  // Interned route names: the same name gives the same index in every component.
  std::uint32_t route_index(const std::string& name);
  // Zone of this component ("" when none).
  const std::string& zone() const;

 private:
  Simulation& sim_;
  std::uint32_t index_;
};

class ConnectContext {
 public:
  ConnectContext(Simulation& sim, std::uint32_t index) : sim_(sim), index_(index) {}
  Component& target(RefId ref) const;
  const std::string& pointer(RefId ref) const;
  [[noreturn]] void fail(RefId ref, const std::string& message) const;
  std::uint32_t route_count() const;
  const std::string& route_name(std::uint32_t i) const;

 private:
  Simulation& sim_;
  std::uint32_t index_;
};

using Factory = std::function<std::unique_ptr<Component>(Params&, BuildContext&)>;

class Registry {
 public:
  void add(std::string type, Factory factory) { factories_[std::move(type)] = std::move(factory); }
  const Factory* find(const std::string& type) const {
    auto it = factories_.find(type);
    return it == factories_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : factories_) out.push_back(k);
    return out;
  }

 private:
  std::map<std::string, Factory> factories_;
};

}  // namespace archsim
