// archsim graph: the topology of a scenario as a diagram (tools/cli/topology_dot.h writes
// the DOT); graphviz's `dot` renders it when the output name asks for SVG or PNG.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <iostream>
#include <sstream>

#include "reports/chart_scripts.h"
#include "reports/write_file.h"
#include "scenario/errors.h"
#include "tools/cli/commands.h"
#include "tools/cli/output_dir.h"
#include "tools/cli/report_command.h"
#include "tools/cli/topology.h"
#include "tools/cli/topology_dot.h"

extern char** environ;

namespace archsim::cli {

namespace fs = std::filesystem;

namespace {

// Runs `argv` (argv[0] looked up on PATH by posix_spawnp); returns its exit status or -1.
int run(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int graph_command(const GraphOptions& o, const Registry& registry) {
  std::optional<Topology> topo = Topology::load(o.scenario, o.sets, registry);
  if (!topo) return 2;
  const std::string& name = topo->scenario_name;
  const std::string dot = topology_dot(*topo, name);
  if (o.output.empty() || o.output == "-") {
    std::cout << dot;
    return 0;
  }
  const fs::path out(o.output);
  const std::string ext = out.extension().string();
  if (ext != ".svg" && ext != ".png" && ext != ".dot" && ext != ".gv") {
    std::cerr << "archsim: graph: " << o.output << ": the name must end in .svg, .png or .dot\n";
    return 2;
  }
  if (out.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(out.parent_path(), ec);
  }
  if (ext == ".dot" || ext == ".gv") {
    if (!write_checked(out, dot)) return 1;
    std::cout << "wrote " << o.output << "\n";
    return 0;
  }
  if (!reports::find_on_path("dot")) {
    std::cerr << "archsim: graph: drawing " << ext.substr(1) << " needs graphviz's `dot`, which is not on PATH.\n"
              << "  Install it (Debian/Ubuntu: apt-get install graphviz), or write DOT and render it elsewhere:\n"
              << "  archsim graph " << o.scenario << " -o " << out.stem().string() << ".dot\n";
    return 1;
  }
  const fs::path tmp = out.string() + ".tmp.dot";
  if (!write_checked(tmp, dot)) return 1;
  const int status = run({"dot", "-T" + ext.substr(1), "-o", out.string(), tmp.string()});
  std::error_code ec;
  fs::remove(tmp, ec);
  if (status != 0) {
    std::cerr << "archsim: graph: dot failed (exit " << status << ") drawing " << o.output << "\n";
    fs::remove(out, ec);  // what it wrote before it failed
    return 1;
  }
  if (!reports::output_whole(out)) {  // dot does not always check its writes
    std::cerr << "archsim: graph: cannot write " << o.output << ": dot's drawing is not whole (a full disk or a file size limit)\n";
    fs::remove(out, ec);
    return 1;
  }
  std::cout << "wrote " << o.output << "\n";
  return 0;
}

}  // namespace archsim::cli
