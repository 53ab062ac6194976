// PutLogs' content rules (emulator/log_rules.h) on any bytes the wire check
// accepts: the walker must never crash and must decide as the same rules
// applied to protobuf's own parse do. Byte 0 picks the limits: bit 0 takes
// any encoding, bit 1 tightens every size so that the size rules are
// reachable from small inputs, bit 2 leaves the time window unchecked.
#include <cstddef>
#include <cstdint>
#include <string>

#include "emulator/log_rules.h"
#include "emulator/loggroup_check.h"
#include "tests/emulator/log_rules_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slsflow::emulator;
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string raw(reinterpret_cast<const char*>(data) + 1, size - 1);
  uint32_t logs = 0;
  if (!CheckLogGroup(raw, &logs)) return 0;
  EmulatorLimits limits;
  limits.accept_invalid_utf8 = mode & 1;
  if (mode & 2) {
    limits.max_key_bytes = 4;
    limits.max_value_bytes = 8;
    limits.max_topic_bytes = 4;
    limits.max_logs_per_request = 3;
  }
  if (mode & 4) limits.max_log_age_s = limits.max_log_ahead_s = 0;
  const int64_t now = 1795550000;
  const bool mine = CheckLogRules(raw, limits, now).ok();
  if (mine != test::OracleAccepts(raw, limits, now)) __builtin_trap();
  return 0;
}
