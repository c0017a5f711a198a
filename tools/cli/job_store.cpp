#include "tools/cli/job_store.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "reports/write_file.h"
#include "scenario/json_text.h"
#include "tools/cli/interrupt.h"
#include "tools/cli/output_dir.h"

namespace archsim::cli {

namespace fs = std::filesystem;

JobStore::JobStore(fs::path dir, std::uint64_t scenario_hash) : dir_(std::move(dir)), hash_(scenario_hash) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const std::string n = e.path().filename().string();
    const auto at = n.rfind(".tmp-");
    if (at == std::string::npos) continue;
    const std::string pid = n.substr(at + 5);
    if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code st;
    if (!fs::is_regular_file(e.symlink_status(st))) continue;
    const auto modified = fs::last_write_time(e.path(), st);
    if (!st && abandoned_by(std::stol(pid), modified)) fs::remove(e.path(), st);
  }
}

fs::path JobStore::file(const JobSpec& spec) const { return dir_ / (hex16(job_key(hash_, spec)) + ".job"); }

std::optional<JobOutput> JobStore::get(const JobSpec& spec) const {
  std::ifstream in(file(spec), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  auto out = decode_job(text.str());
  if (!out || !out->error.empty() || out->summary.empty()) return std::nullopt;
  // The folder is the user's: a summary that is not JSON archsim would read is run again.
  try {
    parse_ordered_json(out->summary);
  } catch (const ScenarioError&) {
    return std::nullopt;
  }
  if (spec.want_series && out->timeseries_csv.empty()) return std::nullopt;
  return out;
}

const std::string& build_id() {
  static const std::string id = [] {
    std::ifstream in("/proc/self/exe", std::ios::binary);
    if (!in) return std::string("unknown");
    std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
    std::vector<char> buf(1 << 16);
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
      const auto n = static_cast<std::size_t>(in.gcount());
      for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(buf[i])) * 0x100000001b3ULL;
    }
    return hex16(h);
  }();
  return id;
}

bool JobStore::same_build() const {
  std::error_code ec;
  bool any = false;
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (e.path().extension() == ".job") {
      any = true;
      break;
    }
  if (!any) return true;
  std::ifstream in(dir_ / "BUILD");
  std::string theirs;
  std::getline(in, theirs);
  if (theirs == build_id()) return true;
  std::cerr << "archsim: --resume: " << dir_.string() << " was written by another archsim build ("
            << (theirs.empty() ? std::string("no BUILD file") : "build " + theirs) << ", this is build " << build_id()
            << "): its jobs cannot be reused; run without --resume to start over\n";
  return false;
}

bool JobStore::put(const JobSpec& spec, const JobOutput& out) {
  const std::string tail = ".tmp-" + std::to_string(::getpid());
  const fs::path to = file(spec), tmp = to.string() + tail;
  std::string why;
  try {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) throw reports::WriteError("cannot create " + dir_.string() + ": " + ec.message());
    if (!build_written_) {
      const fs::path build_tmp = dir_ / ("BUILD" + tail);
      try {
        reports::write_file(build_tmp, build_id() + "\n");
        reports::rename_file(build_tmp, dir_ / "BUILD");
      } catch (const reports::WriteError&) {
        fs::remove(build_tmp, ec);
        throw;
      }
      build_written_ = true;
    }
    reports::write_file(tmp, encode_job(out));
    reports::rename_file(tmp, to);
    return true;
  } catch (const reports::WriteError& e) {
    why = e.what();
  }
  std::error_code ec;
  fs::remove(tmp, ec);  // a full disk leaves a truncated one
  if (unkept_++ == 0)
    std::cerr << "archsim: finished jobs cannot be kept for --resume (" << why
              << "); the sweep goes on, and says no more of the jobs it cannot keep\n";
  return false;
}

