// The time grammar of `consume --from/--to` and `groups reset --to`.
//
// Accepted (case-insensitive keywords):
//   begin | end | checkpoint | now | today | yesterday
//   unix seconds                     1764000000
//   ISO-8601 with a zone             2026-11-01T00:00Z, 2026-11-01T00:00:00+08:00,
//                                    2026-11-01 00:00:00Z, 2026-11-01T00:00:00.250Z
//   relative to now                  -15m, 15m ago, 2h ago, -1d, -30s, -1w
// `today` and `yesterday` are the start of that day in UTC. Fractional
// seconds are truncated (SLS cursors have second resolution).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/status.h"

namespace slsflow {

struct TimeSpec {
  enum Kind { kBegin, kEnd, kUnix, kCheckpoint };
  Kind kind = kBegin;
  int64_t unix_seconds = 0;  // meaningful for kUnix only
};

// kUsage, with a message listing the accepted forms, on bad grammar.
Result<TimeSpec> ParseTimeSpec(std::string_view text, int64_t now_unix_seconds);

// "100ms", "2s", "15m", "1h", "1d", "250us", also "1h30m"; a bare number is
// seconds. kUsage on anything else or a negative/overflowing value.
Result<int64_t> ParseDurationMicros(std::string_view text);

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's
// algorithm); shared with the formatters' RFC 3339 printer.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

// Appends "2026-11-25T12:00:00Z", or with nanos "2026-11-25T12:00:00.123Z"
// (millisecond precision), to `out`. Never allocates beyond `out` growth.
void AppendRfc3339Utc(int64_t unix_seconds, int64_t nanos, bool with_millis, std::string* out);
// The same into buf (at least kRfc3339BufferSize bytes); returns the length.
inline constexpr size_t kRfc3339BufferSize = 32;
size_t FormatRfc3339Utc(int64_t unix_seconds, int64_t nanos, bool with_millis, char* buf);

}  // namespace slsflow
