// `consume --group G`: shards come from SLS consumer-group heartbeats, so
// many processes on many hosts share a logstore with no coordinator of our
// own. `consume --sync-group G`: every shard is read as usual and the local
// state's positions are pushed to G as checkpoints (the Flink connector's
// progress sync), so console lag alerts work.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/base/env.h"
#include "core/consume/source.h"
#include "core/sls/client.h"

namespace slsflow {

// The shards one consumer holds in one logstore, by the heartbeat contract
// (doc/protocol.md §13.3): a shard the server stops assigning is "releasing"
// and still listed in our heartbeats until its final checkpoint is pushed.
class HeldShards {
 public:
  // What to send in the next heartbeat: assigned + releasing.
  std::vector<int> ToBeat() const;
  // Applies the server's reply; returns the shards newly assigned.
  std::vector<int> OnReply(const std::vector<int>& assigned);
  // The engine asked for its shards and was told a releasing one is gone,
  // so it has stopped reading it: its next committed position is final.
  void OnEngineDropped();
  bool EngineDropped(int shard) const { return dropped_.count(shard) > 0; }
  // The final checkpoint of a releasing shard was pushed: let it go.
  void OnReleased(int shard);
  const std::set<int>& assigned() const { return assigned_; }
  const std::set<int>& releasing() const { return releasing_; }
  void Clear() {
    assigned_.clear();
    releasing_.clear();
    dropped_.clear();
  }

 private:
  std::set<int> assigned_;
  std::set<int> releasing_;
  std::set<int> dropped_;  // releasing, and no longer read by the engine
};

struct GroupOptions {
  std::string group;
  std::string consumer;                      // default: hostname-pid
  int timeout_seconds = 60;                  // the group's heartbeat timeout, when we create it
  bool in_order = false;                     // only when we create it
  int64_t heartbeat_interval_us = 20000000;  // the SLS libraries' default
};

// A shard position this member committed locally, and the checkpoint it
// had pushed to the group before that commit.
struct CommittedShard {
  std::string logstore;
  int shard = 0;
  std::string cursor;
  std::string pushed;
};

class GroupAssigner final : public ShardAssigner {
 public:
  GroupAssigner(SlsClient* client, std::vector<std::string> logstores, GroupOptions options, Env* env);
  ~GroupAssigner() override;

  // Creates the group if missing, joins with a first heartbeat per
  // logstore, then heartbeats in the background. `committed` is the local
  // state of a restarted member: see RestoreCommitted.
  Status Start(const std::vector<CommittedShard>& committed = {});
  // Stops heartbeating. Called after the engine's final commit, so that the
  // last checkpoints are already on the server.
  void Stop();

  Result<std::vector<ShardInfo>> Assign(const std::string& logstore, std::vector<ShardInfo> listed) override;
  void OnCommitted(const std::string& logstore, int shard, const std::string& cursor) override;
  bool ServerOrdersLineage() const override { return true; }
  Result<std::string> StartCursor(const std::string& logstore, int shard) override;
  std::string PushedCheckpoint(const std::string& logstore, int shard) override;

 private:
  Status Beat(const std::string& logstore);
  void RestoreCommitted(const std::vector<CommittedShard>& committed);
  void Loop();

  // Threads: the heartbeat thread (Loop) and the engine's output thread
  // (Assign, OnCommitted, StartCursor, PushedCheckpoint). client_ is
  // thread-safe; client_, logstores_, options_ and env_ are read-only after
  // construction. Everything else is guarded by mu_.
  SlsClient* client_;
  std::vector<std::string> logstores_;
  GroupOptions options_;
  Env* env_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                                      // guarded by mu_
  std::map<std::string, HeldShards> held_;                     // guarded by mu_
  std::map<std::pair<std::string, int>, std::string> pushed_;  // last checkpoint sent; guarded by mu_
  // Shards the engine was last told to read. A shard assigned by a
  // heartbeat but not yet started holds a stale local position, which must
  // never be pushed over the previous owner's checkpoint. Guarded by mu_.
  std::map<std::string, std::set<int>> engine_reading_;
  int64_t last_ok_us_ = 0;  // guarded by mu_ once the thread runs
  std::thread thread_;      // started by Start, joined by Stop (one thread)
};

// Pushes every committed position to `group` (forceSuccess, no consumer
// name), leaving shard choice to `inner`.
class SyncGroupAssigner final : public ShardAssigner {
 public:
  SyncGroupAssigner(std::unique_ptr<ShardAssigner> inner, SlsClient* client, std::string group);
  Status Start(const std::vector<std::string>& logstores, int timeout_seconds);
  Result<std::vector<ShardInfo>> Assign(const std::string& logstore, std::vector<ShardInfo> listed) override {
    return inner_->Assign(logstore, std::move(listed));
  }
  void OnCommitted(const std::string& logstore, int shard, const std::string& cursor) override;

 private:
  std::unique_ptr<ShardAssigner> inner_;
  SlsClient* client_;
  std::string group_;
  std::mutex mu_;
  std::map<std::pair<std::string, int>, std::string> pushed_;  // guarded by mu_
};

// Creates `group` on each logstore unless it exists (ConsumerGroupAlreadyExist is fine).
Status EnsureConsumerGroup(SlsClient* client, const std::string& logstore, const std::string& group,
                           int timeout_seconds, bool in_order);

std::string DefaultConsumerName();

}  // namespace slsflow
