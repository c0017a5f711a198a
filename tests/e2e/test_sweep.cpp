// Sweeps as job plans (tools/cli/sweep.h): `archsim compare` runs every (variant,
// replication) as a job on the thread executor. The merged files (compare.json and every
// variant's summary.json, timeseries.csv, latency_cdf.csv) must be byte-identical outside
// "run" whatever the thread count; every variant is built before the first job runs; a
// sweep killed part-way keeps its finished jobs, and --resume runs only the missing ones.
#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"

namespace fs = std::filesystem;
using archsim::e2e::describe;
using archsim::e2e::lines;
using archsim::e2e::read_text;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;

namespace {

// A small sweep: the M/M/1 queue for 2 minutes at three arrival rates, two replications.
std::vector<std::string> small_compare(const std::string& out, const std::string& threads,
                                       const std::string& duration = "2m") {
  return {"compare", archsim::e2e::basic_scenario("mm1.json"), "--set", "duration=" + duration, "--vary",
          "users.arrivals.rate=40,60,80", "--replications", "2", "--threads", threads, "--quiet", "--no-report",
          "--out", out};
}

// The file's text with every "run" block removed (wall time, events/s differ between runs).
std::string without_runs(const std::string& text) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text);
  j.erase("run");
  if (j.contains("variants"))
    for (auto& v : j["variants"]) v["summary"].erase("run");
  return j.dump(2);
}

// Every merged file of a compare folder, "run" blocks removed from the JSON ones.
std::map<std::string, std::string> merged_files(const fs::path& dir, std::size_t variants) {
  std::map<std::string, std::string> files;
  files["compare.json"] = without_runs(read_text((dir / "compare.json").string()));
  for (std::size_t i = 1; i <= variants; ++i) {
    const std::string v = "variant-" + std::to_string(i) + "/";
    files[v + "summary.json"] = without_runs(read_text((dir / (v + "summary.json")).string()));
    files[v + "timeseries.csv"] = read_text((dir / (v + "timeseries.csv")).string());
    files[v + "latency_cdf.csv"] = read_text((dir / (v + "latency_cdf.csv")).string());
  }
  return files;
}

std::size_t job_files(const fs::path& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir / "jobs", ec))
    if (e.path().extension() == ".job") ++n;
  return n;
}

}  // namespace

TEST_CASE("sweep: compare's merged files are byte-identical outside \"run\" with 1 and 3 threads") {
  const fs::path one = scratch_dir("sweep-1-thread"), three = scratch_dir("sweep-3-threads");
  auto r1 = run_archsim(small_compare(one.string(), "1"), 120);
  REQUIRE_MESSAGE(r1.exit_code == 0, describe(r1));
  auto r3 = run_archsim(small_compare(three.string(), "3"), 120);
  REQUIRE_MESSAGE(r3.exit_code == 0, describe(r3));
  const auto a = merged_files(one, 3), b = merged_files(three, 3);
  for (const auto& file : a) {
    const auto& [name, text] = file;
    INFO(file.first);  // the pair, not the binding: INFO's lambda takes it (clang < 16)
    CHECK(text.size() > 40);  // a real file, not two empty ones
    CHECK(text == b.at(name));
  }
  // Each variant's summary.json is the merged summary compare.json holds for it.
  const auto cmp = nlohmann::ordered_json::parse(read_text((one / "compare.json").string()));
  REQUIRE(cmp["variants"].size() == 3);
  auto v2 = nlohmann::ordered_json::parse(read_text((one / "variant-2" / "summary.json").string()));
  CHECK(v2 == cmp["variants"][1]["summary"]);
  CHECK(v2["replications"] == 2);
  // The three rates really are different runs (a sweep that ran one variant thrice fails).
  CHECK(cmp["variants"][0]["summary"]["latency_ms"]["p99"] != cmp["variants"][2]["summary"]["latency_ms"]["p99"]);
  // The folder keeps the 6 jobs for --resume.
  CHECK(job_files(one) == 6);
}

TEST_CASE("sweep: without --threads, compare and run --replications use every core of the machine") {
  const unsigned cores = std::clamp(std::thread::hardware_concurrency(), 1u, 256u);
  const std::string all = std::to_string(cores) + (cores == 1 ? " thread" : " threads");
  // compare: the default, then --threads 1; compare.json's "run" names what ran the jobs.
  std::vector<std::string> args = small_compare(scratch_dir("sweep-default-threads"), "1");
  const auto threads = std::find(args.begin(), args.end(), "--threads");
  args.erase(threads, threads + 2);
  const std::string out = args.back();
  auto r = run_archsim(args, 120);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(nlohmann::json::parse(read_text(out + "/compare.json"))["run"]["executor"] == all);
  const fs::path one = scratch_dir("sweep-one-thread");
  r = run_archsim(small_compare(one.string(), "1"), 120);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(nlohmann::json::parse(read_text((one / "compare.json").string()))["run"]["executor"] == "1 thread");
  // run --replications: summary.json's "run" says the same.
  const std::string rep = scratch_dir("sweep-default-threads-run");
  r = run_archsim({"run", archsim::e2e::basic_scenario("mm1.json"), "--set", "duration=2m", "--replications", "2",
                   "--quiet", "--no-report", "--out", rep},
                  120);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(nlohmann::json::parse(read_text(rep + "/summary.json"))["run"]["executor"] == all);
  // The help says so.
  r = run_archsim({"compare", "--help"}, 30);
  CHECK(r.out.find("default: all " + std::to_string(cores) + " cores") != std::string::npos);
}

