#include "emulator/log_rules.h"

#include <cstdio>
#include <string>

#include "core/base/utf8.h"
#include "core/sls/protobuf_wire.h"
#include "emulator/request.h"

namespace slsflow::emulator {
namespace {

using pbwire::kFixed32;
using pbwire::kLen;
using pbwire::kVarint;
using pbwire::MakeTag;

// A key or value quoted in an error message: printable ASCII kept, the rest
// as \xNN, at most 64 bytes of it.
std::string Quoted(std::string_view s) {
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < 64; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > 64) out += "...";
  return out + "'";
}

Status Malformed() {
  return SlsError(400, "PostBodyInvalid", "the body is not a valid LogGroup protobuf");
}

std::string LogName(uint32_t index) {
  return "log " + std::to_string(index);
}

Status CheckKey(std::string_view key, uint32_t log, const EmulatorLimits& limits) {
  auto invalid = [&](const std::string& why) {
    return SlsError(400, "InvalidKey", LogName(log) + ": content key " + Quoted(key) + " " + why);
  };
  if (key.empty()) return invalid("is empty");
  if (key.size() > limits.max_key_bytes) {
    return invalid("is " + std::to_string(key.size()) + " bytes, more than " + std::to_string(limits.max_key_bytes));
  }
  if (key[0] >= '0' && key[0] <= '9') return invalid("starts with a digit");
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return invalid("has a character other than letters, digits and '_'");
  }
  if (IsReservedContentKey(key)) return invalid("is reserved by Log Service; rename the field");
  return Status::OK();
}

Status CheckContent(const char* p, const char* end, uint32_t log, const EmulatorLimits& limits) {
  std::string_view key, value;
  while (p < end) {
    uint32_t tag = 0;
    if (!pbwire::ReadTag(&p, end, &tag)) return Malformed();
    if (tag == MakeTag(1, kLen) || tag == MakeTag(2, kLen)) {
      // Last one wins, as protobuf reads a repeated singular field.
      if (!pbwire::ReadBytes(&p, end, tag == MakeTag(1, kLen) ? &key : &value)) return Malformed();
    } else if (!pbwire::SkipField(tag, &p, end, pbwire::kMaxDepth)) {
      return Malformed();
    }
  }
  SLSFLOW_RETURN_IF_ERROR(CheckKey(key, log, limits));
  if (value.size() > limits.max_value_bytes) {
    return SlsError(400, "PostBodyInvalid",
                    LogName(log) + ": the value of " + Quoted(key) + " is " + std::to_string(value.size()) +
                        " bytes, more than " + std::to_string(limits.max_value_bytes));
  }
  if (!limits.accept_invalid_utf8 && !IsValidUtf8(value)) {
    return SlsError(400, "InvalidEncoding", LogName(log) + ": the value of " + Quoted(key) + " is not UTF-8");
  }
  return Status::OK();
}

Status CheckLog(const char* p, const char* end, uint32_t log, const EmulatorLimits& limits, int64_t now_s) {
  uint32_t time = 0;
  uint32_t time_ns = 0;
  size_t contents = 0;
  while (p < end) {
    uint32_t tag = 0;
    if (!pbwire::ReadTag(&p, end, &tag)) return Malformed();
    if (tag == MakeTag(1, kVarint)) {
      uint64_t v = 0;
      if (!pbwire::ReadVarint(&p, end, &v)) return Malformed();
      time = static_cast<uint32_t>(v);  // a uint32 field keeps the low bits
    } else if (tag == MakeTag(2, kLen)) {
      const char* sub_end;
      if (!pbwire::ReadLen(&p, end, &sub_end)) return Malformed();
      SLSFLOW_RETURN_IF_ERROR(CheckContent(p, sub_end, log, limits));
      p = sub_end;
      ++contents;
    } else if (tag == MakeTag(4, kFixed32)) {
      if (!pbwire::ReadFixed32(&p, end, &time_ns)) return Malformed();
    } else if (!pbwire::SkipField(tag, &p, end, pbwire::kMaxDepth)) {
      return Malformed();
    }
  }
  if (contents == 0) {
    return SlsError(400, "PostBodyInvalid", LogName(log) + " has no contents; every log needs at least one key");
  }
  // The message starts as SLS's does; the rest says by how much.
  if (limits.max_log_age_s > 0 && static_cast<int64_t>(time) < now_s - limits.max_log_age_s) {
    return SlsError(400, "PostBodyInvalid",
                    "post data time is out of range: " + LogName(log) + " has time " + std::to_string(time) + ", " +
                        std::to_string(now_s - time) + " s before the server's clock (at most " +
                        std::to_string(limits.max_log_age_s) + " s)");
  }
  if (limits.max_log_ahead_s > 0 && static_cast<int64_t>(time) > now_s + limits.max_log_ahead_s) {
    return SlsError(400, "PostBodyInvalid",
                    "post data time is out of range: " + LogName(log) + " has time " + std::to_string(time) + ", " +
                        std::to_string(time - now_s) + " s after the server's clock (at most " +
                        std::to_string(limits.max_log_ahead_s) + " s)");
  }
  if (time_ns > 999999999) {
    return SlsError(400, "InvalidTimestamp",
                    LogName(log) + ": TimeNs " + std::to_string(time_ns) + " is not within 0..999999999");
  }
  return Status::OK();
}

