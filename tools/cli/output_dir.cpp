#include "tools/cli/output_dir.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "reports/write_file.h"

namespace archsim::cli {

namespace fs = std::filesystem;

std::string slugify(const std::string& name) {
  std::string out;
  bool dash = false;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (keep && !(out.empty() && (c == '.' || c == '-'))) {
      out += ch;
      dash = false;
    } else if (!keep && !out.empty() && !dash) {
      out += '-';
      dash = true;
    }
    if (out.size() >= 100) break;
  }
  while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
  return out.empty() ? "scenario" : out;
}

// What archsim writes into an output folder; a folder holding anything else is not ours.
// Files must be regular files and folders real folders (a folder named summary.json is not ours).
static bool archsim_entry(const fs::directory_entry& e) {
  const std::string n = e.path().filename().string();
  std::error_code ec;
  const auto st = e.symlink_status(ec);
  if (n == "summary.json" || n == "analysis.json" || n == "timeseries.csv" || n == "latency_cdf.csv" || n == "report.html" ||
      n == "report.html.tmp" || n == "compare.json" || n == "plan.json" || n == "metastability.json" || n == "topology.dot" ||
      n == "topology.svg" || n == "topology.log" || n == "trace.json" || n == "trace.otlp.json")
    return fs::is_regular_file(st);
  // Access logs (reports/access_log.h): access-<client>.log or .jsonl.
  const auto ends_with = [&](const char* tail) {
    const std::string t = tail;
    return n.size() > t.size() && n.compare(n.size() - t.size(), t.size(), t) == 0;
  };
  if (n.rfind("access-", 0) == 0 && (ends_with(".log") || ends_with(".jsonl"))) return fs::is_regular_file(st);
  const bool variant = n.rfind("variant-", 0) == 0 && n.size() > 8 && n.find_first_not_of("0123456789", 8) == std::string::npos;
  return (n == "charts" || n == "jobs" || variant) && fs::is_directory(st);
}

namespace {

// When process `pid` started (CLOCK_REALTIME), from its start in clock ticks after boot
// (/proc/PID/stat, field 22) and the time since boot; nullopt when there is no such process.
std::optional<fs::file_time_type> process_start(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!in || !std::getline(in, stat)) return std::nullopt;
  // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i)
    if (i == 22) {
      const double started = std::stod(field) / static_cast<double>(::sysconf(_SC_CLK_TCK));  // s after boot
      timespec boot{};
      ::clock_gettime(CLOCK_BOOTTIME, &boot);
      const double age = static_cast<double>(boot.tv_sec) + static_cast<double>(boot.tv_nsec) / 1e9 - started;
      return fs::file_time_type::clock::now() -
             std::chrono::duration_cast<fs::file_time_type::duration>(std::chrono::duration<double>(age));
    }
  return std::nullopt;
}

// The staging (".LEAF.writing-PID") and set-aside (".LEAF.old-PID") folders of earlier runs
// into the same destination whose process is gone: a run killed while writing (kill -9, a
// crash, the machine) leaves one, up to the size of a whole output. A PID can be reused, so
// a live process with the folder's PID is taken for its writer only if it started before the
// folder was last modified: the writer started before it made the folder and wrote into it,
// while a process that reused the PID started after the writer died, after its last write.
// (The start is known to a clock tick, 10 ms: a PID reused within that keeps the folder until
// a later run.) An ".old" folder is removed only while the destination exists (a run killed
// between its two renames leaves the previous output there, under that name).
void remove_abandoned(const fs::path& parent, const std::string& leaf, const fs::path& dest) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    const std::string n = e.path().filename().string();
    std::string rest;
    for (const char* kind : {".writing-", ".old-"})
      if (n.rfind("." + leaf + kind, 0) == 0) rest = n.substr(leaf.size() + 1 + std::strlen(kind));
    if (rest.empty() || rest.size() > 9 || rest.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::stol(rest);
    if (pid == ::getpid()) continue;
    std::error_code st;
    if (!fs::is_directory(e.symlink_status(st))) continue;  // never follow a link out of here
    const auto modified = fs::last_write_time(e.path(), st);
    if (st || !abandoned_by(pid, modified)) continue;  // its writer, still running
    if (n.find(".old-") != std::string::npos && !fs::exists(fs::symlink_status(dest, st))) continue;
    fs::remove_all(e.path(), st);
  }
}

}  // namespace

