// Groups logs per route (and per topic/source/tags when lines carry their
// own) into LogGroups, encoded as they arrive. A batch is sealed at 512 KB
// or 4096 logs, when its linger expires, or at the end; a LogGroup never
// goes over 5 MB.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/produce/batch.h"
#include "core/produce/record.h"

namespace slsflow {

struct BatcherOptions {
  size_t max_bytes = 512 * 1024;
  uint32_t max_logs = 4096;
  int64_t linger_us = 200 * 1000;
  GroupMeta defaults;  // --topic, --source, --tag
};

// The capacity a new batch buffer is reserved: a step past max_bytes, so
// that the log which crosses it and the meta fields fit without moving the
// batch. A settled buffer bigger than this grew for a rare huge log.
size_t BatchBufferBytes(const BatcherOptions& options);

// Puts the log's own topic, source and tags (jsonl __topic__ etc.) over
// `meta`, which holds the defaults.
void ApplyLogMeta(const ParsedLog& log, GroupMeta* meta);

class Batcher {
 public:
  using Emit = std::function<void(std::unique_ptr<Batch>)>;
  Batcher(BatcherOptions options, MemoryBudget* budget, Emit emit);

  // The log must have its time set and be within the per-log limits
  // (LogWithinLimits). kInvalid, and nothing added, when the log alone
  // would make a LogGroup over 5 MB.
  Status Add(const ParsedLog& log, std::string_view route_hash, uint64_t chunk, int64_t now_us);
  void SealExpired(int64_t now_us);
  void SealAll();
  // When the oldest open batch must go; INT64_MAX with none open.
  int64_t NextDeadline() const;
  size_t open_batches() const { return open_.size(); }
  // What the open batches have charged to the budget. Logs spread over many
  // routes (--hash-field) keep one batch open per route.
  size_t open_bytes() const;
  // Seals the open batch with the most logs in bytes; false with none open.
  bool SealFullest();
  const GroupMeta& defaults() const { return options_.defaults; }

 private:
  Batch* Open(const ParsedLog& log, std::string_view route_hash, int64_t now_us);
  void Seal(std::unique_ptr<Batch> batch);
  // Grows batch->data to at least `bytes` of room, charging what it adds.
  void MakeRoom(Batch* batch, size_t bytes);

  BatcherOptions options_;
  MemoryBudget* budget_;
  Emit emit_;
  using OpenMap = std::unordered_map<std::string, std::unique_ptr<Batch>>;
  // Takes the open batch at `it` out and seals it; the iterator after it.
  OpenMap::iterator SealOpen(OpenMap::iterator it);
  OpenMap open_;
  std::string key_;
  Batch* last_ = nullptr;  // the batch Open returned last, while it is open
  uint64_t next_seq_ = 1;
};

}  // namespace slsflow
