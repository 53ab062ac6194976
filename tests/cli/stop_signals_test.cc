#include "cli/stop_signals.h"

#include <doctest/doctest.h>
#include <signal.h>

namespace slsflow::cli {
namespace {

bool HandledByDefault(int sig) {
  struct sigaction now {};
  sigaction(sig, nullptr, &now);
  return now.sa_handler == SIG_DFL;
}

void RestoreDefaults() {
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
}

TEST_CASE("produce's stop: every signal counts, none kills") {
  std::atomic<int>* stops = InstallStopSignals(SecondStop::kCounts);
  CHECK(stops->load() == 0);
  raise(SIGINT);
  raise(SIGTERM);
  raise(SIGINT);
  CHECK(stops->load() == 3);
  CHECK_FALSE(HandledByDefault(SIGINT));
  RestoreDefaults();
}

TEST_CASE("consume's stop: the first signal counts, then the default action is back") {
  std::atomic<int>* stops = InstallStopSignals(SecondStop::kKills);
  CHECK(stops->load() == 0);  // reset, whatever an earlier run counted
  CHECK_FALSE(HandledByDefault(SIGTERM));
  raise(SIGTERM);
  CHECK(stops->load() == 1);
  CHECK(HandledByDefault(SIGINT));
  CHECK(HandledByDefault(SIGTERM));
}

TEST_CASE("the handlers do not restart system calls, so a blocked read returns") {
  InstallStopSignals(SecondStop::kCounts);
  struct sigaction now {};
  sigaction(SIGINT, nullptr, &now);
  CHECK((now.sa_flags & SA_RESTART) == 0);
  RestoreDefaults();
}

}  // namespace
}  // namespace slsflow::cli
