#include "core/produce/record.h"

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
    if (key == "__shard__" || key == "__cursor__") return Status::OK();
    if (key.size() > 8 && key.substr(0, 8) == "__tag__:") {
      tags.emplace_back(key.substr(8), value);
      return Status::OK();
    }
  }
  contents.emplace_back(key, value);
  return Status::OK();
}

namespace {

// Length of the well-formed UTF-8 sequence at s[i], or 0 when ill-formed.
size_t Utf8SequenceLength(const unsigned char* s, size_t n, size_t i) {
  unsigned char c = s[i];
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    if (i + 1 < n && (s[i + 1] & 0xc0) == 0x80) return 2;
    return 0;
  }
  if (c >= 0xe0 && c <= 0xef) {
    if (i + 2 >= n) return 0;
    unsigned char c1 = s[i + 1];
    if ((c1 & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80) return 0;
    if (c == 0xe0 && c1 < 0xa0) return 0;   // overlong
    if (c == 0xed && c1 >= 0xa0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (i + 3 >= n) return 0;
    unsigned char c1 = s[i + 1];
    if ((c1 & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80 || (s[i + 3] & 0xc0) != 0x80) return 0;
    if (c == 0xf0 && c1 < 0x90) return 0;   // overlong
    if (c == 0xf4 && c1 >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

bool IsValidUtf8(std::string_view sv) {
  const auto* s = reinterpret_cast<const unsigned char*>(sv.data());
  size_t n = sv.size();
  size_t i = 0;
  while (i < n) {
    // ASCII runs dominate real logs: check 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    size_t len = Utf8SequenceLength(s, n, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string ToValidUtf8(std::string_view sv) {
  const auto* s = reinterpret_cast<const unsigned char*>(sv.data());
  size_t n = sv.size();
  std::string out;
  out.reserve(n + 8);
  size_t i = 0;
  while (i < n) {
    size_t len = Utf8SequenceLength(s, n, i);
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
