#include "core/produce/encoder.h"

#include <cstring>

namespace slsflow {

namespace {

inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline char* PutVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// Most keys and many values are under 16 bytes: copy those with two
// overlapping moves instead of a call into memcpy per field.
inline char* PutBytes(char* p, std::string_view s) {
  const char* src = s.data();
  size_t n = s.size();
  if (n >= 8 && n <= 16) {
    uint64_t head, tail;
    std::memcpy(&head, src, 8);
    std::memcpy(&tail, src + n - 8, 8);
    std::memcpy(p, &head, 8);
    std::memcpy(p + n - 8, &tail, 8);
  } else if (n >= 4 && n < 8) {
    uint32_t head, tail;
    std::memcpy(&head, src, 4);
    std::memcpy(&tail, src + n - 4, 4);
    std::memcpy(p, &head, 4);
    std::memcpy(p + n - 4, &tail, 4);
  } else if (n > 0 && n < 4) {
    p[0] = src[0];
    p[n / 2] = src[n / 2];
    p[n - 1] = src[n - 1];
  } else if (n > 16) {
    std::memcpy(p, src, n);
  }
  return p + n;
}

inline size_t PairBodySize(std::string_view k, std::string_view v) {
  return 1 + VarintSize(k.size()) + k.size() + 1 + VarintSize(v.size()) + v.size();
}

// Field 1 and 2 of LogContent/LogTag: tag 0x0a key, tag 0x12 value.
inline char* PutPair(char* p, uint8_t field_tag, std::string_view k, std::string_view v) {
  *p++ = static_cast<char>(field_tag);
  p = PutVarint(p, PairBodySize(k, v));
  *p++ = 0x0a;
  p = PutVarint(p, k.size());
  p = PutBytes(p, k);
  *p++ = 0x12;
  p = PutVarint(p, v.size());
  return PutBytes(p, v);
}

}  // namespace

size_t LogBodySize(uint32_t time, bool with_time_ns, const std::vector<KeyValue>& contents) {
  size_t body = 1 + VarintSize(time) + (with_time_ns ? 5 : 0);
  for (const auto& kv : contents) {
    size_t c = PairBodySize(kv.first, kv.second);
    body += 1 + VarintSize(c) + c;
  }
  return body;
}

size_t LogFieldSize(size_t body) {
  return 1 + VarintSize(body) + body;
}

char* WriteLogField(char* p, size_t body, uint32_t time, uint32_t time_ns, bool with_time_ns,
                    const std::vector<KeyValue>& contents) {
  *p++ = 0x0a;  // LogGroup.Logs
  p = PutVarint(p, body);
  *p++ = 0x08;  // Log.Time
  p = PutVarint(p, time);
  for (const auto& kv : contents) p = PutPair(p, 0x12, kv.first, kv.second);  // Log.Contents
  if (with_time_ns) {
    *p++ = 0x25;  // Log.TimeNs, fixed32 little-endian
    for (int i = 0; i < 4; ++i) *p++ = static_cast<char>((time_ns >> (8 * i)) & 0xff);
  }
  return p;
}

size_t EncodedLogSize(uint32_t time, bool with_time_ns, const std::vector<KeyValue>& contents) {
  return LogFieldSize(LogBodySize(time, with_time_ns, contents));
}

void AppendEncodedLog(std::string* out, uint32_t time, uint32_t time_ns, bool with_time_ns,
                      const std::vector<KeyValue>& contents) {
  size_t body = LogBodySize(time, with_time_ns, contents);
  size_t at = out->size();
  out->resize(at + LogFieldSize(body));
  WriteLogField(out->data() + at, body, time, time_ns, with_time_ns, contents);
}

size_t EncodedMetaSize(const GroupMeta& meta) {
  size_t n = 0;
  if (!meta.topic.empty()) n += 1 + VarintSize(meta.topic.size()) + meta.topic.size();
  if (!meta.source.empty()) n += 1 + VarintSize(meta.source.size()) + meta.source.size();
  for (const auto& t : meta.tags) {
    size_t c = PairBodySize(t.first, t.second);
    n += 1 + VarintSize(c) + c;
  }
  return n;
}

char* WriteEncodedMeta(char* p, const GroupMeta& meta) {
  if (!meta.topic.empty()) {
    *p++ = 0x1a;
    p = PutVarint(p, meta.topic.size());
    p = PutBytes(p, meta.topic);
  }
  if (!meta.source.empty()) {
    *p++ = 0x22;
    p = PutVarint(p, meta.source.size());
    p = PutBytes(p, meta.source);
  }
  for (const auto& t : meta.tags) p = PutPair(p, 0x32, t.first, t.second);
  return p;
}

namespace {

bool ReadVarint(std::string_view s, size_t* p, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p >= s.size()) return false;
    uint8_t b = static_cast<uint8_t>(s[(*p)++]);
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

}  // namespace

Status SplitLogGroup(std::string_view group, uint32_t first_logs, std::string* first, std::string* second) {
  std::vector<std::string_view> logs;
  std::string meta;
  size_t p = 0;
  while (p < group.size()) {
    size_t field_start = p;
    uint64_t tag = 0, v = 0;
    if (!ReadVarint(group, &p, &tag)) return Status::Corruption("splitting a LogGroup: bad field tag");
    switch (tag & 7) {
      case 0:
        if (!ReadVarint(group, &p, &v)) return Status::Corruption("splitting a LogGroup: bad varint");
        break;
      case 1:
        p += 8;
        break;
      case 5:
        p += 4;
        break;
      case 2:
        if (!ReadVarint(group, &p, &v) || v > group.size() - p)
          return Status::Corruption("splitting a LogGroup: bad length");
        p += static_cast<size_t>(v);
        break;
      default:
        return Status::Corruption("splitting a LogGroup: bad wire type");
    }
    if (p > group.size()) return Status::Corruption("splitting a LogGroup: truncated field");
    std::string_view whole = group.substr(field_start, p - field_start);
    if (tag == ((1u << 3) | 2)) {
      logs.push_back(whole);
    } else {
      meta.append(whole);
    }
  }
  first->clear();
  second->clear();
  for (size_t i = 0; i < logs.size(); ++i) (i < first_logs ? first : second)->append(logs[i]);
  first->append(meta);
  second->append(meta);
  return Status::OK();
}

void AppendEncodedMeta(std::string* out, const GroupMeta& meta) {
  size_t at = out->size();
  out->resize(at + EncodedMetaSize(meta));
  WriteEncodedMeta(out->data() + at, meta);
}

}  // namespace slsflow
