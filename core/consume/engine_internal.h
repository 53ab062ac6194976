// The consume engine's class, shared by the two files that define its
// steps: engine.cc (discovery, lineage, readers, commits, the main loop) and
// engine_output.cc (a batch's way to the sink: skip counts, filters,
// formatting, --ordered, --last, progress). Not for other callers: they use
// RunConsume (engine.h).
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/consume/engine.h"
#include "core/consume/last.h"
#include "core/consume/ordered.h"
#include "core/consume/reader.h"

namespace slsflow::engine_internal {

// Threads: one, the output thread that calls Run; the readers talk to it
// through their queues and Notify.
class Engine {
 public:
  Engine(const ConsumeOptions& options, ConsumeSource* source, ShardAssigner* assigner, StateStore* store,
         ConsumeState state, Sink* sink, Formatter* formatter, const LogFilter* filter, Env* env)
      : o_(options),
        source_(source),
        assigner_(assigner),
        store_(store),
        state_(std::move(state)),
        sink_(sink),
        formatter_(formatter),
        filter_(filter && !filter->empty() ? filter : nullptr),
        env_(env),
        pacer_(o_.idle_polls_per_second) {
    if (o_.ordered) reorder_ = std::make_unique<ReorderBuffer>(o_.window_us);
    // A quarter of --memory is the window's: readers plan with the rest,
    // and the window lets its oldest records out early rather than grow.
    if (o_.ordered && o_.budget) o_.budget->Reserve(WindowBytes());
  }

  Result<ConsumeStats> Run();

 private:
  struct Shard {
    std::string logstore;
    int id = 0;
    bool readonly = false;
    std::string end_cursor;  // "" unknown/none
    std::unique_ptr<ShardReader> reader;
    int64_t skip_groups = 0;  // still to skip at the reader's start position
    int64_t skip_logs = 0;
    int64_t last_log_time = 0;
    bool listed = true;
    // Log-group numbers inside the cursors where this run found the shard
    // and where it ends (--to), for progress; nullopt when they don't decode.
    std::optional<uint64_t> start_number;
    std::optional<uint64_t> end_number;
  };

  Status Discover(bool startup);
  Status DiscoverLogstore(const std::string& logstore, bool startup);
  Status Replan(const std::string& logstore);
  Status StartReader(Shard* shard);
  // Where a shard the state does not know starts: a consumer group's
  // checkpoint, or else what to ask GetCursor for (`from`).
  Status StartSpec(const std::string& logstore, int shard, bool startup, std::string* checkpoint, std::string* from);
  Status Process(Shard* shard, ReaderBatch* batch, bool* stop);
  bool EmitBatch(Shard* shard, ReaderBatch* batch, ShardPosition* after, int64_t* emitted);
  Status Deliver(const ShardKey& key, const ShardPosition& after);
  Status DrainOrdered(bool flush);
  Status Commit();
  Status EmitLast();
  bool AllFinished() const;
  bool AllCaughtUp();
  int64_t HoldBackAfter();
  size_t WindowBytes() const { return o_.budget ? o_.budget->capacity() / 4 : SIZE_MAX; }
  void Notify() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_ = true;
    }
    cv_.notify_one();
  }
  void Progress(int64_t now_us);

  const ConsumeOptions& o_;
  ConsumeSource* source_;
  ShardAssigner* assigner_;
  StateStore* store_;
  ConsumeState state_;
  Sink* sink_;
  Formatter* formatter_;
  const LogFilter* filter_;
  Env* env_;

  PollPacer pacer_;  // before shards_: their readers use it
  std::map<ShardKey, Shard> shards_;
  std::map<std::string, std::vector<ShardInfo>> listing_;  // last assigned listing per logstore
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;
  std::string out_;
  ConsumeStats stats_;
  int64_t start_us_ = 0;
  int64_t last_data_us_ = 0;
  bool count_reached_ = false;
  std::vector<LastShard> fresh_;  // shards resolved from --from at start-up
  // --ordered: records wait here; `processed_` is each shard's position
  // after everything it handed over, `read_to_end_` the shards whose
  // reader finished (their state says so once their records are out).
  std::unique_ptr<ReorderBuffer> reorder_;
  std::map<ShardKey, ShardPosition> processed_;
  std::set<ShardKey> read_to_end_;
};

}  // namespace slsflow::engine_internal
