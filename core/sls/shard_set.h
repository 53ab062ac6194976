// Shard-id lists ("0,3-5") for --shards, and the hash-range arithmetic that
// `shards split` needs (keys are 32 hex digits over the 128-bit MD5 space,
// ranges are [begin, end) and an end of 32 'f' means 2^128).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"

namespace slsflow {

// Parses "0,3-5" into the sorted, de-duplicated ids {0,3,4,5}. Spaces
// around items are allowed. kUsage, naming `flag`, on anything else
// (negative ids, reversed ranges, empty items, ranges over 100000 ids).
Result<std::vector<int>> ParseShardSet(std::string_view text, std::string_view flag = "--shards");

// "0,3-5" back from ids (sorted or not); "" for none. For messages.
std::string FormatShardSet(std::vector<int> ids);

// Lower-cases a 32-hex-digit key; kUsage naming `flag` when it is not one.
Result<std::string> NormalizeHashKey(std::string_view key, std::string_view flag = "--key");

// True when begin < key < end, with an `end` of 32 'f' read as 2^128
// (SLS writes the last shard's exclusive end that way). All three must be
// 32 lowercase hex digits.
bool HashKeyStrictlyInside(const std::string& key, const std::string& begin, const std::string& end);

// The n-1 keys that cut [begin, end) into n ranges of equal width (the last
// one takes the remainder). kUsage when n < 2 or the range is narrower
// than n keys.
Result<std::vector<std::string>> EqualSplitKeys(const std::string& begin, const std::string& end, int n);

}  // namespace slsflow
