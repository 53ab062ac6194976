#include "emulator/loggroup_check.h"

#include "core/sls/protobuf_wire.h"

namespace slsflow::emulator {
namespace {

using pbwire::kLen;
using pbwire::kVarint;
using pbwire::MakeTag;

// LogContent and LogTag: required bytes Key = 1, Value = 2.
bool CheckPair(const char* p, const char* end, int depth) {
  if (depth < 0) return false;
  bool key = false, value = false;
  while (p < end) {
    uint32_t tag = 0;
    if (!pbwire::ReadTag(&p, end, &tag)) return false;
    if (tag == MakeTag(1, kLen) || tag == MakeTag(2, kLen)) {
      std::string_view b;
      if (!pbwire::ReadBytes(&p, end, &b)) return false;
      (tag == MakeTag(1, kLen) ? key : value) = true;
    } else if (!pbwire::SkipField(tag, &p, end, depth)) {
      return false;
    }
  }
  return key && value;
}

// Log: required uint32 Time = 1, repeated LogContent Contents = 2.
bool CheckLog(const char* p, const char* end, int depth) {
  if (depth < 0) return false;
  bool time = false;
  while (p < end) {
    uint32_t tag = 0;
    if (!pbwire::ReadTag(&p, end, &tag)) return false;
    if (tag == MakeTag(1, kVarint)) {
      uint64_t v = 0;
      if (!pbwire::ReadVarint(&p, end, &v)) return false;
      time = true;
    } else if (tag == MakeTag(2, kLen)) {
      const char* sub_end;
      if (!pbwire::ReadLen(&p, end, &sub_end) || !CheckPair(p, sub_end, depth - 1)) return false;
      p = sub_end;
    } else if (!pbwire::SkipField(tag, &p, end, depth)) {
      return false;
    }
  }
  return time;
}

}  // namespace

bool CheckLogGroup(std::string_view raw, uint32_t* log_count) {
  const char* p = raw.data();
  const char* end = p + raw.size();
  const int depth = pbwire::kMaxDepth;  // the LogGroup is the top-level message
  uint32_t logs = 0;
  while (p < end) {
    uint32_t tag = 0;
    if (!pbwire::ReadTag(&p, end, &tag)) return false;
    if (tag == MakeTag(1, kLen) || tag == MakeTag(6, kLen)) {
      const char* sub_end;
      if (!pbwire::ReadLen(&p, end, &sub_end)) return false;
      if (tag == MakeTag(1, kLen)) {
        if (!CheckLog(p, sub_end, depth - 1)) return false;
        ++logs;
      } else if (!CheckPair(p, sub_end, depth - 1)) {
        return false;
      }
      p = sub_end;
    } else if (!pbwire::SkipField(tag, &p, end, depth)) {
      return false;
    }
  }
  *log_count = logs;
  return true;
}

}  // namespace slsflow::emulator
