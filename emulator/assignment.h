// Server-side consumer-group assignment (doc/protocol.md §13.2, ours §13.6): per
// group, live consumers with their last heartbeat, and per shard a state
// (not_alloc, already_alloc, transfer, wait, over). Pure logic: the caller
// passes the clock and a snapshot of the logstore's shards, so tests drive
// it without HTTP or sleeps.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/base/status.h"
#include "emulator/hash_key.h"
#include "emulator/model.h"

namespace slsflow::emulator {

struct ShardView {
  int id = 0;
  bool readonly = false;
  HashRange range;
  uint64_t end_offset = 0;  // groups in the shard now (fixed once readonly)
};

enum class AllocState { kNotAlloc, kAlloc, kTransfer, kWait, kOver };
const char* AllocStateName(AllocState s);

class ConsumerGroupState {
 public:
  explicit ConsumerGroupState(ConsumerGroupMeta meta) : meta_(std::move(meta)) {}

  const ConsumerGroupMeta& meta() const { return meta_; }
  void Update(const ConsumerGroupMeta& meta) { meta_ = meta; }

  // Registers or refreshes `consumer`, expires consumers silent for longer
  // than the timeout, settles transfers, rebalances, and returns the shards
  // the consumer owns now (sorted). 400 NotExistConsumerWithBody when a
  // consumer that is not live (expired or never seen) beats with a
  // non-empty list.
  Result<std::vector<int>> Heartbeat(const std::string& consumer, const std::vector<int>& held,
                                     const std::vector<ShardView>& shards, int64_t now_us);

  // For forceSuccess=false: OK when `consumer` holds the shard; otherwise
  // ConsumerNotExist / ConsumerNotMatch.
  Status CheckOwner(const std::string& consumer, int shard, int64_t now_us);

  // Records a checkpoint; a readonly shard checkpointed at its end is over.
  void SetCheckpoint(const CheckpointRecord& record, const std::vector<ShardView>& shards);
  void LoadCheckpoint(const CheckpointRecord& record) { checkpoints_[record.shard] = record; }
  const std::map<int, CheckpointRecord>& checkpoints() const { return checkpoints_; }

  // Introspection for tests and the admin endpoint.
  AllocState StateOf(int shard) const;
  std::string OwnerOf(int shard) const;
  std::vector<std::string> LiveConsumers() const;

 private:
  struct ShardSlot {
    AllocState state = AllocState::kNotAlloc;
    std::string owner;        // kAlloc / kTransfer
    std::string transfer_to;  // kTransfer
  };

  void Expire(int64_t now_us);
  void Release(const std::string& consumer);
  void SyncShards(const std::vector<ShardView>& shards);
  bool Finished(const ShardView& shard) const;
  void Rebalance();

  ConsumerGroupMeta meta_;
  std::map<std::string, int64_t> last_beat_;  // live consumers
  std::map<int, ShardSlot> slots_;
  std::map<int, CheckpointRecord> checkpoints_;
};

}  // namespace slsflow::emulator
