// The MPI sweep's shared parts (tools/cli/mpi_executor.h): the ranks' globals, the message
// tags and verdicts, the beat and silence times, and the point-to-point helpers that rank 0
// (tools/cli/mpi_dispatch.cpp) and the workers (tools/cli/mpi_executor.cpp) both use.
// Included only where ARCHSIM_WITH_MPI is defined.
#pragma once
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/build.h"
#include "tools/cli/executor.h"

namespace archsim::cli::mpi {

// Set by mpi_start: MPI is running with more than one rank, and this process's rank.
extern bool g_active;
extern int g_rank, g_size;

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
inline constexpr int kLeftOutVerdict = kLeftOut | kNoFinalize;

// Set when a rank was lost: MPI_Finalize would wait for it forever, so every rank left
// skips it (mpi_finish).
extern bool g_peer_lost;

// Open MPI keeps the job alive when a rank dies only under `mpirun --enable-recovery`, which
// it passes to the ranks as this variable.
bool recovery_enabled();

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
bool probe_sleeping(int from, int tag, MPI_Status* st);
// Returns false when MPI reports an error (MPI_ERRORS_RETURN is set on MPI_COMM_WORLD).
bool send_text(const std::string& s, int to, int tag);
// Receives the message from `from` (MPI_ANY_SOURCE allowed) that a probe found waiting;
// returns its text.
std::string recv_text(int from, int tag, MPI_Status* st);

// "<index>\n<payload>"; split_index returns SIZE_MAX for a message without an index.
std::string with_index(std::size_t index, const std::string& payload);
std::size_t split_index(const std::string& msg, std::string* payload);

// "users.arrivals.rate=60 seed 1": a job as the user can find it.
std::string job_label(const JobSpec& spec);

using Clock = std::chrono::steady_clock;

// Rank 0's executor (tools/cli/mpi_dispatch.cpp); the ranks in `left_out` never answered at
// the start and get no job.
std::unique_ptr<Executor> make_mpi_executor(const nlohmann::json& base, const Registry& registry, bool quiet,
                                            const std::vector<int>& left_out);

}  // namespace archsim::cli::mpi
