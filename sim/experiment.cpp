#include "sim/experiment.h"

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "sim/simulation.h"

namespace archsim {

std::vector<RunResult> run_replications(const nlohmann::json& doc, const Registry& registry, std::uint64_t base_seed,
                                        int n, int threads, const std::function<void(double)>& progress) {
  std::vector<RunResult> results(static_cast<std::size_t>(n));
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n));
  std::atomic<int> next{0};
  std::vector<double> fraction(static_cast<std::size_t>(n), 0.0);
  std::mutex mu;
  auto worker = [&](bool report) {
    for (int k = next++; k < n; k = next++) {
      try {
        Simulation sim(doc, registry, base_seed + static_cast<std::uint64_t>(k));
        sim.run([&](double f) {
          std::lock_guard<std::mutex> lock(mu);
          fraction[static_cast<std::size_t>(k)] = f;
          if (report && progress) {
            double sum = 0;
            for (double x : fraction) sum += x;
            progress(sum / n);
          }
        });
        results[static_cast<std::size_t>(k)] = sim.result();
      } catch (...) {
        errors[static_cast<std::size_t>(k)] = std::current_exception();
      }
    }
  };
  int t = std::max(1, std::min(threads, n));
  std::vector<std::thread> pool;
  for (int i = 1; i < t; ++i) pool.emplace_back(worker, false);
  worker(true);
  for (auto& th : pool) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return results;
}

}  // namespace archsim
