// --last N: the newest N logs across shards, ordered by log time.
//
// Cursors cannot be walked backwards, so the reader looks back in widening
// receive-time strips (1 min, 10 min, 1 h, 6 h, 1 d, 7 d, 30 d, then
// everything): each strip is read once, from GetCursor(now - w) up to where
// the previous strip began, until N logs were found or every shard reached
// its beginning. Only the newest N (formatted) records are kept in memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/consume/filter.h"
#include "core/consume/format.h"
#include "core/consume/source.h"

namespace slsflow {

struct LastShard {
  std::string logstore;
  int shard = 0;
  std::string end_cursor;  // where following will start: the strips end here
};

struct LastRecord {
  int64_t time = 0;   // the log's __time__
  int64_t order = 0;  // ties: older strips and earlier positions first
  std::string logstore;
  int shard = 0;
  std::string text;  // formatted
};

// Oldest first. `filter` may be null. `memory` bounds what the collection
// holds (the kept records and one pull): pulls are sized to a quarter of it
// by the group size seen, and N records that do not fit in half of it are
// a usage error (exit 2) naming about what --memory they would need.
Result<std::vector<LastRecord>> CollectLastLogs(ConsumeSource* source, const std::vector<LastShard>& shards, int64_t n,
                                                int64_t now_unix, int max_per_fetch, Formatter* formatter,
                                                const LogFilter* filter, uint64_t memory = uint64_t{1} << 40);

}  // namespace slsflow