Status CheckTag(const char* p, const char* end) {
  std::string_view key, value;
  while (p < end) {
    uint32_t tag = 0;
    if (!pbwire::ReadTag(&p, end, &tag)) return Malformed();
    if (tag == MakeTag(1, kLen) || tag == MakeTag(2, kLen)) {
      if (!pbwire::ReadBytes(&p, end, tag == MakeTag(1, kLen) ? &key : &value)) return Malformed();
    } else if (!pbwire::SkipField(tag, &p, end, pbwire::kMaxDepth)) {
      return Malformed();
    }
  }
  for (std::string_view b : {key, value}) {
    if (!IsValidUtf8(b)) return SlsError(400, "InvalidEncoding", "LogTag " + Quoted(b) + " is not UTF-8");
  }
  return Status::OK();
}

Status CheckTopicOrSource(const char* what, std::string_view v, const EmulatorLimits& limits) {
  if (v.size() > limits.max_topic_bytes) {
    return SlsError(400, "PostBodyInvalid",
                    std::string(what) + " is " + std::to_string(v.size()) + " bytes, more than " +
                        std::to_string(limits.max_topic_bytes));
  }
  if (!limits.accept_invalid_utf8 && !IsValidUtf8(v)) {
    return SlsError(400, "InvalidEncoding", std::string(what) + " " + Quoted(v) + " is not UTF-8");
  }
  return Status::OK();
}

}  // namespace

bool IsReservedContentKey(std::string_view key) {
  static constexpr std::string_view kReserved[] = {"__time__",           "__source__",       "__topic__",
                                                   "__partition_time__", "_extract_others_", "__extract_others__"};
  for (std::string_view r : kReserved) {
    if (key == r) return true;
  }
  return false;
}

Status CheckLogRules(std::string_view raw, const EmulatorLimits& limits, int64_t now_s) {
  const char* p = raw.data();
  const char* end = p + raw.size();
  uint32_t logs = 0;
  std::string_view topic, source;
  while (p < end) {
    uint32_t tag = 0;
    if (!pbwire::ReadTag(&p, end, &tag)) return Malformed();
    if (tag == MakeTag(1, kLen) || tag == MakeTag(6, kLen)) {
      const char* sub_end;
      if (!pbwire::ReadLen(&p, end, &sub_end)) return Malformed();
      if (tag == MakeTag(1, kLen)) {
        if (limits.max_logs_per_request > 0 && logs >= limits.max_logs_per_request) {
          return SlsError(400, "PostBodyTooLarge",
                          "more than " + std::to_string(limits.max_logs_per_request) +
                              " logs in one request; send fewer per batch");
        }
        SLSFLOW_RETURN_IF_ERROR(CheckLog(p, sub_end, logs, limits, now_s));
        ++logs;
      } else if (!limits.accept_invalid_utf8) {
        SLSFLOW_RETURN_IF_ERROR(CheckTag(p, sub_end));
      }
      p = sub_end;
    } else if (tag == MakeTag(3, kLen) || tag == MakeTag(4, kLen)) {
      if (!pbwire::ReadBytes(&p, end, tag == MakeTag(3, kLen) ? &topic : &source)) return Malformed();
    } else if (!pbwire::SkipField(tag, &p, end, pbwire::kMaxDepth)) {
      return Malformed();
    }
  }
  SLSFLOW_RETURN_IF_ERROR(CheckTopicOrSource("topic", topic, limits));
  return CheckTopicOrSource("source", source, limits);
}

}  // namespace slsflow::emulator
