// The output folder of the second hardening round: a write that fails while the report is
// drawn (a full disk, played by a file size limit), a staging folder left by kill -9, and a
// signal while a complete run is being written. Each leaves the previous folder as it was or
// the new one whole, never a mix, and says so with the right exit code.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

namespace fs = std::filesystem;
using archsim::e2e::describe;
using archsim::e2e::read_text;
using archsim::e2e::run_archsim;
using archsim::e2e::run_archsim_watched;
using archsim::e2e::RunResult;
using archsim::e2e::scratch_dir;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

constexpr double kTimeout = 120;

// Two services behind a balancer: charts (SVG and PNG of 20 to 70 kB each), a topology and a
// page of about 300 kB, with data files smaller than the charts (a window of 10 s).
std::string scenario(const std::string& name) {
  json doc = json::parse(R"({"duration": "60s", "window": "10s", "components": [
    {"id": "users", "type": "client", "target": "lb", "arrivals": {"rate": 200}, "timeout": "1s"},
    {"id": "lb", "type": "balancer", "targets": ["web", "web2"]},
    {"id": "web", "type": "service", "replicas": 2, "service_time": {"dist": "exponential", "mean": "4ms"}},
    {"id": "web2", "type": "service", "replicas": 2, "service_time": {"dist": "exponential", "mean": "4ms"}}]})");
  doc["name"] = name;
  return write_scenario(name, doc);
}

// Every file under `dir` (relative path -> content).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = read_text(e.path().string());
  return files;
}

std::size_t leftovers(const fs::path& out) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(out.parent_path())) {
    const std::string name = e.path().filename().string();
    n += name.rfind("." + out.filename().string() + ".", 0) == 0;
  }
  return n;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

fs::path staging_of(const fs::path& out, pid_t pid) {
  return out.parent_path() / ("." + out.filename().string() + ".writing-" + std::to_string(pid));
}

}  // namespace

TEST_CASE("hardening: a write that fails while the report is drawn fails the run and keeps the previous folder") {
  const std::string file = scenario("full-disk");
  const fs::path out = fs::path(scratch_dir("full-disk")) / "out";
  auto r = run_archsim({"run", file, "--quiet", "--out", out.string()}, kTimeout);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  const auto before = snapshot(out);
  REQUIRE(before.count("report.html") == 1);
  std::size_t largest = 0;  // the data files run writes itself, before the report
  for (const char* f : {"summary.json", "analysis.json", "timeseries.csv", "latency_cdf.csv", "topology.dot"})
    largest = std::max(largest, before.at(f).size());
  REQUIRE(before.at("report.html").size() > largest);
  // File size limits from just above the data files to just below the page: each write of the
  // report phase that passes one (a .dat, a chart gnuplot truncates, dot's drawing, the page)
  // fails in turn. Before, such a run exited 0 and committed zero-byte scripts, truncated
  // charts and report.html.tmp.
  int failed = 0;
  bool chart = false, page = false;  // a chart gnuplot left truncated; the page itself
  for (std::size_t limit = largest + 1; limit < before.at("report.html").size(); limit = limit * 3 / 2) {
    CAPTURE(limit);
    r = archsim::e2e::run_archsim_file_limit({"run", file, "--quiet", "--seed", "2", "--out", out.string()}, limit, kTimeout);
    INFO(describe(r));
    REQUIRE(r.signal == 0);
    CHECK(r.exit_code == 1);
    failed += r.exit_code == 1;
    chart = chart || r.err.find("gnuplot's output is not whole") != std::string::npos;
    page = page || r.err.find("report.html") != std::string::npos;
    CHECK(r.err.find("cannot write") != std::string::npos);
    CHECK(r.out.find("wrote") == std::string::npos);
    CHECK(snapshot(out) == before);  // the previous folder, byte for byte
    CHECK(leftovers(out) == 0);      // no staging folder, no report.html.tmp
  }
  CHECK(failed >= 3);
  CHECK(chart);
  CHECK(page);
  // With room, the same run is written whole.
  r = run_archsim({"run", file, "--quiet", "--seed", "2", "--out", out.string()}, kTimeout);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  const auto after = snapshot(out);
  CHECK(after.at("summary.json") != before.at("summary.json"));
  CHECK(ends_with(after.at("report.html"), "</html>\n"));
  for (const auto& written : after) {  // not a structured binding: CAPTURE of one needs what Clang 14 lacks
    const std::string& name = written.first;
    const std::string& text = written.second;
    if (name.size() > 4 && name.substr(name.size() - 4) == ".svg") {
      CAPTURE(name);
      CHECK(ends_with(text.substr(0, text.find_last_not_of("\n ") + 1), "</svg>"));
    }
  }
}

TEST_CASE("hardening: the report of `archsim report DIR` that cannot be written is exit 1, no report.html.tmp left") {
  const std::string file = scenario("report-full");
  const fs::path out = fs::path(scratch_dir("report-full")) / "out";
  auto r = run_archsim({"run", file, "--quiet", "--no-report", "--out", out.string()}, kTimeout);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  r = archsim::e2e::run_archsim_file_limit({"report", out.string()}, 64 * 1024, kTimeout);
  INFO(describe(r));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot write") != std::string::npos);
  CHECK(!fs::exists(out / "report.html.tmp"));
  CHECK(!fs::exists(out / "report.html"));
}

