// Executors run the jobs of a sweep (tools/cli/sweep.h): threads in this process, or MPI
// ranks (tools/cli/mpi_executor.h) when archsim runs under mpirun or srun. The caller never
// sees which: it hands over jobs and gets one JobOutput per job back, and merges them in job
// order, so the merged results do not depend on the executor or its worker count.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/build.h"
#include "tools/cli/sweep.h"

namespace archsim::cli {

// Called once per job as it finishes, one call at a time (never concurrently), with the
// job's index in the list given to run().
using JobDone = std::function<void(std::size_t index, JobOutput&& out)>;

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs every job of `jobs` on the base scenario the executor was made with. `progress`
  // (fraction of the jobs done) is called one call at a time, from the calling thread or a
  // worker. Returns when every job has reported, or returns false (after printing why)
  // when some job can no longer report (an MPI rank died): the jobs that did report have.
  virtual bool run(const std::vector<JobSpec>& jobs, const JobDone& done, const std::function<void(double)>& progress) = 0;
  // "2 threads", "4 MPI ranks (3 workers)": for messages.
  virtual std::string describe() const = 0;
};

// Runs jobs on `threads` threads of this process, jobs of any variant side by side.
std::unique_ptr<Executor> make_thread_executor(const nlohmann::json& base, const Registry& registry, int threads);

}  // namespace archsim::cli
