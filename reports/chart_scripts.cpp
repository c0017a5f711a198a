#include "reports/chart_scripts.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <system_error>
#include <vector>

namespace archsim::reports {
namespace fs = std::filesystem;

namespace {

bool has_templates(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_regular_file(dir / "style.gp", ec);
}

bool is_executable_file(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

std::atomic<const std::atomic<bool>*> g_stop{nullptr};

bool drawing_stopped() {
  const std::atomic<bool>* f = g_stop.load(std::memory_order_relaxed);
  return f != nullptr && f->load(std::memory_order_relaxed);
}

}  // namespace

void stop_drawing_when(const std::atomic<bool>* flag) { g_stop.store(flag, std::memory_order_relaxed); }

void check_drawing() {
  if (drawing_stopped()) throw DrawingStopped();
}

fs::path default_chart_dir() {
  if (const char* env = std::getenv("ARCHSIM_CHARTS"); env != nullptr && *env != '\0') {
    if (has_templates(env)) return fs::path(env);
  }
#ifdef ARCHSIM_SOURCE_DIR
  if (fs::path src = fs::path(ARCHSIM_SOURCE_DIR) / "tools" / "charts"; has_templates(src)) return src;
#endif
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share" / "archsim" / "charts";
    if (has_templates(installed)) return installed;
  }
  return {};
}

std::optional<fs::path> find_on_path(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (is_executable_file(name)) return fs::path(name);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  const std::string all(path);
  std::size_t start = 0;
  while (start <= all.size()) {
    std::size_t end = all.find(':', start);
    if (end == std::string::npos) end = all.size();
    // An empty entry means the current directory in POSIX; a report must not run a
    // gnuplot that happens to sit in the output folder, so empty entries are skipped.
    if (end > start) {
      fs::path candidate = fs::path(all.substr(start, end - start)) / name;
      if (is_executable_file(candidate)) return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

int run_in_dir(const fs::path& program, const std::string& script, const fs::path& workdir,
               const fs::path& log) {
  return run_in_dir(program, std::vector<std::string>{script}, workdir, log);
}

int run_in_dir(const fs::path& program, const std::vector<std::string>& args, const fs::path& workdir,
               const fs::path& log) {
  // Everything the child needs is prepared before fork: after fork only
  // async-signal-safe calls are allowed in a possibly multi-threaded parent.
  const std::string prog = program.string();
  // Absolute paths: the child changes directory before it opens the log.
  const std::string dir = fs::absolute(workdir).string();
  const std::string logname = fs::absolute(log).string();
  std::vector<char*> argv{const_cast<char*>(prog.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  check_drawing();
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(logname.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  // Waited for by polling (1 ms doubling to 20 ms) rather than blocked on, so that a stop is seen while
  // gnuplot or dot works: the signal handler restarts a blocked waitpid (SA_RESTART).
  int status = 0;
  for (useconds_t nap = 1000;; nap = std::min<useconds_t>(nap * 2, 20000)) {
    const pid_t got = ::waitpid(pid, &status, WNOHANG);
    if (got == pid) break;
    if (got < 0 && errno != EINTR) return -1;
    if (drawing_stopped()) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      throw DrawingStopped();
    }
    ::usleep(nap);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace archsim::reports
