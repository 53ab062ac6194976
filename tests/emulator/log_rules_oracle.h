// PutLogs' content rules applied to protobuf's own reading of a LogGroup,
// with an independent UTF-8 decoder: the oracle that log_rules.cc's wire
// walker must agree with (log_rules_test.cc, emulator_log_rules_fuzz.cc).
#pragma once

#include <cctype>
#include <cstdint>
#include <string>

#include "emulator/limits.h"
#include "emulator/log_rules.h"
#include "sls.pb.h"

namespace slsflow::emulator::test {

// UTF-8 by decoding code points, unlike the byte patterns of the code
// under test: a second opinion.
inline bool DecodesAsUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (extra < 0 || i + extra >= s.size() + (extra == 0 ? 1 : 0)) return false;
    uint32_t cp = extra == 0 ? c : c & (0x3f >> extra);
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += static_cast<size_t>(extra) + 1;
  }
  return true;
}

// The rules applied to protobuf's own reading of the group.
inline bool OracleAccepts(const std::string& raw, const EmulatorLimits& l, int64_t now) {
  sls::LogGroup g;
  if (!g.ParsePartialFromString(raw) || !g.IsInitialized()) return false;
  auto text = [&](const std::string& s) { return l.accept_invalid_utf8 || DecodesAsUtf8(s); };
  if (l.max_logs_per_request > 0 && static_cast<size_t>(g.logs_size()) > l.max_logs_per_request) return false;
  for (const auto& log : g.logs()) {
    if (log.contents_size() == 0) return false;
    if (l.max_log_age_s > 0 && static_cast<int64_t>(log.time()) < now - l.max_log_age_s) return false;
    if (l.max_log_ahead_s > 0 && static_cast<int64_t>(log.time()) > now + l.max_log_ahead_s) return false;
    if (log.timens() > 999999999) return false;
    for (const auto& c : log.contents()) {
      const std::string& k = c.key();
      if (k.empty() || k.size() > l.max_key_bytes || (k[0] >= '0' && k[0] <= '9') || IsReservedContentKey(k)) {
        return false;
      }
      for (char ch : k) {
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') return false;
      }
      if (c.value().size() > l.max_value_bytes || !text(c.value())) return false;
    }
  }
  for (const auto& t : g.logtags()) {
    if (!text(t.key()) || !text(t.value())) return false;
  }
  for (const std::string* s : {&g.topic(), &g.source()}) {
    if (s->size() > l.max_topic_bytes || !text(*s)) return false;
  }
  return true;
}

}  // namespace slsflow::emulator::test
