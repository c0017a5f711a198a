#include "tools/cli/mpi_executor.h"

#include <cstdlib>
#include <iostream>

#ifdef ARCHSIM_WITH_MPI
#include <mpi.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace archsim::cli {

#ifndef ARCHSIM_WITH_MPI

void mpi_start(int*, char***) {}
void mpi_finish() {}
int mpi_rank() { return 0; }
int mpi_size() { return 1; }

std::unique_ptr<Executor> make_sweep_executor(const std::optional<nlohmann::json>& base, const std::string&,
                                              const Registry& registry, int threads, bool, int* worker_exit) {
  *worker_exit = 0;
  if (!base) return nullptr;
  return make_thread_executor(*base, registry, threads);
}

#else

namespace {

bool g_active = false;
int g_rank = 0, g_size = 1;

enum Tag : int { kTagHash = 1, kTagVerdict = 2, kTagJob = 3, kTagResult = 4, kTagStop = 5 };

// Launched by an MPI launcher with more than one rank? (Open MPI's mpirun, or a PMI/PMIx
// launcher such as Slurm's srun.) A plain `archsim` never starts MPI.
bool launched_with_ranks() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS"})
    if (const char* v = std::getenv(var); v && std::atoi(v) > 1) return true;
  return false;
}

void send_text(const std::string& s, int to, int tag) {
  MPI_Send(s.data(), static_cast<int>(s.size()), MPI_CHAR, to, tag, MPI_COMM_WORLD);
}

