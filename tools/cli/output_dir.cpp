#include "tools/cli/output_dir.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

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
      n == "report.html.tmp" || n == "compare.json" || n == "plan.json" || n == "topology.dot" || n == "topology.svg" ||
      n == "topology.log" || n == "trace.json" || n == "trace.otlp.json")
    return fs::is_regular_file(st);
  const bool variant = n.rfind("variant-", 0) == 0 && n.size() > 8 && n.find_first_not_of("0123456789", 8) == std::string::npos;
  return (n == "charts" || n == "jobs" || variant) && fs::is_directory(st);
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
  std::FILE* f = std::fopen(file.c_str(), "wb");
  if (!f) {
    std::cerr << "archsim: cannot write " << file.string() << ": " << std::strerror(errno) << "\n";
    return false;
  }
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0;
  const int err = errno;
  if (std::fclose(f) != 0 || !ok) {
    std::cerr << "archsim: cannot write " << file.string() << ": " << std::strerror(ok ? errno : err) << "\n";
    return false;
  }
  return true;
}

}  // namespace archsim::cli