TEST_CASE("sweep: every variant is built before the first job runs; one that does not build is named, exit 2") {
  const fs::path out = scratch_dir("sweep-bad-variant");
  auto r = run_archsim({"compare", archsim::e2e::basic_scenario("mm1.json"), "--set", "duration=1h", "--vary",
                        "web.replicas=1,2,-1", "--threads", "2", "--quiet", "--out", out.string()},
                       60);
  INFO(describe(r));
  CHECK(r.exit_code == 2);
  const auto err = lines(r.err);
  REQUIRE(err.size() == 1);
  CHECK(err[0].find("variant web.replicas=-1") != std::string::npos);
  CHECK(err[0].find("/components/1/replicas") != std::string::npos);
  CHECK(!fs::exists(out / "jobs"));  // nothing ran: an hour-long variant 1 would have been kept
  CHECK(r.wall_s < 20);
}

TEST_CASE("sweep: a sweep killed part-way keeps its finished jobs, and --resume runs only the missing ones") {
  const fs::path out = scratch_dir("sweep-resume"), whole = scratch_dir("sweep-whole");
  // Killed from outside (SIGKILL, as a crashed machine) once 4 of the 6 jobs are kept; jobs
  // of a 2-hour M/M/1 take long enough that the 6th cannot finish before the kill lands.
  auto killed = archsim::e2e::run_archsim_watched(small_compare(out.string(), "1", "2h"), 120, [&](pid_t pid) {
    if (job_files(out) >= 4) ::kill(pid, SIGKILL);
  });
  INFO(describe(killed));
  REQUIRE(killed.signal == SIGKILL);
  CHECK(!fs::exists(out / "compare.json"));
  const std::size_t kept = job_files(out);
  CHECK(kept >= 4);
  CHECK(kept < 6);
  // Re-run with --resume: only the missing jobs run, and the result is the whole sweep's.
  auto resumed = run_archsim([&] {
    auto a = small_compare(out.string(), "2", "2h");
    a.push_back("--resume");
    return a;
  }(), 120);
  REQUIRE_MESSAGE(resumed.exit_code == 0, describe(resumed));
  CHECK(resumed.err.find(std::to_string(kept) + " of 6 jobs reused") != std::string::npos);
  auto full = run_archsim(small_compare(whole.string(), "2", "2h"), 120);
  REQUIRE_MESSAGE(full.exit_code == 0, describe(full));
  const auto a = merged_files(out, 3), b = merged_files(whole, 3);
  for (const auto& file : a) {
    const auto& [name, text] = file;
    INFO(file.first);  // the pair, not the binding: INFO's lambda takes it (clang < 16)
    CHECK(text == b.at(name));
  }
  CHECK(job_files(out) == 6);
  // Without --resume every job runs again (nothing reused).
  auto again = run_archsim(small_compare(out.string(), "2", "2h"), 120);
  REQUIRE_MESSAGE(again.exit_code == 0, describe(again));
  CHECK(again.err.find("reused") == std::string::npos);
}

TEST_CASE("sweep: --resume refuses jobs another archsim build wrote, in one line, exit 2") {
  const fs::path out = scratch_dir("sweep-build");
  auto first = run_archsim(small_compare(out.string(), "2"), 120);
  REQUIRE_MESSAGE(first.exit_code == 0, describe(first));
  // The folder names the build that wrote it; this build resumes it (every job reused).
  const std::string build = read_text((out / "jobs" / "BUILD").string());
  REQUIRE(build.size() == 17);
  auto again = run_archsim([&] {
    auto a = small_compare(out.string(), "2");
    a.push_back("--resume");
    return a;
  }(), 120);
  REQUIRE_MESSAGE(again.exit_code == 0, describe(again));
  CHECK(again.err.find("6 of 6 jobs reused") != std::string::npos);
  // As if another build had written it.
  std::ofstream(out / "jobs" / "BUILD") << "0123456789abcdef\n";
  auto other = run_archsim([&] {
    auto a = small_compare(out.string(), "2");
    a.push_back("--resume");
    return a;
  }(), 120);
  INFO(describe(other));
  CHECK(other.exit_code == 2);
  const auto err = lines(other.err);
  REQUIRE(err.size() == 1);
  CHECK(err[0].find("was written by another archsim build (build 0123456789abcdef, this is build " + build.substr(0, 16) +
                    ")") != std::string::npos);
  CHECK(job_files(out) == 6);  // nothing was run or removed
}
