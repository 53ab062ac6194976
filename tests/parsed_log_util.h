// Test helper: two ParsedLogs hold the same log (every field a parser sets).
#pragma once

#include "core/produce/record.h"

namespace slsflow::test {

inline bool SameLog(const ParsedLog& a, const ParsedLog& b) {
  return a.time == b.time && a.time_ns == b.time_ns && a.has_time == b.has_time && a.has_time_ns == b.has_time_ns &&
         a.has_topic == b.has_topic && a.has_source == b.has_source && a.has_hash_key == b.has_hash_key &&
         a.topic == b.topic && a.source == b.source && a.hash_key == b.hash_key && a.contents == b.contents &&
         a.tags == b.tags;
}

}  // namespace slsflow::test
