// What a produce run reports: its exit code, its --stats line and the
// summary printed when anything was retried or not delivered.
#include <cstdio>
#include <string>

#include "core/produce/engine.h"

namespace slsflow {

Result<OnInvalid> ParseOnInvalid(const std::string& text) {
  if (text == "fail") return OnInvalid::kFail;
  if (text == "skip-with-warning" || text == "skip") return OnInvalid::kSkip;
  if (text == "raw") return OnInvalid::kRaw;
  return Status::Usage("--on-invalid must be fail, skip-with-warning or raw, not '" + text + "'");
}

int ProduceResult::ExitCode() const {
  if (auth_failed) return 3;
  if (!status.ok()) return status.ExitCode();
  return undelivered() > 0 ? 1 : 0;
}

std::string FormatProduceStats(const ProduceResult& r) {
  double secs = static_cast<double>(r.duration_us) / 1e6;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "logs %llu (delivered %llu, undelivered %llu), input %.1f MB, raw %.1f MB, wire %.1f MB, "
                "requests %llu, retries %llu, %.2f s (%.1f MB/s, %.0f logs/s)",
                static_cast<unsigned long long>(r.logs), static_cast<unsigned long long>(r.delivered),
                static_cast<unsigned long long>(r.undelivered()), static_cast<double>(r.input_bytes) / 1e6,
                static_cast<double>(r.raw_bytes) / 1e6, static_cast<double>(r.wire_bytes) / 1e6,
                static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.retries), secs,
                secs > 0 ? static_cast<double>(r.input_bytes) / 1e6 / secs : 0.0,
                secs > 0 ? static_cast<double>(r.logs) / secs : 0.0);
  return buf;
}

std::string FormatProduceSummary(const ProduceResult& r) {
  std::string line = "delivered " + std::to_string(r.delivered) + ", retried " + std::to_string(r.retries) +
                     (r.retries == 1 ? " request" : " requests") + ", dead-lettered " + std::to_string(r.dead_lettered);
  if (r.refused > 0) line += " (" + std::to_string(r.refused) + " refused for breaking an SLS limit)";
  if (r.unconfirmed > 0) line += ", unconfirmed " + std::to_string(r.unconfirmed);
  return line;
}

}  // namespace slsflow
