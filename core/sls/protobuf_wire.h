// Reading the protobuf wire format by hand, with protobuf 3.21's own limits
// (parse_context.h), so that a hand-written walker accepts exactly what
// protobuf accepts: a tag is at most 5 bytes (upper bits dropped), a length
// at most 5 bytes and under 2 GB, a varint at most 10 bytes; field number 0,
// wire types 6 and 7 and an unmatched end-group are malformed; groups nest
// at most kMaxDepth deep, counting nested messages.
//
// Used where a full protobuf parse would copy every value: consume's
// LogGroupListView and the emulator's PutLogs body check. Each reader takes
// the position `*p` and the end of the current message, advances `*p`, and
// returns false on malformed input (with `*p` near the fault).
#pragma once

#include <cstdint>
#include <string_view>

namespace slsflow::pbwire {

inline constexpr uint32_t kVarint = 0;
inline constexpr uint32_t kFixed64 = 1;
inline constexpr uint32_t kLen = 2;
inline constexpr uint32_t kStartGroup = 3;
inline constexpr uint32_t kEndGroup = 4;
inline constexpr uint32_t kFixed32 = 5;

// protobuf's default recursion limit: nested messages and groups below the
// top-level message.
inline constexpr int kMaxDepth = 100;

constexpr uint32_t MakeTag(uint32_t field, uint32_t wire_type) {
  return field << 3 | wire_type;
}

inline bool ReadVarintUpTo(int max_bytes, const char** p, const char* end, uint64_t* value) {
  uint64_t v = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (*p == end) return false;
    const auto b = static_cast<unsigned char>(*(*p)++);
    v |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if (b < 0x80) {
      *value = v;
      return true;
    }
  }
  return false;
}

inline bool ReadVarint(const char** p, const char* end, uint64_t* value) {
  return ReadVarintUpTo(10, p, end, value);
}

inline bool ReadTag(const char** p, const char* end, uint32_t* tag) {
  uint64_t v;
  if (!ReadVarintUpTo(5, p, end, &v)) return false;
  *tag = static_cast<uint32_t>(v);
  return true;
}

// A length prefix; `*sub_end` is where the field ends.
inline bool ReadLen(const char** p, const char* end, const char** sub_end) {
  uint32_t n = 0;
  for (int i = 0;; ++i) {
    if (*p == end) return false;
    const auto b = static_cast<unsigned char>(*(*p)++);
    if (i == 4) {
      if (b >= 8) return false;
      n |= static_cast<uint32_t>(b) << 28;
      break;
    }
    n |= static_cast<uint32_t>(b & 0x7F) << (7 * i);
    if (b < 0x80) break;
  }
  if (n > static_cast<uint32_t>(end - *p)) return false;
  *sub_end = *p + n;
  return true;
}

inline bool ReadBytes(const char** p, const char* end, std::string_view* out) {
  const char* sub_end;
  if (!ReadLen(p, end, &sub_end)) return false;
  *out = std::string_view(*p, static_cast<size_t>(sub_end - *p));
  *p = sub_end;
  return true;
}

inline bool ReadFixed32(const char** p, const char* end, uint32_t* value) {
  if (end - *p < 4) return false;
  const auto* b = reinterpret_cast<const unsigned char*>(*p);
  *value = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
  *p += 4;
  return true;
}

// Skips an unknown field (or a known one with another wire type) whose tag
// was just read, in a message at recursion budget `depth`.
inline bool SkipField(uint32_t tag, const char** p, const char* end, int depth) {
  if ((tag >> 3) == 0) return false;
  switch (tag & 7) {
    case kVarint: {
      uint64_t ignored;
      return ReadVarint(p, end, &ignored);
    }
    case kFixed64:
      if (end - *p < 8) return false;
      *p += 8;
      return true;
    case kLen: {
      std::string_view ignored;
      return ReadBytes(p, end, &ignored);
    }
    case kStartGroup: {
      if (--depth < 0) return false;
      for (;;) {
        uint32_t inner;
        if (!ReadTag(p, end, &inner)) return false;
        if (inner == tag + 1) return true;  // the matching end-group
        if ((inner & 7) == kEndGroup) return false;
        if (!SkipField(inner, p, end, depth)) return false;
      }
    }
    case kFixed32:
      if (end - *p < 4) return false;
      *p += 4;
      return true;
    default:  // an end-group outside a group, or wire type 6/7
      return false;
  }
}

}  // namespace slsflow::pbwire
