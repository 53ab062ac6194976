// One reader per shard: a thread that pulls ahead of the engine (one
// PullLogs in flight while up to `queue_depth` decoded batches wait), so a
// slow shard never holds up a fast one and formatting overlaps the network.
// It sleeps only when the shard is idle (`fetch_interval`, or longer when
// many shards are: see PollPacer), and backs off exponentially on quota, 5xx
// and network errors. Any other error is handed to the engine, which stops.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/base/env.h"
#include "core/base/status.h"
#include "core/consume/budget.h"
#include "core/consume/poll_pacer.h"
#include "core/consume/source.h"
#include "core/sls/loggroup_view.h"

namespace slsflow {

struct ReaderBatch : BudgetSpare {
  std::string cursor;       // where this pull started
  std::string next_cursor;  // where the next one starts
  // The decompressed LogGroupList and its in-place decoding; both are kept
  // across reuses (see ShardReader::Recycle) so a steady stream decodes
  // without allocating.
  std::string bytes;
  LogGroupListView view;
  const LogGroupListView* groups = nullptr;  // &view; null for an empty pull
  size_t raw_bytes = 0;
  size_t wire_bytes = 0;
  bool reached_end = false;  // next_cursor is the end cursor: the shard is finished
  Status status;             // an error the engine must stop on
  BudgetGrant grant;         // the --memory this batch holds, given back on Recycle
  int group_count() const { return groups ? groups->loggroups_size() : 0; }
};

struct ShardReaderOptions {
  std::string logstore;
  int shard = 0;
  std::string start_cursor;
  std::string end_cursor;  // "" none (yet)
  int max_per_fetch = 100;
  std::string query;
  int64_t fetch_interval_us = 100000;
  // --exit-at-end: a shard found caught up is not polled again (unless it
  // gets an end cursor): its end is where it was first caught up, as a
  // partition's EOF is kcat's. Otherwise 256 caught-up shards poll ten
  // times a second each while the rest are still read.
  bool stop_when_caught_up = false;
  int queue_depth = 1;  // ready batches besides the one in flight
  // Groups per pull adapt so that one pull carries about this many bytes:
  // big groups must not turn `count` into hundreds of MB of memory.
  size_t target_pull_bytes = 512u << 10;
  int64_t max_backoff_us = 10000000;
  // --memory: when set, every pull first takes a grant sized by the
  // budget's share and the group size seen so far (target_pull_bytes is
  // then unused).
  ConsumeBudget* budget = nullptr;
  // Shared by every reader of a run: an idle shard waits what it says
  // (null: fetch_interval_us).
  PollPacer* pacer = nullptr;
};

class ShardReader {
 public:
  // `notify` is called (from the reader thread) whenever a batch is queued.
  ShardReader(ConsumeSource* source, Env* env, ShardReaderOptions options, std::function<void()> notify);
  ~ShardReader();
  ShardReader(const ShardReader&) = delete;
  ShardReader& operator=(const ShardReader&) = delete;

  void Start();
  void Stop();  // returns once the thread has ended

  // Non-blocking; null when nothing is ready.
  std::unique_ptr<ReaderBatch> TryPop();
  // Hands a processed batch back so its memory is reused.
  void Recycle(std::unique_ptr<ReaderBatch> batch);
  // The shard turned readonly (or --to was resolved): stop at `cursor`.
  void SetEndCursor(const std::string& cursor);
  // True when the last pull found nothing new and every batch was taken:
  // the shard is caught up (for --exit-at-end).
  bool CaughtUp();
  // True when the shard reached its end cursor and that batch was taken.
  bool Done();

  const std::string& logstore() const { return options_.logstore; }
  int shard() const { return options_.shard; }

 private:
  void Run();
  void Loop();
  bool WaitFor(int64_t micros);  // false when stopping
  // The shard is caught up (pulled with end cursor `end`): waits for the
  // next poll, or under stop_when_caught_up until the end cursor changes.
  // False when stopping.
  bool IdleWait(const std::string& end);
  bool Stopping();
  // Groups for the next pull (at most `demand`, when that is not 0), and
  // (with a budget) the grant that covers them and a spare batch to decode
  // into, if the budget has one; false when stopped while waiting for it.
  bool PlanPull(double avg_group_bytes, int demand, int* count, BudgetGrant* grant,
                std::unique_ptr<ReaderBatch>* spare);

  // Threads: the reader thread (Run) and the engine's output thread (the
  // public methods). Set before Start and then read-only: source_, env_,
  // options_, notify_. Owned by the reader thread alone: the cursor and
  // averages inside Run.
  ConsumeSource* source_;
  Env* env_;
  ShardReaderOptions options_;
  std::function<void()> notify_;
  std::thread thread_;  // started and joined by the engine thread
  std::mutex mu_;       // guards every member below
  std::condition_variable cv_;
  std::deque<std::unique_ptr<ReaderBatch>> queue_;  // guarded by mu_
  std::vector<std::unique_ptr<ReaderBatch>> free_;  // guarded by mu_
  std::string end_cursor_;                          // guarded by mu_
  bool idle_ = false;                               // guarded by mu_
  bool done_ = false;                               // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
};

}  // namespace slsflow