bool JobStore::move_into(const std::vector<JobSpec>& specs, const fs::path& to) const {
  std::error_code ec;
  fs::create_directories(to, ec);
  std::vector<fs::path> files{dir_ / "BUILD"};
  for (const auto& spec : specs) files.push_back(file(spec));
  for (const fs::path& from : files) {
    if (!fs::exists(from, ec)) continue;
    fs::rename(from, to / from.filename(), ec);
    if (ec) {
      std::cerr << "archsim: cannot move " << from.string() << " into " << to.string() << ": " << ec.message() << "\n";
      return false;
    }
  }
  return true;
}

SweepOutcome run_sweep(Executor& exec, JobStore& store, bool resume, const std::vector<JobSpec>& jobs,
                       const std::function<void(double)>& progress) {
  SweepOutcome o;
  o.outputs.resize(jobs.size());
  o.have.assign(jobs.size(), false);
  std::vector<JobSpec> todo;
  std::vector<std::size_t> index;  // todo[i] is jobs[index[i]]
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (resume)
      if (auto got = store.get(jobs[i])) {
        o.outputs[i] = std::move(*got);
        o.have[i] = true;
        ++o.reused;
        continue;
      }
    todo.push_back(jobs[i]);
    index.push_back(i);
  }
  const double done_before = jobs.empty() ? 1.0 : static_cast<double>(o.reused) / static_cast<double>(jobs.size());
  const double share = 1.0 - done_before;
  o.complete = exec.run(
      todo,
      [&](std::size_t k, JobOutput&& out) {
        const std::size_t i = index[k];
        if (out.error.empty() && !out.partial) store.put(jobs[i], out);  // an interrupted job is run again
        o.outputs[i] = std::move(out);
        o.have[i] = true;
      },
      [&](double f) {
        if (progress) progress(done_before + share * f);
      });
  return o;
}

int sweep_interrupted(const SweepOutcome& sweep, std::size_t jobs, const std::filesystem::path& kept) {
  if (sweep.reused)
    std::cerr << "archsim: --resume: " << sweep.reused << " of " << jobs << " jobs reused from " << kept.string() << "\n";
  if (interrupt_signal() == 0) return 0;
  // The finished jobs are in the store already (it keeps each as it ends; an interrupted
  // one is not kept).
  std::size_t finished = 0;
  for (std::size_t i = 0; i < jobs; ++i) finished += sweep.have[i] && sweep.outputs[i].error.empty() && !sweep.outputs[i].partial;
  std::cerr << "archsim: interrupted: " << finished << " of " << jobs << " jobs finished and are kept in " << kept.string()
            << ": run the same command with --resume to run only the others\n";
  return interrupted_exit_code();
}

int sweep_failures(const SweepOutcome& sweep, const std::vector<JobSpec>& jobs, const std::string& scenario_file,
                   const std::function<std::string(std::size_t)>& label_of, const fs::path& kept) {
  std::size_t ok = 0, lost = 0, first_lost = jobs.size(), first_failed = jobs.size();
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!sweep.have[i]) {
      ++lost;
      first_lost = std::min(first_lost, i);
    } else if (!sweep.outputs[i].error.empty()) {
      first_failed = std::min(first_failed, i);
    } else {
      ++ok;
    }
  }
  if (ok == jobs.size()) return 0;
  const std::string tail = "; " + std::to_string(ok) + " of " + std::to_string(jobs.size()) +
                           " jobs finished and are kept in " + kept.string() +
                           ": run the same command with --resume to run only the others\n";
  if (first_failed < jobs.size())
    std::cerr << "archsim: " << scenario_file << ": " << label_of(first_failed) << " (seed " << jobs[first_failed].seed
              << ") failed: " << sweep.outputs[first_failed].error << tail;
  else
    std::cerr << "archsim: " << scenario_file << ": " << lost << " jobs were lost with their worker (the first: "
              << label_of(first_lost) << ", seed " << jobs[first_lost].seed << ")" << tail;
  return 1;
}

}  // namespace archsim::cli
