#include "core/base/time_grammar.h"

#include <doctest/doctest.h>

#include <string>

namespace slsflow {
namespace {

// 2026-11-25T12:34:56Z
constexpr int64_t kNow = 1795610096;

int64_t UnixOf(std::string_view text) {
  Result<TimeSpec> r = ParseTimeSpec(text, kNow);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->kind == TimeSpec::kUnix);
  return r->unix_seconds;
}

void ExpectUsage(std::string_view text) {
  Result<TimeSpec> r = ParseTimeSpec(text, kNow);
  INFO("input: '", std::string(text), "'");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::kUsage);
  CHECK(r.status().ExitCode() == 2);
  // The message teaches the grammar.
  CHECK(r.status().message().find("accepted:") != std::string::npos);
  CHECK(r.status().message().find("2h ago") != std::string::npos);
}

TEST_CASE("time grammar: keywords") {
  CHECK(ParseTimeSpec("begin", kNow)->kind == TimeSpec::kBegin);
  CHECK(ParseTimeSpec("END", kNow)->kind == TimeSpec::kEnd);
  CHECK(ParseTimeSpec(" checkpoint ", kNow)->kind == TimeSpec::kCheckpoint);
  CHECK(UnixOf("now") == kNow);
  CHECK(UnixOf("today") == 1795564800);      // 2026-11-25T00:00Z
  CHECK(UnixOf("yesterday") == 1795478400);  // 2026-11-24T00:00Z
  CHECK(UnixOf("Yesterday") == 1795478400);
}

TEST_CASE("time grammar: unix seconds") {
  CHECK(UnixOf("0") == 0);
  CHECK(UnixOf("1764000000") == 1764000000);
  CHECK(UnixOf("4294967295") == 4294967295LL);
  ExpectUsage("4294967296");
  // Milliseconds get a hint rather than a date in the year 57000.
  Result<TimeSpec> ms = ParseTimeSpec("1764000000000", kNow);
  REQUIRE_FALSE(ms.ok());
  CHECK(ms.status().message().find("milliseconds") != std::string::npos);
}

TEST_CASE("time grammar: ISO-8601 with a zone") {
  CHECK(UnixOf("2026-11-01T00:00Z") == 1793491200);
  CHECK(UnixOf("2026-11-01T00:00:00Z") == 1793491200);
  CHECK(UnixOf("2026-11-01t00:00:00z") == 1793491200);
  CHECK(UnixOf("2026-11-01 00:00:00Z") == 1793491200);
  CHECK(UnixOf("2026-11-01T00:00:00+08:00") == 1793491200 - 8 * 3600);
  CHECK(UnixOf("2026-11-01T00:00:00-05:30") == 1793491200 + 5 * 3600 + 30 * 60);
  CHECK(UnixOf("2026-11-01T00:00:00+0800") == 1793491200 - 8 * 3600);
  CHECK(UnixOf("2026-11-01T00:00:00+08") == 1793491200 - 8 * 3600);
  // Fractions are accepted and truncated (cursor times are seconds).
  CHECK(UnixOf("2026-11-01T00:00:01.999Z") == 1793491201);
  CHECK(UnixOf("2026-11-01T00:00:01,5Z") == 1793491201);
  CHECK(UnixOf("2026-11-01T00:00:01.123456789+00:00") == 1793491201);
  CHECK(UnixOf("2024-02-29T12:00:00Z") == 1709208000);  // leap day
  CHECK(UnixOf("1970-01-01T00:00:00Z") == 0);
}

TEST_CASE("time grammar: relative") {
  CHECK(UnixOf("-15m") == kNow - 900);
  CHECK(UnixOf("15m ago") == kNow - 900);
  CHECK(UnixOf("15 m ago") == kNow - 900);
  CHECK(UnixOf("2h ago") == kNow - 7200);
  CHECK(UnixOf("2 hours ago") == kNow - 7200);
  CHECK(UnixOf("-1d") == kNow - 86400);
  CHECK(UnixOf("1 day ago") == kNow - 86400);
  CHECK(UnixOf("-30s") == kNow - 30);
  CHECK(UnixOf("-1w") == kNow - 7 * 86400);
  CHECK(UnixOf("-1h30m") == kNow - 5400);
  CHECK(UnixOf("15M AGO") == kNow - 900);
  // Clamped at the epoch rather than wrapping.
  CHECK(ParseTimeSpec("-100000d", 100)->unix_seconds == 0);
}

TEST_CASE("time grammar: errors are usage errors that list the forms") {
  for (const char* bad : {"",
                          "   ",
                          "yesterdayy",
                          "tomorrow",
                          "-15",
                          "-15x",
                          "15m",
                          "ago",
                          "15 ago",
                          "-",
                          "--15m",
                          "2026-11-01",
                          "2026-11-01T00:00",
                          "2026-11-01T00:00:00",
                          "2026-13-01T00:00Z",
                          "2026-02-29T00:00Z",
                          "2026-11-31T00:00Z",
                          "2026-11-01T24:00Z",
                          "2026-11-01T00:60Z",
                          "2026-11-01T00:00:60Z",
                          "2026-11-01T00:00:00.Z",
                          "2026-11-01T00:00ZZ",
                          "2026-11-01T00:00+25:00",
                          "2026-11-01T00:00+08:",
                          "2026-11-01X00:00Z",
                          "2026/11/01",
                          "12:00",
                          "1e9",
                          "+15m",
                          "99999999999999999999999",
                          "-99999999999999999999999m",
                          "1969-12-31T23:59:59Z"}) {
    ExpectUsage(bad);
  }
}

TEST_CASE("durations") {
  CHECK(*ParseDurationMicros("100ms") == 100000);
  CHECK(*ParseDurationMicros("2s") == 2000000);
  CHECK(*ParseDurationMicros("15m") == 900000000LL);
  CHECK(*ParseDurationMicros("1h") == 3600000000LL);
  CHECK(*ParseDurationMicros("1d") == 86400000000LL);
  CHECK(*ParseDurationMicros("250us") == 250);
  CHECK(*ParseDurationMicros("1h30m") == 5400000000LL);
  CHECK(*ParseDurationMicros("1.5s") == 1500000);
  CHECK(*ParseDurationMicros("3") == 3000000);
  CHECK(*ParseDurationMicros("0") == 0);
  CHECK(*ParseDurationMicros(" 10s ") == 10000000);
  for (const char* bad :
       {"", "-1s", "10x", "s", "1.s", "10 s", "1h30", "9999999999999999999s", "99999999999w", "1..5s", "5ss"}) {
    INFO(bad);
    Result<int64_t> r = ParseDurationMicros(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().kind() == ErrorKind::kUsage);
  }
}

TEST_CASE("RFC 3339 printing") {
  std::string out;
  AppendRfc3339Utc(0, 0, false, &out);
  CHECK(out == "1970-01-01T00:00:00Z");
  out.clear();
  AppendRfc3339Utc(1795610096, 123456789, true, &out);
  CHECK(out == "2026-11-25T12:34:56.123Z");
  out.clear();
  AppendRfc3339Utc(1709208000, 5000000, true, &out);
  CHECK(out == "2024-02-29T12:00:00.005Z");
  out.clear();
  AppendRfc3339Utc(4294967295LL, 0, false, &out);
  CHECK(out == "2106-02-07T06:28:15Z");
  // Round trip through the parser for a spread of times.
  for (int64_t t = 0; t < 4294967295LL; t += 86399 * 37) {
    std::string s;
    AppendRfc3339Utc(t, 0, false, &s);
    CHECK(UnixOf(s) == t);
  }
}

}  // namespace
}  // namespace slsflow
