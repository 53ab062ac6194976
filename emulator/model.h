// The emulator's data model (doc/architecture.md §12): a project
// has logstores, a logstore has shards, a shard has a status, a hash range,
// a create time and an append-only list of stored LogGroups. Everything
// served is served from here; Storage only makes it durable.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "emulator/hash_key.h"

namespace slsflow::emulator {

// One LogGroup as received: the raw protobuf after decompression, byte for
// byte. Never re-encoded: old readers (aliyun-sdk) break on added fields.
struct StoredGroup {
  std::string raw;
  int64_t receive_time_us = 0;
  uint32_t log_count = 0;
};
using GroupPtr = std::shared_ptr<const StoredGroup>;

struct ShardMeta {
  int id = 0;
  bool readonly = false;
  HashRange range;
  int64_t create_time_s = 0;
};

struct LogStoreMeta {
  std::string name;
  int ttl_days = 30;
  int64_t create_time_s = 0;
  int64_t last_modify_time_s = 0;
  bool auto_split = false;
  int max_split_shard = 64;
  bool append_meta = false;
  bool enable_tracking = false;
};

struct ConsumerGroupMeta {
  std::string name;
  int timeout_s = 60;
  bool order = false;
};

struct CheckpointRecord {
  int shard = 0;
  std::string checkpoint;
  int64_t update_time_us = 0;
  std::string consumer;
};

// Process-unique id for a shard object, so caches never confuse a shard
// with one of the same id in a logstore that was deleted and recreated.
uint64_t NextShardSerial();

class Shard {
 public:
  const uint64_t serial = NextShardSerial();
  // Guarded by the owning LogStore's mutex (changed only under its
  // exclusive lock, by split and merge).
  ShardMeta meta;

  // Append-only; readers copy the pointers they need under the lock and
  // build replies without it.
  size_t Size() const {
    std::lock_guard lock(mu_);
    return groups_.size();
  }
  // Groups [begin, end) clamped to the current size.
  std::vector<GroupPtr> Range(uint64_t begin, uint64_t end) const;
  // Receive time of the group at `offset` (clamped to the last group);
  // false when the shard is empty.
  bool ReceiveTimeAt(uint64_t offset, int64_t* us) const;
  // First offset whose receive time is >= `us` (Size() when none).
  uint64_t LowerBoundTime(int64_t us) const;
  void Append(GroupPtr group) {
    std::lock_guard lock(mu_);
    groups_.push_back(std::move(group));
  }
  // Retention: the first offset still served. Groups received before
  // `cutoff_us` are let go (their bytes freed, their offsets kept, so
  // cursors stay valid); the begin only ever moves forward.
  uint64_t ExpireBefore(int64_t cutoff_us);
  uint64_t First() const {
    std::lock_guard lock(mu_);
    return first_;
  }
  std::mutex& append_mutex() { return append_mu_; }

 private:
  mutable std::mutex mu_;
  std::vector<GroupPtr> groups_;
  uint64_t first_ = 0;  // groups before it expired: only their receive times are kept
  // Held across "persist, then publish" so offsets are assigned in order.
  std::mutex append_mu_;
};

class ConsumerGroupState;  // emulator/assignment.h

class LogStore {
 public:
  explicit LogStore(LogStoreMeta m);
  ~LogStore();

  // Structure lock: shared for reads and appends, exclusive for split,
  // merge and meta changes.
  mutable std::shared_mutex mu;
  LogStoreMeta meta;
  std::map<int, std::unique_ptr<Shard>> shards;
  std::atomic<uint64_t> lb_counter{0};

  int NextShardId() const { return shards.empty() ? 0 : shards.rbegin()->first + 1; }

  // Consumer groups have their own lock (heartbeats must not wait for puts).
  std::mutex groups_mu;
  std::map<std::string, std::unique_ptr<ConsumerGroupState>> groups;
};

class Project {
 public:
  std::string name;
  int64_t create_time_s = 0;
  std::mutex mu;  // guards `logstores`
  std::map<std::string, std::shared_ptr<LogStore>> logstores;

  std::shared_ptr<LogStore> Find(const std::string& logstore) {
    std::lock_guard lock(mu);
    auto it = logstores.find(logstore);
    return it == logstores.end() ? nullptr : it->second;
  }
};

}  // namespace slsflow::emulator
