// Interrupts (tools/cli/interrupt.h): SIGINT or SIGTERM during `run` stops the simulation where
// it is and writes the output folder, marked partial, exit 128 + signal; during the report's
// drawing it stops the drawing at once and writes the complete run without its report; during
// `compare` the finished jobs are kept for --resume and no variant folder is left behind. The runs here
// would take minutes; every child has a timeout, so a handler that does not stop cannot hang
// the suite (it fails on timed_out instead).
#include <doctest/doctest.h>
#include <signal.h>

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"

namespace fs = std::filesystem;
using archsim::e2e::describe;
using archsim::e2e::read_text;
using archsim::e2e::run_archsim_watched;
using archsim::e2e::scratch_dir;

namespace {

// M/M/1 at 80 requests/s for 1000 hours: about 290 million requests, minutes of CPU.
std::string long_mm1(const std::string& name) {
  std::ifstream in(archsim::e2e::basic_scenario("mm1.json"));
  nlohmann::json doc = nlohmann::json::parse(in);
  doc["duration"] = "1000h";
  return archsim::e2e::write_scenario(name, doc);
}

// A watch that sends `sig` once, `after_s` seconds after the child started.
std::function<void(pid_t)> signal_after(int sig, double after_s) {
  auto start = std::chrono::steady_clock::now();
  auto sent = std::make_shared<bool>(false);
  return [=](pid_t pid) {
    if (*sent || std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < after_s) return;
    ::kill(pid, sig);
    *sent = true;
  };
}

std::size_t count_entries(const fs::path& dir, const std::string& prefix) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) ++n;
  return n;
}

// The finished jobs kept in a compare's DIR/jobs (<key>.job, each renamed into place whole).
std::size_t count_jobs(const fs::path& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".job") ++n;
  return n;
}

}  // namespace

TEST_CASE("interrupt: SIGINT during run writes what was simulated, marked partial, exit 130") {
  const std::string file = long_mm1("interrupt-run");
  const std::string out = scratch_dir("interrupt-run-out");
  auto r = run_archsim_watched({"run", file, "--quiet", "--out", out}, 90, signal_after(SIGINT, 1.5));
  INFO(describe(r));
  REQUIRE(!r.timed_out);
  CHECK(r.exit_code == 130);
  CHECK(r.err.find("interrupted") != std::string::npos);
  const nlohmann::json s = nlohmann::json::parse(read_text(out + "/summary.json"));
  CHECK(s["run"]["partial"] == true);
  const double reached = s["run"]["simulated_s"].get<double>();
  CHECK(reached > 60);               // past the warm-up: it simulated something
  CHECK(reached < 1000 * 3600.0);    // and stopped well before the end
  CHECK(s["duration_s"] == 1000 * 3600.0);
  // The figures are those of what was simulated: about 80 requests per simulated second.
  CHECK(s["requests"]["total"].get<double>() == doctest::Approx(80 * (reached - 60)).epsilon(0.05));
  CHECK(s["throughput_rps"].get<double>() == doctest::Approx(80).epsilon(0.05));
  CHECK(r.out.find("PARTIAL") != std::string::npos);
  // The page's script says "Partial run" from the summary it carries.
  CHECK(archsim::e2e::page_data(read_text(out + "/report.html"))["summary"]["run"]["partial"] == true);
  // No staging folder is left beside the output.
  CHECK(count_entries(fs::path(out).parent_path(), "." + fs::path(out).filename().string() + ".writing") == 0);
}

TEST_CASE("interrupt: SIGTERM during run exits 143 with the partial summary") {
  const std::string file = long_mm1("interrupt-term");
  const std::string out = scratch_dir("interrupt-term-out");
  auto r = run_archsim_watched({"run", file, "--quiet", "--no-report", "--json", "--out", out}, 90, signal_after(SIGTERM, 1.0));
  INFO(describe(r));
  REQUIRE(!r.timed_out);
  CHECK(r.exit_code == 143);
  const nlohmann::json s = nlohmann::json::parse(r.out);  // --json: stdout stays one JSON document
  CHECK(s["run"]["partial"] == true);
}

