// The thread executor: a pool of threads that take the next job of the list until none is
// left. Each job owns its Simulation, so jobs share nothing but the (read-only) base scenario
// and registry.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "tools/cli/commands.h"
#include "tools/cli/executor.h"

namespace archsim::cli {

namespace {

class ThreadExecutor final : public Executor {
 public:
  ThreadExecutor(const nlohmann::json& base, const Registry& registry, int threads)
      : base_(base), registry_(registry), threads_(std::max(1, threads)) {}

  bool run(const std::vector<JobSpec>& jobs, const JobDone& done, const std::function<void(double)>& progress) override {
    const std::size_t n = jobs.size();
    if (n == 0) return true;
    const int t = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads_), n));
    std::atomic<std::size_t> next{0};
    std::mutex mu;
    std::size_t finished = 0;
    std::vector<double> running(static_cast<std::size_t>(t), 0.0);  // fraction of each worker's job
    auto report = [&] {  // under mu
      if (!progress) return;
      double sum = static_cast<double>(finished);
      for (double f : running) sum += f;
      progress(sum / static_cast<double>(n));
    };
    auto worker = [&](int w) {
      for (std::size_t k = next++; k < n; k = next++) {
        JobOutput out = run_job(base_, jobs[k], registry_, [&](double f) {
          std::lock_guard<std::mutex> lock(mu);
          running[static_cast<std::size_t>(w)] = f;
          report();
        });
        std::lock_guard<std::mutex> lock(mu);
        running[static_cast<std::size_t>(w)] = 0;
        ++finished;
        done(k, std::move(out));
        report();
      }
    };
    std::vector<std::thread> pool;
    for (int i = 1; i < t; ++i) pool.emplace_back(worker, i);
    worker(0);
    for (auto& th : pool) th.join();
    return true;
  }

  std::string describe() const override { return std::to_string(threads_) + (threads_ == 1 ? " thread" : " threads"); }

 private:
  const nlohmann::json& base_;
  const Registry& registry_;
  int threads_;
};

}  // namespace

std::unique_ptr<Executor> make_thread_executor(const nlohmann::json& base, const Registry& registry, int threads) {
  return std::make_unique<ThreadExecutor>(base, registry, threads);
}

int default_threads() {
  const unsigned cores = std::thread::hardware_concurrency();  // 0: unknown
  return static_cast<int>(std::clamp(cores, 1u, 256u));
}

}  // namespace archsim::cli
