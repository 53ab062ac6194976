// What the consume engine needs from SLS, as two small seams:
//  - ConsumeSource: the read API (ListShards, GetCursor, PullLogs), so the
//    engine can be tested against an in-memory logstore;
//  - ShardAssigner: which shards this process reads. "All listed shards" for
//    plain consume; a consumer-group (heartbeat-assigned) implementation is
//    the seam for `consume --group` (issue 7).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/base/env.h"
#include "core/base/status.h"
#include "core/sls/client.h"

namespace slsflow {

class ConsumeSource {
 public:
  virtual ~ConsumeSource() = default;
  virtual Result<std::vector<ShardInfo>> ListShards(const std::string& logstore) = 0;
  // from: "begin", "end" or unix seconds. Called from several threads at
  // once at discovery (FetchCursors): must be thread-safe.
  virtual Result<std::string> GetCursor(const std::string& logstore, int shard, const std::string& from) = 0;
  // Called from reader threads concurrently: must be thread-safe.
  virtual Result<PullResult> PullLogs(const PullRequest& request) = 0;
};

// Adapts the typed client (thread-safe; shares its connection pool).
std::unique_ptr<ConsumeSource> NewClientSource(SlsClient* client);

// Retries quota (403), 5xx and network errors with exponential backoff and
// jitter (200 ms doubling to 5 s, `attempts` tries in all); any other error
// is returned at once. `stop`, when set, cuts the waiting short.
std::unique_ptr<ConsumeSource> NewRetryingSource(ConsumeSource* base, Env* env, int attempts,
                                                 const std::atomic<int>* stop = nullptr);

class ShardAssigner {
 public:
  virtual ~ShardAssigner() = default;
  // Filters the listed shards of `logstore` down to the ones to read now.
  virtual Result<std::vector<ShardInfo>> Assign(const std::string& logstore, std::vector<ShardInfo> listed) = 0;
  // A shard's committed position moved (consumer groups push a checkpoint).
  virtual void OnCommitted(const std::string& /*logstore*/, int /*shard*/, const std::string& /*cursor*/) {}
  // True when the server hands out children only after their parents
  // (consumer groups): the engine then starts every assigned shard at once,
  // since a parent may be read by another process.
  virtual bool ServerOrdersLineage() const { return false; }
  // The last checkpoint of this shard pushed to a consumer group, "" when
  // none (recorded in the state, see ShardPosition::checkpoint).
  virtual std::string PushedCheckpoint(const std::string& /*logstore*/, int /*shard*/) { return std::string(); }
  // Where a newly assigned shard starts, overriding the local state (a
  // consumer group's checkpoint: another process may have read further).
  // "" means no opinion.
  virtual Result<std::string> StartCursor(const std::string& /*logstore*/, int /*shard*/) { return std::string(); }
};

// Every listed shard; with a non-empty `selection` (--shards) only those ids
// and their descendants (children of a selected shard carry its keys on).
std::unique_ptr<ShardAssigner> NewAllShardsAssigner(std::vector<int> selection);

}  // namespace slsflow
