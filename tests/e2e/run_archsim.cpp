#include "tests/e2e/run_archsim.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "sim/text_list.h"

extern char** environ;

#ifndef ARCHSIM_BIN
#define ARCHSIM_BIN "archsim"
#endif
#ifndef ARCHSIM_SOURCE_DIR
#define ARCHSIM_SOURCE_DIR "."
#endif

namespace archsim::e2e {
namespace {

namespace fs = std::filesystem;

// Owns the scratch root of this process and removes it at exit, so runs with --out leave
// nothing behind in /tmp.
struct ScratchRoot {
  fs::path root = fs::temp_directory_path() / ("archsim-e2e-" + std::to_string(::getpid()));
  int counter = 0;
  ~ScratchRoot() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

ScratchRoot& scratch_root() {
  static ScratchRoot r;
  return r;
}

std::string quote(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t\"'\\$`") == std::string::npos) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

std::string archsim_bin() {
  if (const char* env = std::getenv("ARCHSIM_BIN"); env && *env) return env;
  return ARCHSIM_BIN;
}

std::string source_path(std::string_view rel) { return std::string(ARCHSIM_SOURCE_DIR) + "/" + std::string(rel); }

std::string basic_scenario(std::string_view file) { return source_path("scenarios/basics/" + std::string(file)); }

std::string scratch_dir(std::string_view name) {
  auto& r = scratch_root();
  fs::path p = r.root / (std::string(name) + "-" + std::to_string(++r.counter));
  fs::create_directories(p);
  return p.string();
}

std::string write_scenario(const std::string& name, const nlohmann::json& doc) {
  std::string path = scratch_dir(name) + "/" + name + ".json";
  std::ofstream(path) << doc.dump(2);
  return path;
}

namespace {
RunResult spawn(const std::vector<std::string>& args, double timeout_s, std::size_t address_space_bytes, const std::string& cwd,
                const std::function<void(pid_t)>& watch = {}, std::size_t file_size_bytes = 0);
}

RunResult run_archsim(const std::vector<std::string>& args, double timeout_s, std::size_t address_space_bytes) {
  return spawn(args, timeout_s, address_space_bytes, "");
}

RunResult run_archsim_in(const std::string& cwd, const std::vector<std::string>& args, double timeout_s) {
  return spawn(args, timeout_s, 0, cwd);
}

RunResult run_archsim_file_limit(const std::vector<std::string>& args, std::size_t file_size_bytes, double timeout_s) {
  return spawn(args, timeout_s, 0, "", {}, file_size_bytes);
}

RunResult run_archsim_watched(const std::vector<std::string>& args, double timeout_s, const std::function<void(pid_t)>& watch) {
  return spawn(args, timeout_s, 0, "", watch);
}

namespace {
RunResult spawn(const std::vector<std::string>& args, double timeout_s, std::size_t address_space_bytes, const std::string& cwd,
                const std::function<void(pid_t)>& watch, std::size_t file_size_bytes) {
  RunResult r;
  std::vector<std::string> argv_s;
  argv_s.push_back(archsim_bin());
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  for (const auto& a : argv_s) archsim::append_item(r.command, " ", quote(a));

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);

  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  int rc = 0;
  if (address_space_bytes == 0 && cwd.empty() && file_size_bytes == 0) {
    rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  } else {
    // posix_spawn cannot set a limit or a folder: fork, and in the child only async-signal-safe calls.
    pid = ::fork();
    if (pid == 0) {
      if (address_space_bytes > 0) {
        const rlimit lim{address_space_bytes, address_space_bytes};
        ::setrlimit(RLIMIT_AS, &lim);
      }
      if (file_size_bytes > 0) {
        // Ignored signals stay ignored across exec: archsim and its children see EFBIG.
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        ::sigaction(SIGXFSZ, &ignore, nullptr);
        const rlimit lim{file_size_bytes, file_size_bytes};
        ::setrlimit(RLIMIT_FSIZE, &lim);
      }
      if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
      ::dup2(out_pipe[1], STDOUT_FILENO);
      ::dup2(err_pipe[1], STDERR_FILENO);
      const int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
      ::execve(argv[0], argv.data(), environ);
      ::_exit(127);
    }
    if (pid < 0) rc = errno;
  }
  posix_spawn_file_actions_destroy(&fa);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error("cannot start " + argv_s[0] + ": " + std::strerror(rc));
  }

