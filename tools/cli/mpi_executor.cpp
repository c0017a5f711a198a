#include "tools/cli/mpi_executor.h"

#include "tools/cli/job_store.h"

#include <cstdlib>
#include <iostream>

#ifdef ARCHSIM_WITH_MPI
#include <mpi.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "tools/cli/mpi_ranks.h"
#endif

namespace archsim::cli {

QuietUnlessRankZero::QuietUnlessRankZero() : quiet_(mpi_rank() != 0) {
  if (!quiet_) return;
  std::cout.setstate(std::ios::badbit);
  std::cerr.setstate(std::ios::badbit);
}
QuietUnlessRankZero::~QuietUnlessRankZero() {
  if (!quiet_) return;
  std::cout.clear();
  std::cerr.clear();
}

#ifndef ARCHSIM_WITH_MPI

void mpi_start(int*, char***) {}
void mpi_finish() {}
int mpi_rank() { return 0; }
int mpi_size() { return 1; }

std::unique_ptr<Executor> make_sweep_executor(const std::optional<nlohmann::json>& base, const std::string&,
                                              const std::string&, const Registry& registry, int threads, bool,
                                              int* worker_exit) {
  *worker_exit = 0;
  if (!base) return nullptr;
  return make_thread_executor(*base, registry, threads);
}

#else
// The MPI sweep's entry points and its workers. Rank 0's executor is
// tools/cli/mpi_dispatch.cpp; what both sides share, tools/cli/mpi_ranks.h.

using namespace mpi;

namespace {

// Launched by an MPI launcher with more than one rank? (Open MPI's mpirun, or a PMI/PMIx
// launcher such as Slurm's srun.) A plain `archsim` never starts MPI.
bool launched_with_ranks() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS"})
    if (const char* v = std::getenv(var); v && std::atoi(v) > 1) return true;
  return false;
}

// Ranks 1..N-1: run the jobs rank 0 sends until it says stop. A job runs on a thread while
// this one beats (kTagAlive with the job's progress) so that rank 0 can tell a long job from
// a lost rank.
void serve(const nlohmann::json& base, const Registry& registry) {
  // A worker that the launcher stops (SIGTERM on Ctrl-C) or that is told to stop from outside
  // ends as a lost rank does. With compare's handlers (tools/cli/interrupt.h) it would instead
  // cut its job short and send the partial summary as its result, and rank 0 would keep it for
  // --resume as if complete: the encoding carries no `partial` (tools/cli/sweep.h).
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  for (;;) {
    MPI_Status st;
    if (!probe_sleeping(0, MPI_ANY_TAG, &st)) {  // rank 0 is gone: nobody to finalize with
      g_peer_lost = true;
      return;
    }
    const std::string msg = recv_text(0, st.MPI_TAG, &st);
    if (st.MPI_TAG == kTagStop) {
      g_peer_lost = msg == "lost";
      return;
    }
    std::string payload;
    const std::size_t k = split_index(msg, &payload);
    JobOutput out;
    if (auto spec = decode_spec(payload); spec && k != SIZE_MAX) {
      std::mutex mu;
      std::condition_variable cv;
      bool finished = false;
      std::atomic<double> fraction{0};
      std::thread job([&] {
        JobOutput o = run_job(base, *spec, registry, [&](double f) { fraction = f; });
        std::lock_guard<std::mutex> lock(mu);
        out = std::move(o);
        finished = true;
        cv.notify_one();
      });
      {
        std::unique_lock<std::mutex> lock(mu);
        while (!cv.wait_for(lock, kBeat, [&] { return finished; })) {
          char f[32];
          std::snprintf(f, sizeof f, "%.4f", fraction.load());
          send_text(with_index(k, f), 0, kTagAlive);
        }
      }
      job.join();
      // A signal that came before the handlers were reset: never a result rank 0 would keep.
      if (out.partial && out.error.empty()) out.error = "rank " + std::to_string(g_rank) + " was interrupted during the job";
    } else {
      out.error = "rank " + std::to_string(g_rank) + " received a job archsim cannot read";
    }
    send_text(with_index(k, encode_job(out)), 0, kTagResult);
  }
}

}  // namespace

void mpi_start(int* argc, char*** argv) {
  if (!launched_with_ranks()) return;
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  // A send to a lost rank returns an error instead of ending this process.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  g_active = g_size > 1;
  if (!g_active) MPI_Finalize();
}

void mpi_finish() {
  // MPI_Finalize waits for every rank, a lost one too: after a loss the ranks left end
  // without it (Open MPI under --enable-recovery accepts that).
  if (g_active && !g_peer_lost) MPI_Finalize();
  g_active = false;
}

int mpi_rank() { return g_rank; }
int mpi_size() { return g_active ? g_size : 1; }

