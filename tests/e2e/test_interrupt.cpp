// Interrupts (tools/cli/interrupt.h): SIGINT or SIGTERM during `run` stops the simulation where
// it is and writes the output folder, marked partial, exit 128 + signal; during `compare` the
// finished jobs are kept for --resume and no variant folder is left behind. The runs here
// would take minutes; every child has a timeout, so a handler that does not stop cannot hang
// the suite (it fails on timed_out instead).
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
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