TEST_CASE("interrupt: compare keeps finished variants, leaves no half-written one, and resumes from them") {
  const std::string file = long_mm1("interrupt-compare");
  const std::string out = scratch_dir("interrupt-compare-out");
  const fs::path jobs = fs::path(out) / "jobs";
  // One thread: the 2-minute variant finishes at once, then the 1000 h one runs until the signal,
  // sent once the first job's file is in DIR/jobs.
  const std::vector<std::string> args = {"compare", file, "--vary", "duration=2m,1000h", "--threads", "1", "--quiet",
                                         "--no-report", "--out", out};
  bool sent = false;
  auto r = run_archsim_watched(args, 90, [&](pid_t pid) {
    if (!sent && count_jobs(jobs) > 0) {
      ::kill(pid, SIGINT);
      sent = true;
    }
  });
  INFO(describe(r));
  REQUIRE(!r.timed_out);
  CHECK(r.exit_code == 130);
  CHECK(r.err.find("1 of 2 jobs finished") != std::string::npos);
  CHECK(count_jobs(jobs) == 1);                                        // the finished job only
  CHECK(count_entries(out, "variant-") == 0);                        // no half-written variant
  CHECK(!fs::exists(fs::path(out) / "compare.json"));
  CHECK(count_entries(fs::path(out).parent_path(), "." + fs::path(out).filename().string() + ".writing") == 0);

  // The same command with --resume reuses the finished variant and runs only the other.
  std::vector<std::string> again = args;
  again.push_back("--resume");
  auto r2 = run_archsim_watched(again, 90, signal_after(SIGINT, 1.5));
  INFO(describe(r2));
  REQUIRE(!r2.timed_out);
  CHECK(r2.exit_code == 130);
  CHECK(r2.err.find("1 of 2 jobs reused") != std::string::npos);
}

TEST_CASE("interrupt: SIGTERM while the report is drawn stops the drawing at once and keeps the complete run") {
  // A gnuplot that never ends (it writes its PID, then sleeps ten minutes): before, archsim
  // waited for it (and drew every other chart after it, 33 to 55 s for a long run's), then
  // threw the finished run away. The child's timeout is far below the sleep: a signal that did
  // not stop the drawing fails the test on timed_out.
  const fs::path bin = scratch_dir("interrupt-draw-bin");
  const fs::path marker = bin / "gnuplot.pid";
  {
    std::ofstream gp(bin / "gnuplot");
    gp << "#!/bin/sh\necho $$ > '" << marker.string() << "'\nexec sleep 600\n";
  }
  ::chmod((bin / "gnuplot").c_str(), 0755);
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", (bin.string() + ":" + saved).c_str(), 1);
  std::ifstream in(archsim::e2e::basic_scenario("mm1.json"));
  nlohmann::json doc = nlohmann::json::parse(in);
  doc["duration"] = "2m";
  const std::string file = archsim::e2e::write_scenario("interrupt-draw", doc);
  const std::string out = scratch_dir("interrupt-draw-out");
  bool sent = false;
  auto r = run_archsim_watched({"run", file, "--quiet", "--out", out}, 60, [&](pid_t pid) {
    if (!sent && fs::exists(marker)) {
      ::kill(pid, SIGTERM);
      sent = true;
    }
  });
  setenv("PATH", saved.c_str(), 1);
  INFO(describe(r));
  REQUIRE(sent);
  REQUIRE(!r.timed_out);
  CHECK(r.exit_code == 143);
  CHECK(r.err.find("the run is complete and its results are written to") != std::string::npos);
  CHECK(r.err.find("archsim report") != std::string::npos);
  // The simulation's results, whole and not partial; no report, no half-drawn chart.
  const nlohmann::json s = nlohmann::json::parse(read_text(out + "/summary.json"));
  CHECK(!s["run"].contains("partial"));
  CHECK(s["duration_s"] == 120.0);
  for (const char* f : {"analysis.json", "timeseries.csv", "latency_cdf.csv", "topology.dot"}) {
    CAPTURE(f);
    CHECK(fs::exists(fs::path(out) / f));
  }
  CHECK(!fs::exists(fs::path(out) / "report.html"));
  CHECK(!fs::exists(fs::path(out) / "charts"));
  CHECK(count_entries(fs::path(out).parent_path(), "." + fs::path(out).filename().string() + ".writing") == 0);
  // The gnuplot it was waiting for is gone (killed and reaped, not left sleeping).
  const long gnuplot = std::stol(read_text(marker.string()));
  CHECK(::kill(static_cast<pid_t>(gnuplot), 0) == -1);
  CHECK(errno == ESRCH);
  // `archsim report DIR` draws it later (gnuplot as it is on the machine).
  auto report = archsim::e2e::run_archsim({"report", out}, 60);
  CHECK_MESSAGE(report.exit_code == 0, describe(report));
  CHECK(fs::exists(fs::path(out) / "report.html"));
}
