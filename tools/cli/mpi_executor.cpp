#include "tools/cli/mpi_executor.h"

#include "tools/cli/job_store.h"

#include <cstdlib>
#include <iostream>

#ifdef ARCHSIM_WITH_MPI
#include <mpi.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>
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

namespace {

bool g_active = false;
int g_rank = 0, g_size = 1;

enum Tag : int { kTagHash = 1, kTagVerdict = 2, kTagJob = 3, kTagResult = 4, kTagStop = 5, kTagAlive = 6 };

// A worker running a job says so every kBeat; rank 0 takes a worker that has said nothing
// for kSilence as lost (its process died, or its node) and hands its job to another rank.
// The silence is long against a beat so that a loaded machine is not taken for a dead one:
// a worker wrongly taken as lost costs a job run twice, never a wrong result.
constexpr auto kBeat = std::chrono::milliseconds(250);
constexpr auto kSilence = std::chrono::seconds(10);
// At the start a worker reads and builds the scenario before it answers: a large scenario
// takes seconds, so the start waits longer than a running job's silence.
constexpr auto kStartSilence = std::chrono::seconds(20);

// Rank 0's answer to a worker's scenario hash and build.
// kNoFinalize is added when a rank was left out: MPI_Finalize would wait for it forever.
enum Verdict : int { kGo = 0, kStop = 2, kTellLoadError = 3, kLeftOut = 4, kNoFinalize = 8 };
// The verdict a left-out rank is sent without waiting (the buffer must outlive the send).
const int kLeftOutVerdict = kLeftOut | kNoFinalize;

// Set when a rank was lost: MPI_Finalize would wait for it forever, so every rank left
// skips it (mpi_finish).
bool g_peer_lost = false;

// Open MPI keeps the job alive when a rank dies only under `mpirun --enable-recovery`, which
// it passes to the ranks as this variable.
bool recovery_enabled() {
  const char* v = std::getenv("OMPI_MCA_orte_enable_recovery");
  return v && (std::string(v) == "1" || std::string(v) == "true");
}

// Launched by an MPI launcher with more than one rank? (Open MPI's mpirun, or a PMI/PMIx
// launcher such as Slurm's srun.) A plain `archsim` never starts MPI.
bool launched_with_ranks() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS"})
    if (const char* v = std::getenv(var); v && std::atoi(v) > 1) return true;
  return false;
}

// Waiting without spinning. Open MPI's blocking MPI_Probe and MPI_Recv poll its progress
// engine in a loop until the message comes: a worker done with its job kept a core busy until
// the next job or the stop, a core that the other ranks' jobs could use; rank 0's loop, probing
// every 200 us, took about 8% of the core its own job ran on. A waiting rank probes and sleeps
// instead, the sleep doubling from kPollMin to kPollMax while nothing comes: a message waits at
// most kPollMax, little against a job that runs for seconds, and a burst of messages is still
// taken at once (any message resets the sleep).
constexpr auto kPollMin = std::chrono::microseconds(200);
constexpr auto kPollMax = std::chrono::microseconds(20'000);

class PollBackoff {
 public:
  void reset() { wait_ = kPollMin; }
  void sleep() {
    std::this_thread::sleep_for(wait_);
    wait_ = std::min<std::chrono::microseconds>(2 * wait_, kPollMax);
  }

 private:
  std::chrono::microseconds wait_ = kPollMin;
};

// MPI_Probe without spinning: true once a message from `from` with `tag` waits (its envelope
// in *st), false when MPI reports an error.
bool probe_sleeping(int from, int tag, MPI_Status* st) {
  PollBackoff backoff;
  for (;;) {
    int flag = 0;
    if (MPI_Iprobe(from, tag, MPI_COMM_WORLD, &flag, st) != MPI_SUCCESS) return false;
    if (flag) return true;
    backoff.sleep();
  }
}

// Returns false when MPI reports an error (MPI_ERRORS_RETURN is set on MPI_COMM_WORLD).
bool send_text(const std::string& s, int to, int tag) {
  return MPI_Send(s.data(), static_cast<int>(s.size()), MPI_CHAR, to, tag, MPI_COMM_WORLD) == MPI_SUCCESS;
}

// Receives the message from `from` (MPI_ANY_SOURCE allowed) that a probe found waiting;
// returns its text.
std::string recv_text(int from, int tag, MPI_Status* st) {
  MPI_Probe(from, tag, MPI_COMM_WORLD, st);  // returns at once: the message is there
  int n = 0;
  MPI_Get_count(st, MPI_CHAR, &n);
  std::string s(static_cast<std::size_t>(n), '\0');
  MPI_Recv(s.data(), n, MPI_CHAR, st->MPI_SOURCE, st->MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return s;
}

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

// "<index>\n<payload>"
std::string with_index(std::size_t index, const std::string& payload) { return std::to_string(index) + "\n" + payload; }
std::size_t split_index(const std::string& msg, std::string* payload) {
  const auto nl = msg.find('\n');
  if (nl == std::string::npos) return SIZE_MAX;
  *payload = msg.substr(nl + 1);
  try {
    return static_cast<std::size_t>(std::stoull(msg.substr(0, nl)));
  } catch (const std::exception&) {
    return SIZE_MAX;
  }
}

// "users.arrivals.rate=60 seed 1": a job as the user can find it.
std::string job_label(const JobSpec& spec) {
  std::string s;
  for (const auto& x : spec.sets) s += x + " ";
  return s + "seed " + std::to_string(spec.seed);
}

using Clock = std::chrono::steady_clock;

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
  auto executor = std::make_unique<MpiExecutor>(*base, registry, quiet);
  for (int r : left_out) executor->leave_out(r);
  return executor;
}

#endif

}  // namespace archsim::cli