bool abandoned_by(long pid, fs::file_time_type modified) {
  if (pid == ::getpid()) return false;
  const auto started = process_start(pid);
  return !started || *started > modified;
}

std::optional<OutputDir> OutputDir::open(const fs::path& requested, bool explicit_out) {
  std::error_code ec;
  fs::path dest = requested;
  // A link the user named is where they want the output; anything else is not followed.
  if (explicit_out && fs::is_symlink(dest, ec)) dest = fs::weakly_canonical(dest, ec);
  // "dir/", "." or "a/..": name the folder itself, so that it has a leaf to stage beside.
  const std::string leaf0 = dest.filename().string();
  if (leaf0.empty() || leaf0 == "." || leaf0 == "..") dest = fs::absolute(dest, ec).lexically_normal();
  if (dest.filename().empty()) dest = dest.parent_path();
  const auto st = fs::symlink_status(dest, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st) && !(fs::is_symlink(st) && !explicit_out)) {
      std::cerr << "archsim: output folder " << dest.string() << " exists and is not a folder\n";
      return std::nullopt;
    }
    if (fs::is_directory(st)) {
      for (const auto& e : fs::directory_iterator(dest, ec)) {
        if (!archsim_entry(e)) {
          std::cerr << "archsim: output folder " << dest.string() << " holds " << e.path().filename().string()
                    << ", which archsim did not write: give an empty or new folder with --out\n";
          return std::nullopt;
        }
      }
      if (ec) {
        std::cerr << "archsim: cannot read output folder " << dest.string() << ": " << ec.message() << "\n";
        return std::nullopt;
      }
    }
  }
  const fs::path parent = dest.parent_path().empty() ? fs::path(".") : dest.parent_path();
  fs::create_directories(parent, ec);
  if (ec) {
    std::cerr << "archsim: cannot create output directory " << parent.string() << ": " << ec.message() << "\n";
    return std::nullopt;
  }
  const std::string leaf = dest.filename().string();
  remove_abandoned(parent, leaf, dest);
  const fs::path staging = parent / ("." + leaf + ".writing-" + std::to_string(::getpid()));
  fs::remove_all(staging, ec);  // a staging folder of a killed run that had this pid
  // create_directory fails when the name exists (a file or a planted link): never reused.
  if (!fs::create_directory(staging, ec) || ec) {
    std::cerr << "archsim: cannot create " << staging.string() << ": " << (ec ? ec.message() : "it exists") << "\n";
    return std::nullopt;
  }
  return OutputDir(dest, staging);
}

OutputDir::OutputDir(OutputDir&& other) noexcept
    : dest_(std::move(other.dest_)), staging_(std::move(other.staging_)), done_(other.done_) {
  other.done_ = true;
}

OutputDir::~OutputDir() {
  if (done_) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

bool OutputDir::commit() {
  std::error_code ec;
  const fs::path old = staging_.parent_path() / ("." + dest_.filename().string() + ".old-" + std::to_string(::getpid()));
  const bool had = fs::exists(fs::symlink_status(dest_, ec));
  if (had) {
    fs::remove_all(old, ec);
    fs::rename(dest_, old, ec);  // renames a link itself, never its target
    if (ec) {
      std::cerr << "archsim: cannot replace " << dest_.string() << ": " << ec.message() << "\n";
      return false;
    }
  }
  fs::rename(staging_, dest_, ec);
  if (ec) {
    std::cerr << "archsim: cannot move the output into " << dest_.string() << ": " << ec.message() << "\n";
    if (had) fs::rename(old, dest_, ec);
    return false;
  }
  done_ = true;
  if (had) fs::remove_all(old, ec);  // a link: removes the link only
  return true;
}

bool write_checked(const fs::path& file, const std::string& text) {
  try {
    reports::write_file(file, text);
    return true;
  } catch (const reports::WriteError& e) {
    std::cerr << "archsim: " << e.what() << "\n";
    return false;
  }
}

}  // namespace archsim::cli
