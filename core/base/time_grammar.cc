// The --from/--to grammar. Hand-written rather than strptime/std::chrono
// parse: strptime ignores zones (%z is a GNU extension that accepts only
// some forms), and every rejected input must say which forms are accepted.
#include "core/base/time_grammar.h"

#include <cctype>
#include <charconv>
#include <limits>
#include <string>

#include "core/base/ascii.h"

namespace slsflow {
namespace {

constexpr const char* kAcceptedForms =
    "accepted: begin, end, checkpoint, now, today, yesterday (UTC day starts), "
    "unix seconds (1764000000), ISO-8601 with a zone (2026-11-01T00:00Z, "
    "2026-11-01T00:00:00+08:00, 2026-11-01 00:00:00.5Z), or relative (-15m, 15m ago, 2h ago, "
    "-1d; units s, m, h, d, w)";

constexpr int64_t kSecondsPerDay = 86400;
// SLS log times are uint32 seconds.
constexpr int64_t kMaxUnixSeconds = 4294967295LL;

Status BadTime(std::string_view text, std::string_view why) {
  std::string m = "bad time '";
  m.append(text);
  m += "'";
  if (!why.empty()) {
    m += ": ";
    m.append(why);
  }
  m += "; ";
  m += kAcceptedForms;
  return Status::Usage(std::move(m));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Reads exactly `n` digits at s[*pos].
bool ReadDigits(std::string_view s, size_t* pos, size_t n, int* value) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *value = v;
  return true;
}

bool IsLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Seconds per unit word, or 0 when `unit` is not one.
int64_t UnitSeconds(std::string_view unit) {
  static constexpr struct {
    const char* name;
    int64_t seconds;
  } kUnits[] = {
      {"s", 1},      {"sec", 1},       {"secs", 1},       {"second", 1},   {"seconds", 1}, {"m", 60},
      {"min", 60},   {"mins", 60},     {"minute", 60},    {"minutes", 60}, {"h", 3600},    {"hr", 3600},
      {"hrs", 3600}, {"hour", 3600},   {"hours", 3600},   {"d", 86400},    {"day", 86400}, {"days", 86400},
      {"w", 604800}, {"week", 604800}, {"weeks", 604800},
  };
  for (const auto& u : kUnits) {
    if (EqualsIgnoringAsciiCase(unit, u.name)) return u.seconds;
  }
  return 0;
}

// "15m", "15 m", "1h30m", "2 hours": a positive amount of seconds.
bool ParseRelativeAmount(std::string_view s, int64_t* seconds) {
  s = Trim(s);
  if (s.empty()) return false;
  int64_t total = 0;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(s.data() + start, s.data() + i, n);
    if (ec != std::errc() || ptr != s.data() + i) return false;
    while (i < s.size() && s[i] == ' ') ++i;
    size_t ustart = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    int64_t unit = UnitSeconds(s.substr(ustart, i - ustart));
    if (unit == 0) return false;
    if (n > (std::numeric_limits<int64_t>::max() / 2 - total) / unit) return false;
    total += n * unit;
  }
  *seconds = total;
  return true;
}

// "2026-11-01T00:00Z", "2026-11-01 00:00:00.123+08:00", "…+0800", "…+08".
Result<int64_t> ParseIso8601(std::string_view original, std::string_view s) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(s, &pos, 4, &year) || pos >= s.size() || s[pos++] != '-' || !ReadDigits(s, &pos, 2, &month) ||
      pos >= s.size() || s[pos++] != '-' || !ReadDigits(s, &pos, 2, &day)) {
    return BadTime(original, "expected YYYY-MM-DD");
  }
  if (pos == s.size()) {
    return BadTime(original, "a date needs a time and a zone, e.g. 2026-11-01T00:00Z");
  }
  char sep = s[pos++];
  if (sep != 'T' && sep != 't' && sep != ' ') {
    return BadTime(original, "expected 'T' or ' ' between date and time");
  }
  if (!ReadDigits(s, &pos, 2, &hour) || pos >= s.size() || s[pos++] != ':' || !ReadDigits(s, &pos, 2, &minute)) {
    return BadTime(original, "expected HH:MM after the date");
  }
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!ReadDigits(s, &pos, 2, &second)) return BadTime(original, "expected seconds as SS");
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
      if (pos == start) return BadTime(original, "expected digits after the decimal point");
      // Fractions are dropped: SLS cursors have second resolution.
    }
  }
  if (month < 1 || month > 12) return BadTime(original, "month out of range");
  if (day < 1 || static_cast<unsigned>(day) > DaysInMonth(year, month)) {
    return BadTime(original, "day out of range for that month");
  }
  if (hour > 23 || minute > 59 || second > 59) return BadTime(original, "time of day out of range");
  if (pos == s.size()) {
    return BadTime(original, "a zone is required (append Z for UTC or an offset like +08:00)");
  }
  int64_t offset = 0;
  char z = s[pos++];
  if (z == 'Z' || z == 'z') {
    if (pos != s.size()) return BadTime(original, "unexpected text after the zone");
  } else if (z == '+' || z == '-') {
    int oh = 0, om = 0;
    if (!ReadDigits(s, &pos, 2, &oh)) return BadTime(original, "expected a zone offset like +08:00");
    bool colon = pos < s.size() && s[pos] == ':';
    if (colon) ++pos;
    if ((colon || pos < s.size()) && !ReadDigits(s, &pos, 2, &om)) {
      return BadTime(original, "expected a zone offset like +08:00");
    }
    if (pos != s.size()) return BadTime(original, "unexpected text after the zone");
    if (oh > 23 || om > 59) return BadTime(original, "zone offset out of range");
    offset = (oh * 3600 + om * 60) * (z == '+' ? 1 : -1);
  } else {
    return BadTime(original, "a zone is required (append Z for UTC or an offset like +08:00)");
  }
  int64_t t = DaysFromCivil(year, month, day) * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset;
  if (t < 0 || t > kMaxUnixSeconds) return BadTime(original, "outside the range SLS stores");
  return t;
}

