#include "core/consume/ordered.h"

#include <algorithm>

namespace slsflow {

void ReorderBuffer::Add(const ShardKey& shard, int64_t log_time, int64_t now_us, std::string text,
                        const ShardPosition& after) {
  int64_t& last = last_sort_time_[shard];
  last = std::max(last, log_time);
  bytes_ += text.size() + sizeof(PendingRecord) + after.cursor.size();
  queues_[shard].push_back(PendingRecord{last, now_us, std::move(text), after});
  ++size_;
}

bool ReorderBuffer::PopReady(int64_t now_us, bool flush, ShardKey* shard, PendingRecord* record) {
  // The head with the smallest sort time; among equals the one that waited
  // longest. Few shards: a scan beats a heap that must be kept in sync.
  std::deque<PendingRecord>* best = nullptr;
  const ShardKey* best_key = nullptr;
  int64_t oldest_arrival = INT64_MAX;
  for (auto& [key, q] : queues_) {
    if (q.empty()) continue;
    oldest_arrival = std::min(oldest_arrival, q.front().arrival_us);
    if (!best || q.front().sort_time < best->front().sort_time ||
        (q.front().sort_time == best->front().sort_time && q.front().arrival_us < best->front().arrival_us)) {
      best = &q;
      best_key = &key;
    }
  }
  if (!best) return false;
  // Something has waited out the window: the oldest by time goes, so that
  // a later record from a slower shard can still overtake younger ones.
  if (!flush && now_us - oldest_arrival < window_us_) return false;
  *shard = *best_key;
  *record = std::move(best->front());
  best->pop_front();
  --size_;
  bytes_ -= std::min(bytes_, record->text.size() + sizeof(PendingRecord) + record->after.cursor.size());
  return true;
}

bool ReorderBuffer::Holds(const ShardKey& shard) const {
  auto it = queues_.find(shard);
  return it != queues_.end() && !it->second.empty();
}

}  // namespace slsflow
