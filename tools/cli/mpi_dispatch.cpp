// The MPI sweep's rank 0 (tools/cli/mpi_executor.h): hands the jobs out, runs its own share
// on a thread, takes the workers' beats and results, and runs a lost rank's job again.
#ifdef ARCHSIM_WITH_MPI
#include "tools/cli/mpi_ranks.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>

#include "tools/cli/job_store.h"

namespace archsim::cli::mpi {

namespace {

// What rank 0 says when the launcher stops it (Open MPI sends every rank SIGTERM on Ctrl-C,
// and without --enable-recovery when a rank dies): how far the sweep got and how to finish it. Formatted
// after every job into the spare one of two buffers, then published, so the handler only
// calls write().
char g_stop_text[2][480];
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
                "archsim: the MPI job was stopped (Ctrl-C, or a rank died) with %zu of %zu jobs of this round finished; they are "
                "kept in the output folder's jobs/: the same command with --resume runs only the missing ones%s\n",
                finished, total,
                recovery_enabled() ? "" : " (under mpirun --enable-recovery a lost rank costs only its job)");
  g_stop_current.store(next);
}

// Rank 0. Workers (ranks 1..N-1) are idle (waiting for a job or the stop), running exactly
// one job, or lost; rank 0 also runs one job at a time on its own thread, and polls for
// messages between, so that it is a worker too and not only a dispatcher. A job whose rank
// is lost goes back to the front of the queue; the lost rank gets no more jobs and its late
// messages are dropped.
class MpiExecutor final : public Executor {
 public:
  MpiExecutor(const nlohmann::json& base, const Registry& registry, bool quiet)
      : base_(base), registry_(registry), quiet_(quiet), peers_(static_cast<std::size_t>(g_size)) {
    std::signal(SIGTERM, on_stop_signal);
  }
  ~MpiExecutor() override {
    // Lost ranks are told too (a send that cannot complete is not waited for): one taken for
    // lost that was only slow then ends instead of waiting for a job forever.
    const std::string stop = g_peer_lost ? "lost" : "";
    for (int r = 1; r < g_size; ++r) {
      if (!peers_[static_cast<std::size_t>(r)].lost) {
        send_text(stop, r, kTagStop);
        continue;
      }
      MPI_Request req;
      if (MPI_Isend(stop.data(), static_cast<int>(stop.size()), MPI_CHAR, r, kTagStop, MPI_COMM_WORLD, &req) == MPI_SUCCESS)
        MPI_Request_free(&req);
    }
  }