std::unique_ptr<Executor> make_sweep_executor(const std::optional<nlohmann::json>& base, const std::string& load_error,
                                              const std::string& scenario_file, const Registry& registry, int threads,
                                              bool quiet, int* worker_exit) {
  *worker_exit = 0;
  if (!g_active) return base ? make_thread_executor(*base, registry, threads) : nullptr;
  // Every worker tells rank 0 the hash of the scenario it read (0: it could not read it) and
  // the build it runs; rank 0 answers each with a verdict. Point to point rather than a
  // collective, so that rank 0 can stop waiting for a worker that died before answering.
  const unsigned long long mine = base ? scenario_hash(*base) : 0ULL;
  if (g_rank != 0) {
    const std::string hello = std::to_string(mine) + "\n" + build_id();
    send_text(hello, 0, kTagHash);
    // Rank 0 answers once every worker has read the scenario: seconds for a large one. No
    // answer (MPI reports an error): rank 0 is gone, stop without finalizing.
    int verdict = kStop | kNoFinalize;
    MPI_Status st;
    if (probe_sleeping(0, kTagVerdict, &st))
      MPI_Recv(&verdict, 1, MPI_INT, 0, kTagVerdict, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (verdict & kNoFinalize) g_peer_lost = true;  // a rank was left out: rank 0 ends without MPI_Finalize
    verdict &= ~kNoFinalize;
    if (verdict == kGo) serve(*base, registry);
    if (verdict == kTellLoadError && !base) std::cerr << "archsim: MPI rank " << g_rank << ": " << load_error << "\n";
    *worker_exit = verdict == kGo || verdict == kLeftOut ? 0 : 2;
    return nullptr;
  }
  std::vector<char> heard(static_cast<std::size_t>(g_size), 0);
  std::vector<int> left_out;
  int verdict = base ? kGo : kStop;  // without the scenario rank 0 printed why; every rank stops
  const auto deadline = Clock::now() + kStartSilence;
  PollBackoff poll;
  for (int answered = 1; answered < g_size;) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, kTagHash, MPI_COMM_WORLD, &flag, &st);
    if (!flag) {
      // Under --enable-recovery a worker that died before answering would be waited for
      // forever; without it, mpirun ends the whole job when a rank dies.
      if (recovery_enabled() && Clock::now() > deadline) {
        for (int r = 1; r < g_size; ++r)
          if (!heard[static_cast<std::size_t>(r)]) left_out.push_back(r);
        break;
      }
      poll.sleep();
      continue;
    }
    poll.reset();
    const int r = st.MPI_SOURCE;
    const std::string hello = recv_text(r, kTagHash, &st);
    heard[static_cast<std::size_t>(r)] = 1;
    ++answered;
    if (verdict != kGo) continue;
    const auto nl = hello.find('\n');
    const unsigned long long theirs = std::strtoull(hello.substr(0, nl).c_str(), nullptr, 10);
    const std::string their_build = nl == std::string::npos ? "" : hello.substr(nl + 1);
    if (theirs == 0) {
      verdict = kTellLoadError;
      std::cerr << "archsim: " << scenario_file << ": MPI rank " << r << " cannot read the scenario (its error follows)\n";
    } else if (theirs != mine) {
      verdict = kStop;
      std::cerr << "archsim: " << scenario_file << ": MPI rank " << r << " reads a different scenario (hash " << hex16(theirs)
                << ", rank 0 has " << hex16(mine) << "): every rank must see the same file\n";
    } else if (their_build != build_id()) {
      verdict = kStop;
      std::cerr << "archsim: MPI rank " << r << " runs another archsim build (" << their_build << ", rank 0 runs "
                << build_id() << "): every rank must run the same build\n";
    }
  }
  if (!left_out.empty()) g_peer_lost = true;
  const int told = verdict | (left_out.empty() ? 0 : kNoFinalize);
  for (int r = 1; r < g_size; ++r) {
    if (!heard[static_cast<std::size_t>(r)]) {
      // Told without waiting: a rank that was only slow reads it when it answers, and ends.
      MPI_Request req;
      if (MPI_Isend(&kLeftOutVerdict, 1, MPI_INT, r, kTagVerdict, MPI_COMM_WORLD, &req) == MPI_SUCCESS) MPI_Request_free(&req);
      continue;
    }
    MPI_Send(&told, 1, MPI_INT, r, kTagVerdict, MPI_COMM_WORLD);
  }
  if (verdict != kGo) return nullptr;
  for (int r : left_out)
    std::cerr << "archsim: MPI rank " << r << " said nothing for " << kStartSilence.count()
              << " s at the start (it died, or cannot start): the jobs run on the other ranks\n";
  return mpi::make_mpi_executor(*base, registry, quiet, left_out);
}

#endif

}  // namespace archsim::cli
