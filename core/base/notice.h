// Lines a person must see at the default log level, worded as plain
// statements rather than warnings, because nothing else would explain what
// the program is doing: it cannot reach the server and is trying again, or
// it waits for a file that does not exist yet.
//
// They go through the spdlog logger named kNoticeLogger when the program
// set one up (the CLI does: "slsflow: <line>" on stderr, off with -q), and
// through the default logger as a warning otherwise (tests, libraries).
#pragma once

#include <string>

#include "core/base/status.h"

namespace slsflow {

inline constexpr const char* kNoticeLogger = "slsflow.notice";

void Notice(const std::string& line);

// "<what failed>; retrying (retry/retries)". Callers use it for failures
// nothing else would report, such as a server that cannot be reached.
void NoticeRetry(const Status& failure, int retry, int retries);

}  // namespace slsflow
