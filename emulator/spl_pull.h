// SPL on a PullLogs reply: runs a program over the logs of the stored
// LogGroups and writes the LogGroupList of what remains, with the counts
// that the reply's SPL headers carry (doc/protocol.md §9.3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "emulator/spl_parser.h"

namespace slsflow::emulator::spl {

struct PullStats {
  uint64_t raw_groups = 0;     // x-log-rawdatacount: groups read
  uint64_t raw_bytes = 0;      // x-log-rawdatasize: their LogGroupList, bytes
  uint64_t raw_lines = 0;      // x-log-rawdatalines: logs read
  uint64_t result_lines = 0;   // x-log-resultlines: logs sent
  uint64_t failed_lines = 0;   // x-log-failedlines: logs a runtime error dropped
  uint64_t result_groups = 0;  // x-log-count: groups sent
};

// Appends to `list` the LogGroupList of `groups` (serialized LogGroups as
// stored) after `program`. A group keeps its topic, source, tags and any
// field we do not know, byte for byte; a log the program keeps unchanged
// (a where-only program) is sent as stored, a reshaped one is written anew
// (Time, Contents, TimeNs); a group left with no logs is not sent, so
// x-log-count can be below the groups read while the cursor still moves
// past all of them. kCorruption if a group does not decode.
Status RunOnGroups(const Program& program, const std::vector<std::string_view>& groups, std::string* list,
                   PullStats* stats);

}  // namespace slsflow::emulator::spl
