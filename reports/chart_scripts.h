// chart_scripts.h -- where the gnuplot chart templates live, and running gnuplot on them.
//
// The templates (tools/charts/*.gp) are plain gnuplot scripts a student can edit; the
// report copies the ones it uses into DIR/charts/ beside their data and runs them there.
// Nothing here depends on a model or on the page format.
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace archsim::reports {

// The folder holding the chart templates, first that exists of:
//   1. $ARCHSIM_CHARTS
//   2. ARCHSIM_SOURCE_DIR "/tools/charts"   (compile definition of the build tree)
//   3. <directory of the running executable>/../share/archsim/charts   (installed layout)
// Returns an empty path when none of them holds style.gp.
std::filesystem::path default_chart_dir();

// The absolute path of an executable file `name` found on $PATH, as a shell would find it.
std::optional<std::filesystem::path> find_on_path(const std::string& name);

// Stopping the drawing (the command line's Ctrl-C or SIGTERM, tools/cli/interrupt.h): once
// `flag` is set, the process run_in_dir waits for is killed and run_in_dir, like every later
// check_drawing(), throws DrawingStopped: the report stops within about 20 ms instead of
// drawing its remaining charts (tens of seconds for a long run's). nullptr: never stopped.
void stop_drawing_when(const std::atomic<bool>* flag);
class DrawingStopped : public std::runtime_error {
 public:
  DrawingStopped() : std::runtime_error("the drawing of the report was stopped") {}
};
// Throws DrawingStopped once the flag is set; a page writer calls it between its steps.
void check_drawing();

// Runs `program script` with `workdir` as working directory, stdin from /dev/null and
// stdout+stderr appended to `log`. fork/exec, no shell, so no quoting is involved.
// Returns the exit status, or -1 when the process could not be started or was killed.
// Throws DrawingStopped (the process killed first) when the drawing is stopped.
int run_in_dir(const std::filesystem::path& program, const std::string& script,
               const std::filesystem::path& workdir, const std::filesystem::path& log);
// The same with any arguments: `program args...` (graphviz's `dot -Tsvg -o OUT IN`).
int run_in_dir(const std::filesystem::path& program, const std::vector<std::string>& args,
               const std::filesystem::path& workdir, const std::filesystem::path& log);

}  // namespace archsim::reports
