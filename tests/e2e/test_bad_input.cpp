// Bad input is answered, never crashed on: malformed JSON, the loader's pointers, --set, the
// command line, and the clients' fields (the checks: tests/e2e/bad_input.h). The families'
// cases: test_bad_input_services.cpp (balancers, services, functions, resilience, security)
// and test_bad_input_data.cpp (caches, databases, consensus).
#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/bad_input.h"
#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::run_archsim;
using archsim::e2e::RunResult;
using namespace archsim::e2e::bad_input;

TEST_CASE("bad input: malformed JSON is reported with its line and column") {
  // tests/e2e/bad/malformed.json lacks the comma at the end of line 3; a JSON reader first
  // notices at the string that opens line 4.
  const std::string path = bad("malformed.json");
  for (const char* cmd : {"run", "validate"}) {
    CAPTURE(cmd);
    const auto r = std::string(cmd) == "run" ? run_bad(path) : run_archsim({"validate", path}, kTimeout);
    const std::string line = one_error_line(r);
    INFO("stderr line: ", line);
    CHECK(line.rfind(kLinePrefix + path + ":", 0) == 0);
    // Either "<file>:4:<col>: ..." or a message with "line 4, column <col>".
    std::smatch m;
    const bool compact = std::regex_search(line, m, std::regex("^.*?:([0-9]+):([0-9]+): "));
    const bool words = !compact && std::regex_search(line, m, std::regex("line ([0-9]+),? column ([0-9]+)"));
    REQUIRE((compact || words));
    CHECK(m[1].str() == "4");
    CHECK(std::stoi(m[2].str()) >= 1);
  }
}

TEST_CASE("bad input: each fault is named at its JSON location") {
  const std::vector<Case> cases = {
      // A misspelt required field: the typo is the fault to name, not the missing field.
      {"unknown_field.json", "/components/1/servce_time", {"did you mean", "service_time"}},
      {"unknown_optional_field.json", "/components/1/concurency", {"did you mean", "concurrency"}},
      {"unknown_type.json", "/components/1/type", {"servise"}},
      {"missing_reference.json", "/components/0/target", {"wbe"}},
      {"negative_rate.json", "/components/0/arrivals/rate", {}},
      {"negative_duration.json", "/duration", {}},
      {"negative_service_time.json", "/components/1/service_time/mean", {}},
      {"unknown_unit.json", "/components/0/timeout", {"parsecs"}},
      {"wrong_type.json", "/components/1/replicas", {}},
      {"empty_components.json", "/components", {}},
      {"sync_cycle.json", "/components", {"cycle", "alpha", "beta"}, true},
      {"fixed_count_open_loop.json", "/components/0/iterations", {"users", "arrivals"}},
      {"access_log_sample_zero.json", "/components/0/access_log/sample", {"above 0"}},
  };
  for (const Case& c : cases) {
    const std::string path = bad(c.file);
    CAPTURE(path);
    check_semantic_error(run_bad(path), path, c);
    // validate reads the same way and says the same thing.
    const auto v = run_archsim({"validate", path}, kTimeout);
    check_semantic_error(v, path, c);
  }
}

TEST_CASE("bad input: a run that would exhaust memory is refused") {
  // 1e12 closed-loop users would need terabytes of per-user state: refuse before t = 0.
  const std::string path = bad("huge_users.json");
  check_semantic_error(run_bad(path), path, {"huge_users.json", "/components/0/users", {"memory"}});
  const auto v = run_archsim({"validate", path}, kTimeout);
  INFO(describe(v));
  CHECK((v.exit_code == 0 || v.exit_code == 2));  // a static check may or may not catch it
}

TEST_CASE("bad input: --set is validated like the file") {
  // A typo in an override is as wrong as one in the file. Where the message points (the
  // file's JSON location or the --set argument) is the engine's choice; the words are not.
  const std::string path = archsim::e2e::basic_scenario("mm1.json");
  {
    const std::string line = one_error_line(run_bad(path, {"--set", "web.concurency=4"}));
    INFO("stderr line: ", line);
    CHECK(line.find("concurency") != std::string::npos);
    CHECK(line.find("did you mean") != std::string::npos);
    CHECK(line.find("concurrency") != std::string::npos);
  }
  {
    // A typo of a component's id is named as one, not as an unknown top-level field "wbe".
    const std::string line = one_error_line(run_bad(path, {"--set", "wbe.replicas=2"}));
    INFO("stderr line: ", line);
    CHECK(line.find("no component or fault named \"wbe\" (did you mean \"web\"?)") != std::string::npos);
  }
  {
    const std::string line = one_error_line(run_bad(path, {"--set", "users.arrivals.rate=-1"}));
    INFO("stderr line: ", line);
    CHECK(line.find("rate") != std::string::npos);
  }
}

TEST_CASE("--set PATH=null makes the field absent, and validate takes --set") {
  // The scenario format says a null field counts as absent (its default applies), whatever
  // the mode: an open-loop client has no think_time, and null must not put one there.
  const std::string path = archsim::e2e::basic_scenario("mm1.json");
  const std::string out = archsim::e2e::scratch_dir("set-null");
  RunResult ok = run_archsim({"run", path, "--json", "--quiet", "--out", out, "--set", "duration=2m",
                              "--set", "users.think_time=null", "--set", "web.queue_capacity=null",
                              "--set", "web.memory.limit_mb=null"}, kTimeout);
  INFO(describe(ok));
  CHECK(ok.exit_code == 0);
  RunResult v = run_archsim({"validate", path, "--set", "users.think_time=null"}, kTimeout);
  INFO(describe(v));
  CHECK(v.exit_code == 0);
  CHECK(v.out.find(": ok") != std::string::npos);
  // validate applies the overrides as run does: a bad one is the same one-line error.
  const std::string line = one_error_line(run_archsim({"validate", path, "--set", "web.concurency=4"}, kTimeout));
  CHECK(line.find("did you mean") != std::string::npos);
  // A null item of an array stays there (and is refused where an item is needed).
  one_error_line(run_archsim({"validate", path, "--set", "components.1=null"}, kTimeout));
}

