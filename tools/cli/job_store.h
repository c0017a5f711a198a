// The finished jobs of a sweep, kept in the output folder as they finish (DIR/jobs/<key>.job,
// each written whole: a temporary file renamed into place), so that a sweep that dies — a
// killed process, an MPI rank lost and the job aborted — can be re-run with --resume and
// runs only the jobs that are missing. A key hashes the base scenario, the job's sets, seed
// and outputs (tools/cli/sweep.h job_key), so a changed scenario never reuses a result. The
// folder also holds BUILD, the hash of the archsim executable that wrote it: --resume refuses
// a folder another build wrote (a changed engine would mix old and new results).
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tools/cli/executor.h"
#include "tools/cli/sweep.h"

namespace archsim::cli {

class JobStore {
 public:
  // `dir`: the jobs/ folder of the output folder; created on the first put(). The temporary
  // files (NAME.tmp-PID) that an earlier sweep left there are removed once their process is
  // gone (killed while writing one).
  JobStore(std::filesystem::path dir, std::uint64_t scenario_hash);
  std::optional<JobOutput> get(const JobSpec& spec) const;
  // For --resume: true when the folder holds no job or was written by this build; otherwise
  // prints one line naming the folder and both builds and returns false (exit 2).
  bool same_build() const;
  // Keeps a successful job. Returns false when it cannot be written (a full disk), its
  // temporary file removed; the first such failure of the sweep is said in one line, the
  // others only counted (a full disk fails every job after it the same way).
  bool put(const JobSpec& spec, const JobOutput& out);
  // Moves the files of `specs` and BUILD into `to` (the staging folder's jobs/): the folder
  // that replaces the output folder keeps the jobs of this sweep and no others.
  bool move_into(const std::vector<JobSpec>& specs, const std::filesystem::path& to) const;

 private:
  std::filesystem::path file(const JobSpec& spec) const;
  std::filesystem::path dir_;
  std::uint64_t hash_;
  bool build_written_ = false;
  std::size_t unkept_ = 0;  // jobs put() could not write
};

// The hash of this process's executable (/proc/self/exe), as 16 hex digits; "unknown" when
// it cannot be read.
const std::string& build_id();

struct SweepOutcome {
  std::vector<JobOutput> outputs;  // in job order
  std::vector<bool> have;          // false: the job never reported (lost with its MPI rank)
  std::size_t reused = 0;          // taken from the store (--resume)
  bool complete = true;            // every job reported
};

// Runs `jobs` on `exec`, keeping each successful result in `store` as it arrives; with
// `resume`, the jobs the store already has are read back instead of run.
SweepOutcome run_sweep(Executor& exec, JobStore& store, bool resume, const std::vector<JobSpec>& jobs,
                       const std::function<void(double)>& progress);

// After a sweep: says how many jobs --resume took from the store; when the run was
// interrupted, prints how many jobs finished and are kept in `kept` (run again with
// --resume to run only the others) and returns the interrupted exit code; otherwise 0.
int sweep_interrupted(const SweepOutcome& sweep, std::size_t jobs, const std::filesystem::path& kept);

// After a sweep: 0 when every job reported a result. Otherwise prints one line — the first
// job that failed (labelled by `label_of(job index)`) or how many were lost, how many
// finished and are kept in `kept`, and that --resume runs only the others — and returns 1.
int sweep_failures(const SweepOutcome& sweep, const std::vector<JobSpec>& jobs, const std::string& scenario_file,
                   const std::function<std::string(std::size_t)>& label_of, const std::filesystem::path& kept);

}  // namespace archsim::cli
