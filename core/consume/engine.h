// `slsflow consume`: shard discovery and lineage, one reader per shard,
// filter, format, sink and the exactly-once committer, on one output thread.
// See doc/architecture.md §6-§7 and doc/state-format.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/env.h"
#include "core/base/status.h"
#include "core/base/time_grammar.h"
#include "core/consume/budget.h"
#include "core/consume/filter.h"
#include "core/consume/format.h"
#include "core/consume/poll_pacer.h"
#include "core/consume/sink.h"
#include "core/consume/source.h"
#include "core/consume/state.h"

namespace slsflow {

struct ConsumeProgress {
  int64_t logs = 0;
  int64_t bytes = 0;
  int64_t elapsed_us = 0;
  // The oldest "latest log time" among shards still being read: how far in
  // time the whole run has got. 0 when unknown.
  int64_t low_watermark_unix = 0;
  int shards = 0;
  int shards_finished = 0;
  // Log groups between each shard's start and its --to cursor, and how
  // many of them are read; `groups_unknown` when a cursor did not decode
  // (then only the time is known).
  int64_t groups_total = 0;
  int64_t groups_done = 0;
  bool groups_unknown = false;
};

struct ShardStats {
  int64_t logs = 0;
  int64_t bytes = 0;
};

struct ConsumeStats {
  int64_t logs = 0;       // records written
  int64_t scanned = 0;    // logs read (before filters)
  int64_t bytes = 0;      // bytes written
  int64_t raw_bytes = 0;  // decompressed LogGroupList bytes pulled
  int64_t elapsed_us = 0;
  std::map<ShardKey, ShardStats> shards;
  bool broken_pipe = false;  // stdout reader went away
  bool interrupted = false;  // stop flag (SIGINT/SIGTERM)
  bool completed = false;    // --to: every shard reached its end
};

struct ConsumeOptions {
  std::string project;
  std::string endpoint;
  std::vector<std::string> logstores;

  TimeSpec from;  // for shards with no state, seen at start-up
  // --from checkpoint: the consumer group's checkpoint of a shard ("" when
  // none, then `from_fallback` applies). Empty function: not available.
  std::function<Result<std::string>(const std::string& logstore, int shard)> checkpoint_cursor;
  TimeSpec from_fallback{TimeSpec::kBegin, 0};
  std::optional<int64_t> to_unix;  // --to, resolved to seconds

  bool exit_at_end = false;
  int64_t count = 0;         // 0: unlimited
  int64_t idle_exit_us = 0;  // 0: never
  int64_t last_n = 0;        // --last N (start position for shards with no state)
  int64_t fetch_interval_us = 100000;
  // --max-idle-polls: caught-up shards together poll at most this often a
  // second (0: each every fetch_interval_us, however many there are).
  int idle_polls_per_second = PollPacer::kDefaultIdlePollsPerSecond;
  int max_per_fetch = 100;
  int64_t discovery_interval_us = 10000000;
  std::string query;
  bool ordered = false;
  int64_t window_us = 2000000;
  int64_t commit_interval_us = 1000000;
  int queue_depth = 1;
  // --memory: every reader pulls under it (null: each reader sizes its
  // pulls on its own, as the unit tests do).
  ConsumeBudget* budget = nullptr;

  const std::atomic<int>* stop = nullptr;  // SIGINT/SIGTERM received; > 0 stops the run
  // Called once the outputs are recovered, before anything is read: the
  // moment to say "resuming".
  std::function<void()> on_recovered;
  std::function<void(const ConsumeProgress&)> progress;
  int64_t progress_interval_us = 500000;
};

// The state passed in is the loaded one (or a fresh one with the identity
// filled); the engine recovers the sink from it, then owns it.
Result<ConsumeStats> RunConsume(const ConsumeOptions& options, ConsumeSource* source, ShardAssigner* assigner,
                                StateStore* store, ConsumeState state, Sink* sink, Formatter* formatter,
                                const LogFilter* filter, Env* env);

}  // namespace slsflow
