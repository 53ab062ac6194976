// --ordered --window D: a time-ordered merge across shards and logstores.
//
// Formatted records wait in per-shard FIFOs for D of wall-clock time; the
// oldest head (by log time) goes out first. A shard's records never pass
// each other (a head's sort time is the running maximum of its shard's log
// times), so per-shard order, and with it the exactly-once position of
// each shard, is kept: a shard's committed position is the one after its
// last emitted record.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "core/consume/state.h"

namespace slsflow {

struct PendingRecord {
  int64_t sort_time = 0;   // max(log time, previous sort time of the shard)
  int64_t arrival_us = 0;  // monotonic time it was buffered
  std::string text;
  ShardPosition after;  // the shard's position once this record is out
};

class ReorderBuffer {
 public:
  explicit ReorderBuffer(int64_t window_us) : window_us_(window_us) {}

  void Add(const ShardKey& shard, int64_t log_time, int64_t now_us, std::string text, const ShardPosition& after);
  // The oldest record whose wait is over (or any, with `flush`); false when
  // none may go yet.
  bool PopReady(int64_t now_us, bool flush, ShardKey* shard, PendingRecord* record);
  bool Holds(const ShardKey& shard) const;
  size_t size() const { return size_; }
  // About what the waiting records hold: --memory holds back the shards
  // that run ahead rather than let this grow.
  size_t bytes() const { return bytes_; }

 private:
  int64_t window_us_;
  std::map<ShardKey, std::deque<PendingRecord>> queues_;
  std::map<ShardKey, int64_t> last_sort_time_;
  size_t size_ = 0;
  size_t bytes_ = 0;
};

}  // namespace slsflow