// Receives the next message from `from` (MPI_ANY_SOURCE allowed); returns its text.
std::string recv_text(int from, int tag, MPI_Status* st) {
  MPI_Probe(from, tag, MPI_COMM_WORLD, st);
  int n = 0;
  MPI_Get_count(st, MPI_CHAR, &n);
  std::string s(static_cast<std::size_t>(n), '\0');
  MPI_Recv(s.data(), n, MPI_CHAR, st->MPI_SOURCE, st->MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return s;
}

// What rank 0 says when the launcher stops it (Open MPI ends the job with SIGTERM when a
// rank dies): how far the sweep got and how to finish it. Formatted after every job into the
// spare one of two buffers, then published, so the handler only calls write().
char g_stop_text[2][320];
std::atomic<int> g_stop_current{-1};

void on_stop_signal(int sig) {
  const int i = g_stop_current.load();
  if (i >= 0) {
    const char* t = g_stop_text[i];
    std::size_t n = 0;
    while (t[n]) ++n;
    [[maybe_unused]] auto w = ::write(STDERR_FILENO, t, n);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void publish_stop_text(std::size_t finished, std::size_t total) {
  const int next = g_stop_current.load() == 0 ? 1 : 0;
  std::snprintf(g_stop_text[next], sizeof g_stop_text[next],
                "archsim: the MPI job was stopped (a rank died?) with %zu of %zu jobs of this round finished; they are "
                "kept in the output folder's jobs/: the same command with --resume runs only the missing ones\n",
                finished, total);
  g_stop_current.store(next);
}

// "<index>\n<payload>"
std::string with_index(std::size_t index, const std::string& payload) { return std::to_string(index) + "\n" + payload; }
std::size_t split_index(const std::string& msg, std::string* payload) {
  const auto nl = msg.find('\n');
  *payload = msg.substr(nl + 1);
  return static_cast<std::size_t>(std::stoull(msg.substr(0, nl)));
}

// Rank 0. Workers (ranks 1..N-1) are either idle (waiting for a job or the stop) or running
// exactly one job; rank 0 also runs one job at a time on its own thread, and polls for
// results between, so that it is a worker too and not only a dispatcher.
class MpiExecutor final : public Executor {
 public:
  MpiExecutor(const nlohmann::json& base, const Registry& registry, bool quiet)
      : base_(base), registry_(registry), quiet_(quiet) {
    for (int r = 1; r < g_size; ++r) idle_.push_back(r);
    std::signal(SIGTERM, on_stop_signal);
  }
  ~MpiExecutor() override {
    for (int r : idle_) send_text("", r, kTagStop);
  }

  bool run(const std::vector<JobSpec>& jobs, const JobDone& done, const std::function<void(double)>& progress) override {
    const std::size_t n = jobs.size();
    std::size_t next = 0, finished = 0;
    int busy = 0;
    auto start = std::chrono::steady_clock::now();
    auto last_line = start;
    publish_stop_text(0, n);
    auto report = [&] {
      publish_stop_text(finished, n);
      if (progress) progress(static_cast<double>(finished) / static_cast<double>(n));
      const auto now = std::chrono::steady_clock::now();
      if (!quiet_ && (now - last_line > std::chrono::seconds(2) || finished == n)) {
        last_line = now;
        const double s = std::chrono::duration<double>(now - start).count();
        std::fprintf(stderr, "archsim: %zu/%zu jobs done on %d MPI ranks (%.1f s)\n", finished, n, g_size, s);
      }
    };
    // Rank 0's own job, on a thread: one at a time.
    std::thread local;
    std::atomic<bool> local_done{false};
    bool local_busy = false;
    std::size_t local_index = 0;
    JobOutput local_out;
    auto start_local = [&](std::size_t k) {
      local_busy = true;
      local_index = k;
      local_done = false;
      local = std::thread([&, k] {
        local_out = run_job(base_, jobs[k], registry_);
        local_done = true;
      });
    };
    while (finished < n) {
      // Hand out what idle ranks can take.
      while (next < n && !idle_.empty()) {
        const int r = idle_.back();
        idle_.pop_back();
        send_text(with_index(next, encode_spec(jobs[next])), r, kTagJob);
        ++next;
        ++busy;
      }
      if (next < n && !local_busy) start_local(next++);
      bool any = false;
      if (local_busy && local_done) {
        local.join();
        local_busy = false;
        ++finished;
        done(local_index, std::move(local_out));
        report();
        any = true;
      }
      int flag = 0;
      MPI_Status st;
      if (busy > 0) MPI_Iprobe(MPI_ANY_SOURCE, kTagResult, MPI_COMM_WORLD, &flag, &st);
      if (flag) {
        std::string payload;
        const std::string msg = recv_text(st.MPI_SOURCE, kTagResult, &st);
        const std::size_t k = split_index(msg, &payload);
        auto out = decode_job(payload);
        if (!out) {
          out = JobOutput{};
          out->error = "rank " + std::to_string(st.MPI_SOURCE) + " sent a result archsim cannot read";
        }
        idle_.push_back(st.MPI_SOURCE);
        --busy;
        ++finished;
        done(k, std::move(*out));
        report();
        any = true;
      }
      if (!any) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
  }

  std::string describe() const override {
    return std::to_string(g_size) + " MPI ranks";
  }

 private:
  const nlohmann::json& base_;
  const Registry& registry_;
  bool quiet_;
  std::vector<int> idle_;
};

// Ranks 1..N-1: run the jobs rank 0 sends until it says stop.
void serve(const nlohmann::json& base, const Registry& registry) {
  for (;;) {
    MPI_Status st;
    MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    const std::string msg = recv_text(0, st.MPI_TAG, &st);
    if (st.MPI_TAG == kTagStop) return;
    std::string payload;
    const std::size_t k = split_index(msg, &payload);
    JobOutput out;
    if (auto spec = decode_spec(payload)) {
      fault_point(k, /*or_later=*/true);
      out = run_job(base, *spec, registry);
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
  g_active = g_size > 1;
  if (!g_active) MPI_Finalize();
}

void mpi_finish() {
  if (g_active) MPI_Finalize();
  g_active = false;
}

int mpi_rank() { return g_rank; }
int mpi_size() { return g_active ? g_size : 1; }

std::unique_ptr<Executor> make_sweep_executor(const std::optional<nlohmann::json>& base, const std::string& scenario_file,
                                              const Registry& registry, int threads, bool quiet, int* worker_exit) {
  *worker_exit = 0;
  if (!g_active) return base ? make_thread_executor(*base, registry, threads) : nullptr;
  // Every rank's hash of the scenario it read (0: could not read it) to rank 0.
  unsigned long long mine = base ? scenario_hash(*base) : 0ULL;
  std::vector<unsigned long long> all(static_cast<std::size_t>(g_size));
  MPI_Gather(&mine, 1, MPI_UNSIGNED_LONG_LONG, all.data(), 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  int verdict = 0;  // 0 go, 2 stop
  if (g_rank == 0 && base) {
    for (int r = 1; r < g_size && verdict == 0; ++r)
      if (all[static_cast<std::size_t>(r)] != mine) {
        verdict = 2;
        if (all[static_cast<std::size_t>(r)] == 0)
          std::cerr << "archsim: " << scenario_file << ": MPI rank " << r << " cannot read the scenario (see its error)\n";
        else
          std::cerr << "archsim: " << scenario_file << ": MPI rank " << r << " reads a different scenario (hash "
                    << hex16(all[static_cast<std::size_t>(r)]) << ", rank 0 has " << hex16(mine)
                    << "): every rank must see the same file\n";
      }
  }
  if (g_rank == 0 && !base) verdict = 2;
  MPI_Bcast(&verdict, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (g_rank != 0) {
    if (verdict == 0) serve(*base, registry);
    *worker_exit = verdict;
    return nullptr;
  }
  if (verdict != 0) return nullptr;
  return std::make_unique<MpiExecutor>(*base, registry, quiet);
}

#endif

}  // namespace archsim::cli
