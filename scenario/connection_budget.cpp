#include "scenario/connection_budget.h"

namespace archsim {

void ConnectionBudget::pool(std::uint32_t from, RefId ref, std::uint64_t size, std::string pointer) {
  pools_.push_back(Pool{from, ref, size, std::move(pointer)});
}
void ConnectionBudget::instances(std::uint32_t at, std::uint64_t count, std::string pointer) {
  counts_.push_back(Count{at, count, std::move(pointer)});
}
void ConnectionBudget::scaler(RefId ref, std::uint64_t max, std::string pointer) {
  scalers_.push_back(Scaler{ref, max, std::move(pointer)});
}
void ConnectionBudget::limit(std::uint32_t at, std::uint64_t max, std::string pointer, std::string what) {
  limits_.push_back(Limit{at, max, std::move(pointer), std::move(what)});
}

}  // namespace archsim