int64_t StartOfUtcDay(int64_t t) {
  int64_t d = t / kSecondsPerDay;
  if (t % kSecondsPerDay < 0) --d;
  return d * kSecondsPerDay;
}

TimeSpec Unix(int64_t t) {
  TimeSpec spec;
  spec.kind = TimeSpec::kUnix;
  spec.unix_seconds = t < 0 ? 0 : t;
  return spec;
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void AppendRfc3339Utc(int64_t unix_seconds, int64_t nanos, bool with_millis, std::string* out) {
  char buf[kRfc3339BufferSize];
  out->append(buf, FormatRfc3339Utc(unix_seconds, nanos, with_millis, buf));
}

size_t FormatRfc3339Utc(int64_t unix_seconds, int64_t nanos, bool with_millis, char* buf) {
  // Civil-from-days (Hinnant): no gmtime_r, no locale, no allocation.
  int64_t days = unix_seconds / kSecondsPerDay;
  int64_t sod = unix_seconds % kSecondsPerDay;
  if (sod < 0) {
    sod += kSecondsPerDay;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  if (y < 0) y = 0;
  if (y > 9999) y = 9999;
  auto put2 = [&buf](int at, unsigned v) {
    buf[at] = static_cast<char>('0' + v / 10);
    buf[at + 1] = static_cast<char>('0' + v % 10);
  };
  buf[0] = static_cast<char>('0' + y / 1000);
  buf[1] = static_cast<char>('0' + y / 100 % 10);
  buf[2] = static_cast<char>('0' + y / 10 % 10);
  buf[3] = static_cast<char>('0' + y % 10);
  buf[4] = '-';
  put2(5, m);
  buf[7] = '-';
  put2(8, d);
  buf[10] = 'T';
  put2(11, static_cast<unsigned>(sod / 3600));
  buf[13] = ':';
  put2(14, static_cast<unsigned>(sod / 60 % 60));
  buf[16] = ':';
  put2(17, static_cast<unsigned>(sod % 60));
  int len = 19;
  if (with_millis) {
    if (nanos < 0 || nanos > 999999999) nanos = 0;
    unsigned ms = static_cast<unsigned>(nanos / 1000000);
    buf[len++] = '.';
    buf[len++] = static_cast<char>('0' + ms / 100);
    buf[len++] = static_cast<char>('0' + ms / 10 % 10);
    buf[len++] = static_cast<char>('0' + ms % 10);
  }
  buf[len++] = 'Z';
  return static_cast<size_t>(len);
}

Result<TimeSpec> ParseTimeSpec(std::string_view text, int64_t now) {
  std::string_view s = Trim(text);
  if (s.empty()) return BadTime(text, "empty");
  if (EqualsIgnoringAsciiCase(s, "begin")) return TimeSpec{TimeSpec::kBegin, 0};
  if (EqualsIgnoringAsciiCase(s, "end")) return TimeSpec{TimeSpec::kEnd, 0};
  if (EqualsIgnoringAsciiCase(s, "checkpoint")) return TimeSpec{TimeSpec::kCheckpoint, 0};
  if (EqualsIgnoringAsciiCase(s, "now")) return Unix(now);
  if (EqualsIgnoringAsciiCase(s, "today")) return Unix(StartOfUtcDay(now));
  if (EqualsIgnoringAsciiCase(s, "yesterday")) return Unix(StartOfUtcDay(now) - kSecondsPerDay);

  if (AllDigits(s)) {
    int64_t t = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), t);
    if (ec != std::errc() || t > kMaxUnixSeconds) {
      if (s.size() >= 12) {
        return BadTime(text, "too large for unix seconds (milliseconds? divide by 1000)");
      }
      return BadTime(text, "outside the range SLS stores");
    }
    return Unix(t);
  }
  if (s.size() >= 10 && s[4] == '-' && AllDigits(s.substr(0, 4))) {
    Result<int64_t> t = ParseIso8601(text, s);
    if (!t.ok()) return t.status();
    return Unix(*t);
  }
  int64_t amount = 0;
  if (s.front() == '-') {
    std::string_view rest = s.substr(1);
    if (AllDigits(Trim(rest))) return BadTime(text, "a relative time needs a unit, e.g. -15m");
    if (ParseRelativeAmount(rest, &amount)) return Unix(now - amount);
    return BadTime(text, "");
  }
  constexpr std::string_view kAgo = "ago";
  if (s.size() > kAgo.size() && EqualsIgnoringAsciiCase(s.substr(s.size() - kAgo.size()), kAgo)) {
    std::string_view amount_text = s.substr(0, s.size() - kAgo.size());
    if (ParseRelativeAmount(amount_text, &amount)) return Unix(now - amount);
    return BadTime(text, "");
  }
  return BadTime(text, "");
}

