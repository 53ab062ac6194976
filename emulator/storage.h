// Durability behind the in-memory model. The emulator serves everything
// from memory (model.h); a Storage makes each change durable before the
// request that caused it is acknowledged. Memory storage persists nothing;
// SQLite storage (WAL) survives restarts.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/status.h"
#include "emulator/model.h"

namespace slsflow::emulator {

struct LoadedGroup {
  int shard = 0;
  uint64_t offset = 0;
  StoredGroup group;
};

struct LoadedLogStore {
  LogStoreMeta meta;
  std::vector<ShardMeta> shards;
  std::vector<LoadedGroup> groups;  // ordered by (shard, offset)
  std::vector<ConsumerGroupMeta> consumer_groups;
  std::vector<std::pair<std::string, CheckpointRecord>> checkpoints;  // (group, record)
};

struct LoadedProject {
  std::string name;
  std::vector<LoadedLogStore> logstores;
};

class Storage {
 public:
  virtual ~Storage() = default;
  virtual Status Load(std::vector<LoadedProject>* out) = 0;
  // Creates or replaces the logstore's meta and its complete shard list.
  virtual Status SaveLogStore(const std::string& project, const LogStoreMeta& meta,
                              const std::vector<ShardMeta>& shards) = 0;
  virtual Status DeleteLogStore(const std::string& project, const std::string& logstore) = 0;
  virtual Status AppendGroup(const std::string& project, const std::string& logstore, int shard, uint64_t offset,
                             const StoredGroup& group) = 0;
  virtual Status SaveConsumerGroup(const std::string& project, const std::string& logstore,
                                   const ConsumerGroupMeta& group) = 0;
  virtual Status DeleteConsumerGroup(const std::string& project, const std::string& logstore,
                                     const std::string& group) = 0;
  virtual Status SaveCheckpoint(const std::string& project, const std::string& logstore, const std::string& group,
                                const CheckpointRecord& record) = 0;
};

// Keeps nothing: everything already lives in the model, so every write
// succeeds and Load finds an empty store. Tests derive from it to load a
// store of their own.
class MemoryStorage : public Storage {
 public:
  Status Load(std::vector<LoadedProject>* out) override;
  Status SaveLogStore(const std::string&, const LogStoreMeta&, const std::vector<ShardMeta>&) override;
  Status DeleteLogStore(const std::string&, const std::string&) override;
  Status AppendGroup(const std::string&, const std::string&, int, uint64_t, const StoredGroup&) override;
  Status SaveConsumerGroup(const std::string&, const std::string&, const ConsumerGroupMeta&) override;
  Status DeleteConsumerGroup(const std::string&, const std::string&, const std::string&) override;
  Status SaveCheckpoint(const std::string&, const std::string&, const std::string&, const CheckpointRecord&) override;
};

std::unique_ptr<Storage> NewMemoryStorage();
// Opens (creating) `dir`/emulator.db in WAL mode.
Result<std::unique_ptr<Storage>> OpenSqliteStorage(const std::string& dir);

}  // namespace slsflow::emulator
