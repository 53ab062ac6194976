#include "cli/stop_signals.h"

#include <signal.h>

namespace slsflow::cli {

namespace {

// Touched from a signal handler: lock-free atomics only.
static_assert(std::atomic<int>::is_always_lock_free);
std::atomic<int> g_stops{0};
std::atomic<bool> g_second_kills{false};

void OnStopSignal(int) {
  if (g_stops.fetch_add(1) == 0 && g_second_kills.load()) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
  }
}

}  // namespace

std::atomic<int>* InstallStopSignals(SecondStop second) {
  g_stops.store(0);
  g_second_kills.store(second == SecondStop::kKills);
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &g_stops;
}

}  // namespace slsflow::cli
