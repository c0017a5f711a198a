// Ctrl-C and SIGTERM during `run` and `compare`: stop, keep what was simulated.
//
// The first SIGINT or SIGTERM sets a flag that every running Simulation checks (Simulation::run's
// `stop`): each ends at its current simulated time, and the command writes what it has —
// `run` its output folder marked partial (summary.json run.partial, run.simulated_s), `compare`
// keeps its finished jobs for --resume and writes no variant folder. A signal that comes
// once every job has ended finds a complete run: `run` writes its results (summary.json and
// the data files, unmarked) and leaves the report out, its drawing stopped where it was (the
// flag is the report's too: reports/chart_scripts.h stop_drawing_when; gnuplot or dot is
// killed within milliseconds); `compare` stops its drawing and keeps its jobs. The process then
// exits 128 + the signal (130 for SIGINT, 143 for SIGTERM), as a shell reports a process a
// signal ended; a signal after the output is in place changes nothing. A second signal takes
// its default action at once (the handler is reset after the first), so a user who cannot
// wait for a partial run's report is never stuck.
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