Result<int64_t> ParseDurationMicros(std::string_view text) {
  std::string_view s = Trim(text);
  auto bad = [&text](std::string_view why) -> Status {
    std::string m = "bad duration '";
    m.append(text);
    m += "'";
    if (!why.empty()) {
      m += ": ";
      m.append(why);
    }
    m += "; use a number with a unit: 250us, 100ms, 2s, 15m, 1h, 1d (or 1h30m); a bare number is seconds";
    return Status::Usage(std::move(m));
  };
  if (s.empty()) return bad("empty");
  if (s.front() == '-') return bad("must not be negative");
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    int64_t whole = 0;
    if (i > start) {
      auto [ptr, ec] = std::from_chars(s.data() + start, s.data() + i, whole);
      if (ec != std::errc()) return bad("too large");
    }
    // Up to 9 fraction digits ("1.5s"); more precision than a microsecond
    // is dropped.
    int64_t frac_num = 0, frac_den = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      size_t fstart = i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (frac_den < 1000000000) {
          frac_num = frac_num * 10 + (s[i] - '0');
          frac_den *= 10;
        }
        ++i;
      }
      if (i == fstart) return bad("expected digits after the decimal point");
    }
    if (i == start) return bad("expected a number");
    size_t ustart = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    std::string_view unit = s.substr(ustart, i - ustart);
    int64_t micros_per_unit = 0;
    if (unit.empty()) {
      if (i != s.size() || start != 0) return bad("a unit is missing");
      micros_per_unit = 1000000;
    } else if (unit == "us") {
      micros_per_unit = 1;
    } else if (unit == "ms") {
      micros_per_unit = 1000;
    } else {
      int64_t secs = UnitSeconds(unit);
      if (secs == 0) return bad("unknown unit '" + std::string(unit) + "'");
      micros_per_unit = secs * 1000000;
    }
    if (whole > (kMax - total) / micros_per_unit) return bad("too large");
    total += whole * micros_per_unit;
    int64_t frac = static_cast<int64_t>(static_cast<__int128>(frac_num) * micros_per_unit / frac_den);
    if (frac > kMax - total) return bad("too large");
    total += frac;
  }
  return total;
}

}  // namespace slsflow