TEST_CASE("bad input: a missing scenario file") {
  const std::string path = bad("no_such_file.json");
  const std::string line = one_error_line(run_bad(path));
  INFO("stderr line: ", line);
  CHECK(line.find(path) != std::string::npos);
}

TEST_CASE("bad input: a mistake on the command line is one line naming the command") {
  const std::string mm1 = archsim::e2e::source_path("scenarios/basics/mm1.json");
  struct CommandLineCase {
    std::vector<std::string> args;
    const char* starts;  // the line's beginning: the command as far as it was understood
    const char* word;    // what the line must say
  };
  const CommandLineCase cases[] = {
      {{}, "archsim: ", "expected a command first: run, compare, plan, metastability, validate, report, graph, analyze or import"},
      {{"simulate", mm1}, "archsim: ", "unknown command \"simulate\""},
      {{"run"}, "archsim run: ", "scenario is required"},
      {{"run", mm1, "--no-such-flag"}, "archsim run: ", "--no-such-flag"},
      {{"run", mm1, "--threads", "999"}, "archsim run: ", "--threads"},
      {{"compare", mm1}, "archsim compare: ", "--vary"},
      {{"run", mm1, "--replication", "3"}, "archsim run: ", "did you mean \"--replications\"?"},
      {{"compare", mm1, "--vary", "web.replicas=1,2", "--thread=2"}, "archsim compare: ", "did you mean \"--threads\"?"},
  };
  for (const auto& c : cases) {
    const std::string line = one_error_line(run_archsim(c.args, kTimeout));
    INFO("stderr line: ", line);
    CHECK(line.rfind(c.starts, 0) == 0);
    CHECK(line.find(c.word) != std::string::npos);
    CHECK(line.find("--help") != std::string::npos);
  }
}

TEST_CASE("bad input: a client's internal placement is a boolean") {
  const std::string path = archsim::e2e::basic_scenario("mmc.json");
  check_semantic_error(run_bad(path, {"--set", "users.internal=\"yes\""}), path,
                       {"", "/components/0/internal", {"true or false"}});
}

TEST_CASE("bad input: a fixed-count load test's iterations and executor, each fault at its pointer") {
  const std::string path = archsim::e2e::basic_scenario("load-test.json");
  struct SetCase {
    std::vector<std::string> set;
    Case c;
  };
  const SetCase cases[] = {
      {{"users.iterations=0"}, {"", "/components/0/iterations", {}}},
      {{"users.iterations=5"}, {"", "/components/0/iterations", {"fewer than the 10 users", "per_vu_iterations"}}},
      {{"users.executor=\"constant-vus\""}, {"", "/components/0/executor", {"shared_iterations"}}},
      {{"users.iterations=null"}, {"", "/components/0/executor", {"iterations"}}},
      {{"warmup=1s"}, {"", "/components/0/iterations", {"warm-up"}}},
      {{"users.users=[[\"0s\",1],[\"1m\",10]]"}, {"", "/components/0/users", {"profile"}}},
  };
  for (const SetCase& sc : cases) {
    std::vector<std::string> extra;
    for (const auto& a : sc.set) extra.insert(extra.end(), {"--set", a});
    CAPTURE(sc.set.front());
    check_semantic_error(run_bad(path, extra), path, sc.c);
  }
}

// Every broken component is named in one pass, a line each (its first fault), up to 20: a
// user fixing a scenario does not run it once per mistake.
TEST_CASE("bad input: each broken component's error in one pass, a line each, at most 20") {
  const std::string dir = archsim::e2e::scratch_dir("bad-several");
  const std::string two = dir + "/two.json";
  std::ofstream(two) << R"({"duration": "1m", "components": [
    {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": -1}},
    {"id": "web", "type": "service", "concurrency": 0, "service_time": "1ms"},
    {"id": "db", "type": "servise"}]})";
  RunResult r = run_archsim({"run", two, "--quiet", "--out", dir + "/out"}, kTimeout);
  INFO(describe(r));
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  const auto ls = archsim::e2e::lines(r.err);
  REQUIRE(ls.size() == 3);
  CHECK(ls[0].rfind(two + ": /components/0/arrivals/rate: ", 0) == 0);
  CHECK(ls[1].rfind(two + ": /components/1/concurrency: ", 0) == 0);
  CHECK(ls[2].rfind(two + ": /components/2/type: ", 0) == 0);
  CHECK(ls[2].find("did you mean \"service\"") != std::string::npos);
  // 30 broken services: the first 20 are named.
  std::string many = R"({"duration": "1m", "components": [{"id": "users", "type": "client", "target": "s0", "arrivals": {"rate": 1}})";
  for (int i = 0; i < 30; ++i)
    many += R"(, {"id": "s)" + std::to_string(i) + R"(", "type": "service", "replicas": -1, "service_time": "1ms"})";
  const std::string many_path = dir + "/many.json";
  std::ofstream(many_path) << many + "]}";
  r = run_archsim({"validate", many_path}, kTimeout);
  INFO(describe(r));
  CHECK(r.exit_code == 2);
  const auto ml = archsim::e2e::lines(r.err);
  REQUIRE(ml.size() == 20);
  for (std::size_t i = 0; i < ml.size(); ++i)
    CHECK(ml[i].rfind(many_path + ": /components/" + std::to_string(i + 1) + "/replicas: ", 0) == 0);
}
