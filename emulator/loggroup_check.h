// Validates a serialized LogGroup without materialising it: the same
// accept/reject decision as protobuf's ParsePartial + IsInitialized for
// sls.proto (required Log.Time, LogContent/LogTag Key and Value; unknown
// fields skipped, groups included), at memory speed. PutLogs calls it on every body, and a
// full parse allocates two strings per log field.
#pragma once

#include <cstdint>
#include <string_view>

namespace slsflow::emulator {

// True when `raw` is a well-formed LogGroup with its required fields; sets
// the number of logs.
bool CheckLogGroup(std::string_view raw, uint32_t* log_count);

}  // namespace slsflow::emulator
