// The MPI sweep's point-to-point helpers and globals (tools/cli/mpi_ranks.h).
#ifdef ARCHSIM_WITH_MPI
#include "tools/cli/mpi_ranks.h"

#include <cstdint>
#include <cstdlib>
#include <exception>

namespace archsim::cli::mpi {

bool g_active = false;
int g_rank = 0, g_size = 1;
bool g_peer_lost = false;

bool recovery_enabled() {
  const char* v = std::getenv("OMPI_MCA_orte_enable_recovery");
  return v && (std::string(v) == "1" || std::string(v) == "true");
}

bool probe_sleeping(int from, int tag, MPI_Status* st) {
  PollBackoff backoff;
  for (;;) {
    int flag = 0;
    if (MPI_Iprobe(from, tag, MPI_COMM_WORLD, &flag, st) != MPI_SUCCESS) return false;
    if (flag) return true;
    backoff.sleep();
  }
}

bool send_text(const std::string& s, int to, int tag) {
  return MPI_Send(s.data(), static_cast<int>(s.size()), MPI_CHAR, to, tag, MPI_COMM_WORLD) == MPI_SUCCESS;
}

std::string recv_text(int from, int tag, MPI_Status* st) {
  MPI_Probe(from, tag, MPI_COMM_WORLD, st);  // returns at once: the message is there
  int n = 0;
  MPI_Get_count(st, MPI_CHAR, &n);
  std::string s(static_cast<std::size_t>(n), '\0');
  MPI_Recv(s.data(), n, MPI_CHAR, st->MPI_SOURCE, st->MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return s;
}

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

std::string job_label(const JobSpec& spec) {
  std::string s;
  for (const auto& x : spec.sets) s += x + " ";
  return s + "seed " + std::to_string(spec.seed);
}

}  // namespace archsim::cli::mpi

#endif
