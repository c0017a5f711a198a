// Sweeps over MPI ranks: `mpirun -n N archsim compare|plan ...` (or srun under Slurm) runs
// the same command in N processes. Rank 0 is the command: it validates, hands jobs out one at
// a time to whichever rank asks next (slow jobs never stall the rest), runs jobs itself on a
// thread between messages, merges, prints progress and writes every file. The other ranks
// only serve jobs: they read the scenario themselves (after the command's --set), and rank 0
// first checks that every rank's scenario hashes the same; they receive a JobSpec, run it and
// send back the JobOutput (summary.json text, CSVs for the jobs that ask), encoded by
// tools/cli/sweep.h. The results are merged in job order, so the output is byte-identical
// to the thread executor's.
//
// Only archsim (tools/cli) links MPI, and only when CMake found it (ARCHSIM_WITH_MPI); without
// it, or when not started by an MPI launcher, every function here is a no-op for one process.
//
// Lost ranks: a worker running a job beats every 250 ms; one silent for 10 s (or that MPI
// cannot send to) is lost, its job runs again on another rank (rank 0 included, so a sweep
// finishes while rank 0 lives), and rank 0 names the rank and the job. This needs Open MPI
// to keep the job alive when a process dies: `mpirun --enable-recovery` (Open MPI 4.1 ends
// the whole job otherwise). After a loss the ranks left end without MPI_Finalize, which
// would wait for the lost one. Without --enable-recovery, or when rank 0 dies, the jobs
// finished before are in the output folder (tools/cli/job_store.h): the same command with
// --resume runs only the missing ones. At the start every worker sends rank 0 its scenario's
// hash and its build (point to point, not a collective); under --enable-recovery a worker
// silent for 20 s there (dead before it answered) is left out and told so if it was only slow.
#pragma once
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "scenario/build.h"
#include "tools/cli/executor.h"

namespace archsim::cli {

// Call first in main: initialises MPI when this process was started by mpirun or srun with
// more than one rank (and archsim was built with MPI). mpi_finish() at the end.
void mpi_start(int* argc, char*** argv);
void mpi_finish();
int mpi_rank();  // 0 without MPI
int mpi_size();  // 1 without MPI

// While it lives, std::cout and std::cerr say nothing on ranks other than 0 (a scope where
// every rank would print the same words: the command line's errors and --help).
class QuietUnlessRankZero {
 public:
  QuietUnlessRankZero();
  ~QuietUnlessRankZero();
  QuietUnlessRankZero(const QuietUnlessRankZero&) = delete;
  QuietUnlessRankZero& operator=(const QuietUnlessRankZero&) = delete;

 private:
  bool quiet_ = false;
};

// The executor of a sweep command. Without MPI: the thread executor. Under MPI, on every rank:
// compares the scenario hashes of all ranks (`base` nullopt: this rank could not read it,
// `load_error` says why; only rank 0 prints its own load error, see load_with_sets). Rank 0
// gets the MPI executor, or nullptr after printing the mismatch (exit 2); when only a worker
// could not read the scenario, that worker prints its error after rank 0's line. Other
// ranks serve jobs until rank 0 is done and get nullptr with *worker_exit set (0, or 2 on a
// mismatch): the command returns it.
std::unique_ptr<Executor> make_sweep_executor(const std::optional<nlohmann::json>& base, const std::string& load_error,
                                              const std::string& scenario_file, const Registry& registry, int threads,
                                              bool quiet, int* worker_exit);

}  // namespace archsim::cli
