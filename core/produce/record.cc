#include "core/produce/record.h"

#include <cstdio>
#include <cstring>

namespace slsflow {

std::string_view ArenaAppend(std::string* arena, std::string_view s) {
  size_t at = arena->size();
  arena->append(s);
  return std::string_view(arena->data() + at, s.size());
}

namespace {

bool ParseDigits(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 19) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

bool ParseUnixSeconds(std::string_view text, uint32_t* out) {
  uint64_t v = 0;
  if (!ParseDigits(text, &v)) return false;
  if (v > 10000000000ull) v /= 1000;  // milliseconds
  if (v > 0xffffffffull) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

Status ParsedLog::AddReservedOrContent(std::string_view key, std::string_view value) {
  {
    if (key == "__time__") {
      if (!ParseUnixSeconds(value, &time))
        return Status::Invalid("__time__ is not unix seconds: '" + std::string(value.substr(0, 40)) + "'");
      has_time = true;
      return Status::OK();
    }
    if (key == "__time_ns__" || key == "__time_ns_part__") {
      uint64_t ns = 0;
      if (!ParseDigits(value, &ns) || ns > 999999999)
        return Status::Invalid("__time_ns__ must be 0..999999999, not '" + std::string(value.substr(0, 40)) + "'");
      time_ns = static_cast<uint32_t>(ns);
      has_time_ns = true;
      return Status::OK();
    }
    if (key == "__topic__") {
      topic = value;
      has_topic = true;
      return Status::OK();
    }
    if (key == "__source__") {
      source = value;
      has_source = true;
      return Status::OK();
    }
    if (key == "__hash_key__") {
      hash_key = value;
      has_hash_key = true;
      return Status::OK();
    }
    if (key == "__shard__" || key == "__cursor__" || key == kDeadLetterReasonKey) return Status::OK();
    if (key.size() > 8 && key.substr(0, 8) == "__tag__:") {
      tags.emplace_back(key.substr(8), value);
      return Status::OK();
    }
  }
  contents.emplace_back(key, value);
  return Status::OK();
}

namespace {

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  if (s.size() > 64) out += "...";
  return out;
}

// Checks the rules in the order LogWithinLimits promises; false with the
// first broken one in `why`. Only logs that failed the fast check come here.
bool LimitProblemInto(const ParsedLog& log, int64_t now_seconds, std::string* why) {
  if (log.contents.empty()) {
    *why = "the log has no content keys; SLS needs at least one";
    return false;
  }
  for (const auto& kv : log.contents) {
    if (!ContentKeyOk(kv.first)) {
      *why = ContentKeyProblem(kv.first);
      return false;
    }
    if (kv.second.size() > kMaxValueBytes) {
      *why = "the value of '" + Printable(kv.first) + "' is " + std::to_string(kv.second.size()) +
             " bytes; SLS allows at most 1 MiB (1048576) per value";
      return false;
    }
  }
  if (log.has_topic && log.topic.size() > kMaxMetaBytes) {
    *why = "__topic__ is " + std::to_string(log.topic.size()) + " bytes; SLS allows at most 128";
    return false;
  }
  if (log.has_source && log.source.size() > kMaxMetaBytes) {
    *why = "__source__ is " + std::to_string(log.source.size()) + " bytes; SLS allows at most 128";
    return false;
  }
  if (log.has_binary) {
    for (const auto& kv : log.contents) {
      if (!IsValidUtf8(kv.second)) {
        *why = "the value of '" + Printable(kv.first) + "' is not UTF-8, which SLS refuses";
        return false;
      }
    }
    for (const auto& kv : log.tags) {
      if (!IsValidUtf8(kv.first) || !IsValidUtf8(kv.second)) {
        *why = "the tag '" + Printable(kv.first) + "' is not UTF-8, which SLS refuses";
        return false;
      }
    }
    if (!IsValidUtf8(log.topic) || !IsValidUtf8(log.source)) {
      *why = "__topic__ or __source__ is not UTF-8, which SLS refuses";
      return false;
    }
  }
  int64_t t = static_cast<int64_t>(log.time);
  if (t < now_seconds - kMaxLogAgeSeconds) {
    *why = "the log time " + std::to_string(t) + " is " + std::to_string((now_seconds - t) / 3600) +
           " hours old; SLS accepts logs at most 168 hours (7 days) old";
    return false;
  }
  if (t > now_seconds + kMaxLogLeadSeconds) {
    *why = "the log time " + std::to_string(t) + " is " + std::to_string(t - now_seconds) +
           " seconds ahead of this machine's clock; SLS accepts at most 15 minutes ahead";
    return false;
  }
  return true;
}

}  // namespace

bool IsReservedContentKey(std::string_view key) {
  return key == "__time__" || key == "__topic__" || key == "__source__" || key == "__partition_time__" ||
         key == "_extract_others_" || key == "__extract_others__";
}

bool ContentKeysOk(const std::vector<std::string>& names) {
  ParsedLog probe;
  for (const auto& name : names) {
    // Values that every reserved key accepts: only the routing matters here.
    if (!probe.AddField(name, "0").ok()) return false;
  }
  for (const auto& kv : probe.contents)
    if (!ContentKeyOk(kv.first)) return false;
  return true;
}

std::string LimitProblem(const ParsedLog& log, int64_t now_seconds) {
  std::string reason;
  return LimitProblemInto(log, now_seconds, &reason) ? std::string() : reason;
}

std::string ContentKeyProblem(std::string_view key) {
  if (ContentKeyOk(key)) return "";
  if (key.empty()) return "a content key is empty";
  std::string name = "the key '" + Printable(key) + "'";
  if (key.size() > kMaxKeyBytes)
    return name + " is " + std::to_string(key.size()) + " bytes; SLS allows at most 128 per key";
  if (key[0] >= '0' && key[0] <= '9') return name + " starts with a digit, which SLS does not allow";
  for (char c : key)
    if (!kContentKeyBytes[static_cast<unsigned char>(c)])
      return name + " holds a character other than letters, digits and '_', which SLS does not allow";
  return name + " is reserved by SLS";
}

std::string ToValidUtf8(std::string_view sv) {
  const auto* s = reinterpret_cast<const unsigned char*>(sv.data());
  size_t n = sv.size();
  std::string out;
  out.reserve(n + 8);
  size_t i = 0;
  while (i < n) {
    size_t bad = 0;
    const size_t len = Utf8SequenceLength(s + i, s + n, &bad);
    if (len == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(sv.substr(i, len));
      i += len;
    }
  }
  return out;
}

}  // namespace slsflow
