// The 128-bit MD5 hash space that SLS shards partition. Keys travel as 32
// lowercase hex digits; the last shard's exclusive end is written as
// "ffffffffffffffffffffffffffffffff" but means 2^128, so a range end is kept
// as a flag-carrying value rather than a bare 128-bit number.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slsflow::emulator {

using u128 = unsigned __int128;

// An exclusive range end: either a 128-bit value or "the end of the space".
struct HashEnd {
  u128 value = 0;
  bool is_max = false;  // 2^128, printed as 32 'f's
};

struct HashRange {
  u128 begin = 0;
  HashEnd end;
  bool Contains(u128 key) const { return key >= begin && (end.is_max || key < end.value); }
  // Strictly inside (begin, end): a valid split point.
  bool StrictlyInside(u128 key) const { return key > begin && (end.is_max || key < end.value); }
};

// Accepts 1..32 hex digits (any case); shorter keys are read as prefixes
// (padded with zeros on the right), as string comparison of keys implies.
bool ParseHashKey(std::string_view hex, u128* out);
// Parses an exclusive end: 32 'f's (any case) is the end of the space.
bool ParseHashEnd(std::string_view hex, HashEnd* out);
std::string FormatHashKey(u128 key);
std::string FormatHashEnd(const HashEnd& end);

// The whole space cut into `n` nearly equal ranges (n >= 1).
std::vector<HashRange> SplitEvenly(const HashRange& range, int n);

}  // namespace slsflow::emulator
