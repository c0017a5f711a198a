// Ctrl-C and SIGTERM during `run` and `compare`: stop, keep what was simulated.
//
// The first SIGINT or SIGTERM sets a flag that every running Simulation checks (Simulation::run's
// `stop`): each ends at its current simulated time, and the command writes what it has —
// `run` its output folder marked partial (summary.json run.partial, run.simulated_s), `compare`
// keeps its finished jobs for --resume and writes no variant folder. A signal that comes
// once every job has ended finds a complete run: nothing is written as partial; the writing
// stops where it is and the previous output folder stays as it was (a complete run is never
// presented as partial, and the user who pressed Ctrl-C gets no new folder). The process then
// exits 128 + the signal (130 for SIGINT, 143 for SIGTERM), as a shell reports a process a
// signal ended; a signal after the output is in place changes nothing. A second signal takes its default action at once (the handler is reset after the
// first), so a user who cannot wait for the report is never stuck.
#pragma once
#include <atomic>

namespace archsim::cli {

// Installs the handlers for SIGINT and SIGTERM (idempotent).
void install_interrupt_handlers();
// True once a signal came; the flag Simulation::run polls.
const std::atomic<bool>& interrupt_flag();
// The signal that came (0 when none) and the exit code for it (128 + signal; 0 when none).
int interrupt_signal();
int interrupted_exit_code();

}  // namespace archsim::cli
