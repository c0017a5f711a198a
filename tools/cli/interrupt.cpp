#include "tools/cli/interrupt.h"

#include <csignal>

#include "reports/chart_scripts.h"

namespace archsim::cli {

namespace {

// Lock-free atomics are async-signal-safe to store to; nothing else happens in the handler.
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

extern "C" void on_signal(int sig) {
  g_signal.store(sig, std::memory_order_relaxed);
  g_stop.store(true, std::memory_order_relaxed);
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND | SA_RESTART;  // a second signal: the default action (terminate)
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  reports::stop_drawing_when(&g_stop);  // the report's drawing stops too (run_in_dir kills gnuplot)
}

const std::atomic<bool>& interrupt_flag() { return g_stop; }

int interrupt_signal() { return g_signal.load(std::memory_order_relaxed); }

int interrupted_exit_code() {
  const int s = interrupt_signal();
  return s == 0 ? 0 : 128 + s;
}

}  // namespace archsim::cli
