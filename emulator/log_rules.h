// What SLS checks in a LogGroup's contents before it stores any of it
// (doc/protocol.md §10.3, §10.4, §14): log count, log time window and
// nanoseconds, non-empty contents, content key rules, value, topic and
// source sizes, UTF-8. The first failure rejects the whole request, with
// SLS's status and code. Runs after CheckLogGroup (loggroup_check.h) has
// accepted the wire format, in one more pass over the bytes, copying
// nothing.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/base/status.h"
#include "emulator/limits.h"

namespace slsflow::emulator {

// The content keys SLS keeps for itself (doc/protocol.md §10.4).
bool IsReservedContentKey(std::string_view key);

// OK, or an SlsError carrying the status, code and a message naming the
// log (0-based), the key and the rule. `now_s` is the server clock.
Status CheckLogRules(std::string_view raw, const EmulatorLimits& limits, int64_t now_s);

}  // namespace slsflow::emulator
