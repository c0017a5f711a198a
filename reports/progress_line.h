// The progress bar of run and compare on stderr: the share done, the simulated clock and an
// estimate of the wall time left, e.g.
//   [################                        ]  41%  sim 24m36s of 1h  ETA 12s
// The ETA assumes the rest goes as fast as what was done so far (events per simulated
// second vary with load: a ramp's last part takes longer than its first).
#pragma once
#include <string>

namespace archsim {

// `fraction` of the work done in `elapsed_s` wall seconds; `sim_total_s` the simulated time
// all of it covers (0: no clock shown). The ETA is left out until 1% is done.
std::string progress_line(double fraction, double sim_total_s, double elapsed_s);

// A span of seconds in the units that fit: "8.5s", "14m24s", "2h05m", "3d04h".
std::string clock_text(double seconds);

}  // namespace archsim