  // Drain both pipes together: a child blocked on a full stderr pipe while we wait on
  // stdout would otherwise deadlock.
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  const auto deadline = start + std::chrono::duration<double>(timeout_s);
  char buf[65536];
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    const int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), watch ? 20 : 1000)));
    if (watch) watch(pid);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFEXITED(status))
    r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    r.signal = WTERMSIG(status);
  return r;
}

}  // namespace

std::string describe(const RunResult& r) {
  std::string s = "command: " + r.command + "\n";
  if (r.timed_out)
    s += "timed out and was killed\n";
  else if (r.signal)
    s += "died of signal " + std::to_string(r.signal) + " (" + strsignal(r.signal) + ")\n";
  else
    s += "exit code " + std::to_string(r.exit_code) + "\n";
  constexpr std::size_t kMax = 2000;
  s += "stderr: " + (r.err.size() > kMax ? r.err.substr(0, kMax) + "..." : r.err);
  if (r.exit_code != 0) s += "\nstdout: " + (r.out.size() > kMax ? r.out.substr(0, kMax) + "..." : r.out);
  return s;
}

nlohmann::json parse_summary(const RunResult& r) {
  if (r.exit_code != 0) throw std::runtime_error("archsim failed\n" + describe(r));
  try {
    return nlohmann::json::parse(r.out);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("stdout is not JSON: ") + e.what() + "\n" + describe(r));
  }
}

nlohmann::json run_summary(const std::string& scenario, const std::vector<std::string>& extra, double timeout_s) {
  std::vector<std::string> args = {"run", scenario, "--json", "--quiet", "--no-report", "--out", scratch_dir("run")};
  args.insert(args.end(), extra.begin(), extra.end());
  return parse_summary(run_archsim(args, timeout_s));
}

nlohmann::json run_analyze(const std::string& scenario, const std::vector<std::string>& sets) {
  std::vector<std::string> args{"analyze", scenario, "--json"};
  for (const auto& s : sets) args.insert(args.end(), {"--set", s});
  const RunResult r = run_archsim(args);
  if (r.exit_code != 0) throw std::runtime_error("analyze failed: " + describe(r));
  return nlohmann::json::parse(r.out);
}

const nlohmann::json& at(const nlohmann::json& j, std::string_view dotted) {
  const nlohmann::json* cur = &j;
  std::size_t pos = 0;
  while (pos <= dotted.size()) {
    const std::size_t dot = dotted.find('.', pos);
    const std::string key(dotted.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos));
    if (!cur->is_object() || !cur->contains(key))
      throw std::runtime_error("summary has no \"" + std::string(dotted) + "\" (missing \"" + key + "\")");
    cur = &(*cur)[key];
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return *cur;
}

bool has(const nlohmann::json& j, std::string_view dotted) {
  try {
    at(j, dotted);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

double num(const nlohmann::json& j, std::string_view dotted) {
  const auto& v = at(j, dotted);
  if (!v.is_number())
    throw std::runtime_error("summary field \"" + std::string(dotted) + "\" is not a number: " + v.dump());
  return v.get<double>();
}

nlohmann::json without_run(nlohmann::json j) {
  if (j.is_object()) j.erase("run");
  return j;
}

std::vector<std::string> lines(std::string_view text) {
  std::vector<std::string> v;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    v.emplace_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return v;
}

std::vector<std::pair<double, std::string>> series_rows(const std::string& csv, std::string_view component,
                                                        std::string_view metric) {
  std::ifstream in(csv);
  REQUIRE_MESSAGE(in.good(), "cannot read " << csv);
  std::vector<std::pair<double, std::string>> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string t, c, m, v;
    std::getline(ss, t, ',');
    std::getline(ss, c, ',');
    std::getline(ss, m, ',');
    std::getline(ss, v, ',');
    if (c == component && m == metric) out.emplace_back(std::stod(t), v);
  }
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

nlohmann::json page_data(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"archsim-page-data\">";
  const auto at = page.find(open);
  if (at == std::string::npos) return nullptr;
  const auto from = at + open.size();
  return nlohmann::json::parse(page.substr(from, page.find("</script>", from) - from));
}

std::vector<std::string> declared_headers(const nlohmann::json& data, const std::string& dir, const std::string& id) {
  std::vector<std::string> out;
  if (!data.is_object() || !data.contains("charts")) return out;
  for (const auto& c : data["charts"]) {
    if (c.value("component", "") != id) continue;
    for (const auto& f : c["files"]) {
      const std::string text = read_text(dir + "/charts/" + f.get<std::string>());
      out.push_back(text.substr(0, text.find('\n')));
    }
  }
  return out;
}

}  // namespace archsim::e2e