  bool run(const std::vector<JobSpec>& jobs, const JobDone& done, const std::function<void(double)>& progress) override {
    const std::size_t n = jobs.size();
    std::size_t next = 0, finished = 0;
    std::deque<std::size_t> again;  // jobs of lost ranks, run before the others
    std::vector<char> reported(n, 0);
    struct Loss {
      int rank;
      std::size_t job;
      int rerun_on = -1;
    };
    std::vector<Loss> losses;
    auto start = Clock::now();
    auto last_line = start;
    publish_stop_text(0, n);
    // Rank 0's own job, on a thread: one at a time.
    std::thread local;
    std::atomic<bool> local_done{false};
    std::atomic<double> local_fraction{0};
    bool local_busy = false;
    std::size_t local_index = 0;
    JobOutput local_out;
    PollBackoff poll;  // how long to sleep when neither a message nor its own job needs rank 0
    auto report = [&] {
      publish_stop_text(finished, n);
      double sum = static_cast<double>(finished) + (local_busy ? local_fraction.load() : 0.0);
      for (const Peer& p : peers_)
        if (p.busy) sum += p.fraction;
      if (progress) progress(std::min(1.0, sum / static_cast<double>(n)));
      const auto now = Clock::now();
      if (!quiet_ && (now - last_line > std::chrono::seconds(2) || finished == n)) {
        last_line = now;
        const double s = std::chrono::duration<double>(now - start).count();
        std::fprintf(stderr, "archsim: %zu/%zu jobs done on %d MPI ranks (%.1f s)\n", finished, n, live_ranks(), s);
      }
    };
    auto take = [&](std::size_t* k) {
      if (!again.empty()) {
        *k = again.front();
        again.pop_front();
        return true;
      }
      if (next < n) {
        *k = next++;
        return true;
      }
      return false;
    };
    auto finish = [&](std::size_t k, JobOutput&& out, int rank) {
      if (k >= n || reported[k]) return;  // a job run twice (its first rank was slow, not lost)
      reported[k] = 1;
      ++finished;
      for (Loss& l : losses)
        if (l.job == k && l.rerun_on < 0) l.rerun_on = rank;
      done(k, std::move(out));
    };
    auto lose = [&](int r, const char* why) {
      Peer& p = peers_[static_cast<std::size_t>(r)];
      p.lost = true;
      g_peer_lost = true;
      if (!p.busy) return;
      p.busy = false;
      if (!reported[p.job]) {
        again.push_front(p.job);
        losses.push_back(Loss{r, p.job});
        std::fprintf(stderr, "archsim: MPI rank %d is lost (%s) while running %s: the job runs again on another rank\n", r,
                     why, job_label(jobs[p.job]).c_str());
      }
    };
    while (finished < n) {
      // Hand out what idle ranks can take.
      for (int r = 1; r < g_size; ++r) {
        Peer& p = peers_[static_cast<std::size_t>(r)];
        std::size_t k = 0;
        if (p.lost || p.busy || !take(&k)) continue;
        p.busy = true;
        p.job = k;
        p.fraction = 0;
        p.heard = Clock::now();
        if (!send_text(with_index(k, encode_spec(jobs[k])), r, kTagJob)) lose(r, "MPI could not send it a job");
      }
      std::size_t k = 0;
      if (!local_busy && take(&k)) {
        local_busy = true;
        local_index = k;
        local_done = false;
        local_fraction = 0;
        local = std::thread([&, k] {
          local_out = run_job(base_, jobs[k], registry_, [&](double f) { local_fraction = f; });
          local_done = true;
        });
      }
      bool any = false;
      if (local_busy && local_done) {
        local.join();
        local_busy = false;
        finish(local_index, std::move(local_out), 0);
        report();
        any = true;
      }
      int flag = 0;
      MPI_Status st;
      MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
      if (flag) {
        any = true;
        const int r = st.MPI_SOURCE;
        const int tag = st.MPI_TAG;
        std::string payload;
        const std::string msg = recv_text(r, tag, &st);
        Peer& p = peers_[static_cast<std::size_t>(r)];
        const std::size_t j = split_index(msg, &payload);
        if (p.lost || !p.busy || j != p.job) continue;  // a lost rank's late word, or a stray message
        p.heard = Clock::now();
        if (tag == kTagAlive) {
          p.fraction = std::atof(payload.c_str());
          report();
        } else if (tag == kTagResult) {
          auto out = decode_job(payload);
          if (!out) {
            out = JobOutput{};
            out->error = "rank " + std::to_string(r) + " sent a result archsim cannot read";
          }
          p.busy = false;
          finish(j, std::move(*out), r);
          report();
        }
      }
      const auto now = Clock::now();
      for (int r = 1; r < g_size; ++r) {
        const Peer& p = peers_[static_cast<std::size_t>(r)];
        if (p.busy && !p.lost && now - p.heard > kSilence) lose(r, "no word from it for 10 s");
      }
      if (any) poll.reset();
      else poll.sleep();
    }
    if (local.joinable()) local.join();
    for (const Loss& l : losses)
      std::fprintf(stderr, "archsim: MPI rank %d was lost during %s, which ran again on rank %d: the results are complete\n",
                   l.rank, job_label(jobs[l.job]).c_str(), l.rerun_on);
    return true;
  }

  // A worker that never answered at the start: it gets no job.
  void leave_out(int r) {
    peers_[static_cast<std::size_t>(r)].lost = true;
    g_peer_lost = true;
  }

  std::string describe() const override {
    const int live = live_ranks();
    return std::to_string(live) + " MPI ranks" + (live < g_size ? " (" + std::to_string(g_size - live) + " lost)" : "");
  }

 private:
  struct Peer {
    bool busy = false, lost = false;
    std::size_t job = 0;
    double fraction = 0;  // of its job, from its last beat
    Clock::time_point heard;
  };
  int live_ranks() const {
    int live = 1;
    for (std::size_t r = 1; r < peers_.size(); ++r) live += peers_[r].lost ? 0 : 1;
    return live;
  }
  const nlohmann::json& base_;
  const Registry& registry_;
  bool quiet_;
  std::vector<Peer> peers_;  // by rank; [0] unused
};
}  // namespace

std::unique_ptr<Executor> make_mpi_executor(const nlohmann::json& base, const Registry& registry, bool quiet,
                                            const std::vector<int>& left_out) {
  auto executor = std::make_unique<MpiExecutor>(base, registry, quiet);
  for (int r : left_out) executor->leave_out(r);
  return executor;
}

}  // namespace archsim::cli::mpi

#endif