TEST_CASE("hardening: a staging folder left by kill -9 is removed by the next run into the same folder") {
  const std::string file = scenario("killed");
  const fs::path out = fs::path(scratch_dir("killed")) / "out";
  pid_t victim = 0;
  auto r = run_archsim_watched({"run", file, "--quiet", "--out", out.string()}, kTimeout, [&](pid_t pid) {
    if (victim == 0 && fs::exists(staging_of(out, pid))) {
      victim = pid;
      ::kill(pid, SIGKILL);
    }
  });
  REQUIRE(victim != 0);
  CHECK(r.signal == SIGKILL);
  CHECK(fs::is_directory(staging_of(out, victim)));
  // Two more, as a crash would leave them: one whose PID is gone, one whose PID a process
  // took later (this test's own, with the folder made to look a year old: older than the
  // process, so the process cannot be its writer).
  pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  fs::create_directories(staging_of(out, gone) / "charts");
  std::ofstream(staging_of(out, gone) / "summary.json") << "{}";
  const fs::path reused = staging_of(out, ::getpid());
  fs::create_directories(reused);
  fs::last_write_time(reused, fs::file_time_type::clock::now() - std::chrono::hours(24 * 365));
  // A folder whose PID is a process that started before it was made (this test's parent)
  // may be a writer still at work: it is kept.
  const fs::path running = out.parent_path() / ("." + out.filename().string() + ".writing-" + std::to_string(::getppid()));
  fs::create_directories(running);

  r = run_archsim({"run", file, "--quiet", "--no-report", "--out", out.string()}, kTimeout);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(!fs::exists(staging_of(out, victim)));
  CHECK(!fs::exists(staging_of(out, gone)));
  CHECK(!fs::exists(reused));
  CHECK(fs::exists(running));
  fs::remove_all(running);
  CHECK(leftovers(out) == 0);
}

TEST_CASE("interrupt: SIGINT while a complete run is written writes its results without the report, exit 130") {
  const std::string file = scenario("interrupt-write");
  const fs::path out = fs::path(scratch_dir("interrupt-write")) / "out";
  auto r = run_archsim({"run", file, "--quiet", "--out", out.string()}, kTimeout);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  const auto before = snapshot(out);
  // The signal as soon as the staging folder exists: the simulation has ended, the writing
  // (data files, then gnuplot's charts, dot's diagram and the page) has begun. The run is
  // complete: its data files are written and put in place, unmarked, as --no-report would;
  // the report is left out. Before, the finished run was thrown away (the previous folder
  // kept), after drawing the whole report.
  bool sent = false;
  r = run_archsim_watched({"run", file, "--quiet", "--seed", "2", "--out", out.string()}, kTimeout, [&](pid_t pid) {
    if (!sent && fs::exists(staging_of(out, pid))) {
      ::kill(pid, SIGINT);
      sent = true;
    }
  });
  INFO(describe(r));
  REQUIRE(sent);
  CHECK(r.exit_code == 130);
  CHECK(r.err.find("the run is complete and its results are written to " + out.string()) != std::string::npos);
  CHECK(r.err.find("partial") == std::string::npos);
  const auto after = snapshot(out);
  REQUIRE(after.count("summary.json") == 1);
  CHECK(after.at("summary.json") != before.at("summary.json"));  // seed 2's
  CHECK(json::parse(after.at("summary.json"))["run"].count("partial") == 0);
  CHECK(after.count("timeseries.csv") == 1);
  CHECK(after.count("report.html") == 0);
  for (const auto& written : after) CHECK(written.first.rfind("charts/", 0) != 0);
  CHECK(leftovers(out) == 0);
}

TEST_CASE("hardening: a full disk under compare says once that jobs are not kept, and leaves no temporary job file") {
  const std::string file = scenario("jobs-full");
  const fs::path out = fs::path(scratch_dir("jobs-full")) / "out";
  const std::vector<std::string> args = {"compare", file, "--vary", "web.replicas=1,2,3", "--threads", "1", "--quiet",
                                         "--no-report", "--out", out.string()};
  auto r = run_archsim(args, kTimeout);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  // A file size limit above every file of the output but below a job's (its summary, series
  // and CDF in one): each of the three jobs fails to be kept. Before, each failure was a
  // line of its own and left its NAME.job.tmp-PID behind in jobs/.
  std::size_t largest = 0, job = SIZE_MAX;
  for (const auto& [name, text] : snapshot(out))
    if (name.rfind("jobs/", 0) == 0) {
      if (name.size() > 4 && name.substr(name.size() - 4) == ".job") job = std::min(job, text.size());
    } else {
      largest = std::max(largest, text.size());
    }
  // Halfway between, not one byte above the largest: compare.json carries each variant's wall
  // time, whose digits (and so the file's size) differ from run to run.
  REQUIRE(largest + 2048 < job);
  r = archsim::e2e::run_archsim_file_limit(args, largest + (job - largest) / 2, kTimeout);
  INFO(describe(r));
  CHECK(r.exit_code == 0);
  CHECK(archsim::e2e::lines(r.err).size() == 1);
  CHECK(r.err.find("finished jobs cannot be kept for --resume") != std::string::npos);
  auto temporary = [&] {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(out.parent_path(), ec))
      n += e.path().filename().string().find(".tmp-") != std::string::npos;
    return n;
  };
  CHECK(temporary() == 0);
  CHECK(leftovers(out) == 0);

  // One left by a process that is gone (killed while writing it) is removed by the next sweep
  // into the folder, even one that fails.
  pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  fs::create_directories(out / "jobs");
  const fs::path planted = out / "jobs" / ("0123456789abcdef.job.tmp-" + std::to_string(gone));
  std::ofstream(planted) << "half a job";
  r = archsim::e2e::run_archsim_file_limit(args, 64, kTimeout);
  INFO(describe(r));
  CHECK(r.exit_code == 1);
  CHECK(!fs::exists(planted));
  CHECK(temporary() == 0);
}
