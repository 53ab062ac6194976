// SIGINT and SIGTERM for the long-running subcommands: one counter that the
// engines watch, so that consume and produce stop the same way.
#pragma once

#include <atomic>

namespace slsflow::cli {

enum class SecondStop {
  kCounts,  // produce: a second signal abandons the flush, which still reports what was undelivered
  kKills,   // consume: its state and output survive a kill, so a second signal is the default action
};

// Installs the handlers (without SA_RESTART, so a blocked poll() or read()
// returns) and returns the counter they increment, reset to 0.
std::atomic<int>* InstallStopSignals(SecondStop second);

}  // namespace slsflow::cli
