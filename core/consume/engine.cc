#include "core/consume/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>

#include "core/consume/cursor_fetch.h"
#include "core/consume/engine_internal.h"
#include "core/consume/group_lag.h"
#include "core/consume/lineage.h"

namespace slsflow {

namespace {

std::string FromText(const TimeSpec& spec) {
  switch (spec.kind) {
    case TimeSpec::kBegin:
      return "begin";
    case TimeSpec::kEnd:
      return "end";
    default:
      return std::to_string(spec.unix_seconds);
  }
}

}  // namespace

namespace engine_internal {

Status Engine::StartSpec(const std::string& logstore, int shard, bool startup, std::string* checkpoint,
                         std::string* from) {
  TimeSpec spec = startup ? o_.from : TimeSpec{TimeSpec::kBegin, 0};
  if (spec.kind == TimeSpec::kCheckpoint) {
    if (!o_.checkpoint_cursor) return Status::Usage("--from checkpoint needs a consumer group (--group)");
    auto cp = o_.checkpoint_cursor(logstore, shard);
    if (!cp.ok()) return cp.status();
    if (!cp->empty()) {
      *checkpoint = *cp;
      return Status::OK();
    }
    spec = o_.from_fallback;
  }
  if (startup && o_.last_n > 0) spec = TimeSpec{TimeSpec::kEnd, 0};
  *from = FromText(spec);
  return Status::OK();
}

Status Engine::Discover(bool startup) {
  for (const auto& ls : o_.logstores) SLSFLOW_RETURN_IF_ERROR(DiscoverLogstore(ls, startup));
  return Status::OK();
}

Status Engine::DiscoverLogstore(const std::string& logstore, bool startup) {
  auto listed = source_->ListShards(logstore);
  if (!listed.ok()) {
    const Status& s = listed.status();
    if (s.kind() == ErrorKind::kNotFound && s.sls_code() != "ProjectNotExist")
      return Status::NotFound("logstore '" + logstore + "' does not exist in project '" + o_.project +
                              "': " + s.message());
    if (!startup && (s.retry() == RetryClass::kRetry || s.retry() == RetryClass::kBackoff)) {
      spdlog::warn("listing shards of {}: {}; will retry", logstore, s.ToString());
      return Status::OK();
    }
    return s.WithContext("listing shards of " + logstore);
  }
  auto assigned = assigner_->Assign(logstore, std::move(*listed));
  if (!assigned.ok()) return assigned.status();
  std::set<int> present;
  // Shards the state knew before this discovery: a new shard descending
  // from one of them continues its parent's data and starts at `begin`,
  // whatever --from says, also when a crash hid it from the last commit.
  std::set<int> known;
  for (const auto& [key, pos] : state_.shards)
    if (key.first == logstore && !pos.cursor.empty()) known.insert(key.second);
  auto ancestors = ShardAncestors(*assigned);
  // First, in listing order: bookkeeping, group checkpoints, and the
  // cursors to ask for. Then all of them are asked for at once. Last, in
  // listing order again, they are taken in, so the failure reported is the
  // one a shard-by-shard loop would have stopped at.
  constexpr size_t kNone = SIZE_MAX;
  struct Pending {
    int shard = 0;
    bool fresh = false;      // resolved from --from at start-up
    std::string checkpoint;  // a consumer group's start, asked for nothing
    size_t start_ask = kNone;
    size_t end_ask = kNone;
  };
  std::vector<Pending> pending;
  std::vector<CursorAsk> asks;
  for (const auto& info : *assigned) {
    present.insert(info.id);
    const ShardKey key{logstore, info.id};
    auto& pos = state_.shards[key];
    auto prior = shards_.find(key);
    const bool newly_assigned = prior == shards_.end() || !prior->second.listed || !prior->second.reader;
    Shard& sh = shards_[key];
    sh.logstore = logstore;
    sh.id = info.id;
    sh.listed = true;
    if (pos.finished) continue;
    if (newly_assigned && !sh.reader) {
      // A consumer group may have moved this shard past our local state
      // while another process held it: its checkpoint wins.
      auto group_cursor = assigner_->StartCursor(logstore, info.id);
      if (!group_cursor.ok()) return group_cursor.status();
      // Ours is never behind what we pushed, so only a checkpoint that is
      // neither ours nor what we pushed means another member read on.
      if (!group_cursor->empty() && *group_cursor != pos.cursor && *group_cursor != pos.checkpoint) {
        pos.cursor = *group_cursor;
        pos.skip_groups = pos.skip_logs = 0;
      }
    }
    Pending p;
    p.shard = info.id;
    if (pos.cursor.empty()) {
      // A shard we never saw: --from at start-up, `begin` afterwards, so
      // nothing written between a split and our discovery is lost.
      const auto& anc = ancestors[info.id];
      const bool continues = std::any_of(anc.begin(), anc.end(), [&](int a) { return known.count(a) > 0; });
      p.fresh = startup && !continues;
      std::string from;
      SLSFLOW_RETURN_IF_ERROR(StartSpec(logstore, info.id, p.fresh, &p.checkpoint, &from));
      if (p.checkpoint.empty()) {
        p.start_ask = asks.size();
        asks.push_back({logstore, info.id, from, std::nullopt});
      }
    }
    const bool became_readonly = info.readonly() && !sh.readonly;
    sh.readonly = info.readonly();
    if (sh.end_cursor.empty() && (o_.to_unix || became_readonly)) {
      // A readonly shard's end is fixed; --to bounds every shard.
      p.end_ask = asks.size();
      asks.push_back({logstore, info.id, o_.to_unix ? std::to_string(*o_.to_unix) : "end", std::nullopt});
    }
    pending.push_back(std::move(p));
  }
  FetchCursors(source_, &asks);
  for (const Pending& p : pending) {
    const ShardKey key{logstore, p.shard};
    auto& pos = state_.shards[key];
    Shard& sh = shards_[key];
    std::string start = p.checkpoint;
    if (p.start_ask != kNone) {
      const Result<std::string>& got = *asks[p.start_ask].cursor;
      if (!got.ok()) return got.status().WithContext("GetCursor " + logstore + "/" + std::to_string(p.shard));
      start = *got;
    }
    if (!start.empty()) {
      pos.cursor = start;
      pos.skip_groups = pos.skip_logs = 0;
      if (p.fresh) fresh_.push_back({logstore, p.shard, start});
    }
    if (!sh.start_number) sh.start_number = DecodeCursorNumber(pos.cursor);
    if (p.end_ask != kNone) {
      const Result<std::string>& end = *asks[p.end_ask].cursor;
      if (!end.ok()) return end.status().WithContext("GetCursor " + logstore + "/" + std::to_string(p.shard));
      sh.end_cursor = *end;
      sh.end_number = DecodeCursorNumber(sh.end_cursor);
      if (sh.reader) sh.reader->SetEndCursor(sh.end_cursor);
    }
  }
  // Shards that left the listing (expired, or no longer assigned to us).
  for (auto& [key, sh] : shards_) {
    if (key.first != logstore || present.count(key.second)) continue;
    sh.listed = false;
    if (sh.reader) {
      sh.reader->Stop();
      sh.reader.reset();
    }
  }
  listing_[logstore] = std::move(*assigned);
  return Replan(logstore);
}

Status Engine::Replan(const std::string& logstore) {
  std::set<int> finished;
  for (const auto& [key, pos] : state_.shards)
    if (key.first == logstore && pos.finished) finished.insert(key.second);
  for (const auto& key : read_to_end_)
    if (key.first == logstore) finished.insert(key.second);
  LineagePlan plan = PlanLineage(listing_[logstore], finished);
  if (assigner_->ServerOrdersLineage()) {
    // The server hands out a child only when its parents are done, and a
    // parent may be read by another process: read everything assigned.
    plan.ready.clear();
    for (const auto& info : listing_[logstore])
      if (!finished.count(info.id)) plan.ready.push_back(info.id);
  }
  for (int id : plan.ready) {
    Shard& sh = shards_[{logstore, id}];
    if (!sh.reader) SLSFLOW_RETURN_IF_ERROR(StartReader(&sh));
  }
  return Status::OK();
}

Status Engine::StartReader(Shard* sh) {
  const ShardPosition& pos = state_.shards[{sh->logstore, sh->id}];
  ShardReaderOptions ro;
  ro.logstore = sh->logstore;
  ro.shard = sh->id;
  ro.start_cursor = pos.cursor;
  ro.end_cursor = sh->end_cursor;
  ro.max_per_fetch = o_.max_per_fetch;
  ro.query = o_.query;
  ro.fetch_interval_us = o_.fetch_interval_us;
  ro.stop_when_caught_up = o_.exit_at_end;
  ro.queue_depth = o_.queue_depth;
  ro.budget = o_.budget;
  ro.pacer = &pacer_;
  sh->skip_groups = pos.skip_groups;
  sh->skip_logs = pos.skip_logs;
  sh->reader = std::make_unique<ShardReader>(source_, env_, ro, [this] { Notify(); });
  sh->reader->Start();
  spdlog::debug("reading {}/{} from {}", sh->logstore, sh->id, pos.cursor);
  return Status::OK();
}

Status Engine::Commit() {
  SLSFLOW_RETURN_IF_ERROR(sink_->Sync(&state_));
  // What the group holds now goes into this commit: after a crash, a group
  // checkpoint equal to it proves nobody else moved the shard since.
  for (auto& [key, pos] : state_.shards) {
    std::string pushed = assigner_->PushedCheckpoint(key.first, key.second);
    if (!pushed.empty()) pos.checkpoint = std::move(pushed);
  }
  // A read to a pipe or terminal keeps no state; the group still hears of it.
  if (store_) SLSFLOW_RETURN_IF_ERROR(store_->Commit(&state_));
  for (const auto& [key, pos] : state_.shards) assigner_->OnCommitted(key.first, key.second, pos.cursor);
  return Status::OK();
}

bool Engine::AllFinished() const {
  // A consumer-group member is never done: the server may assign it more
  // shards (a rebalance, or a split's children) at any heartbeat.
  if (assigner_->ServerOrdersLineage()) return false;
  for (const auto& [ls, list] : listing_) {
    for (const auto& info : list) {
      auto it = state_.shards.find({ls, info.id});
      if (it == state_.shards.end() || !it->second.finished) return false;
    }
  }
  return true;
}

bool Engine::AllCaughtUp() {
  for (const auto& [ls, list] : listing_) {
    for (const auto& info : list) {
      auto it = state_.shards.find({ls, info.id});
      if (it != state_.shards.end() && it->second.finished) continue;
      auto sh = shards_.find({ls, info.id});
      if (sh == shards_.end() || !sh->second.reader) return false;  // waiting for its parents
      if (!sh->second.reader->CaughtUp()) return false;
    }
  }
  return true;
}

Result<ConsumeStats> Engine::Run() {
  start_us_ = last_data_us_ = env_->MonotonicMicros();
  SLSFLOW_RETURN_IF_ERROR(sink_->Recover(&state_));
  if (o_.on_recovered) o_.on_recovered();
  Status s = Discover(/*startup=*/true);
  // Start positions resolved at start-up are remembered at once, so that
  // `--from end` means the same thing after a crash.
  if (s.ok()) s = Commit();
  if (s.ok()) s = EmitLast();
  int64_t next_commit = env_->MonotonicMicros() + o_.commit_interval_us;
  int64_t next_discovery = env_->MonotonicMicros() + o_.discovery_interval_us;
  int64_t next_progress = env_->MonotonicMicros() + o_.progress_interval_us;
  bool stop = stats_.broken_pipe;
  while (s.ok() && !stop) {
    if (o_.stop && o_.stop->load() > 0) {
      stats_.interrupted = true;
      break;
    }
    bool progressed = false;
    std::vector<ShardKey> keys;
    for (auto& [key, sh] : shards_)
      if (sh.reader) keys.push_back(key);
    const int64_t hold_after = HoldBackAfter();
    for (const auto& key : keys) {
      Shard& sh = shards_[key];
      if (!sh.reader || sh.last_log_time > hold_after) continue;
      auto batch = sh.reader->TryPop();
      if (!batch) continue;
      progressed = true;
      s = Process(&sh, batch.get(), &stop);
      if (sh.reader) sh.reader->Recycle(std::move(batch));
      if (!s.ok() || stop || stats_.broken_pipe) break;
    }
    if (!s.ok() || stats_.broken_pipe) break;
    s = DrainOrdered(/*flush=*/false);
    if (!s.ok() || stats_.broken_pipe) break;

    const int64_t now = env_->MonotonicMicros();
    if (now >= next_commit) {
      s = Commit();
      next_commit = now + o_.commit_interval_us;
      if (!s.ok()) break;
    }
    if (o_.progress && now >= next_progress) {
      Progress(now);
      next_progress = now + o_.progress_interval_us;
    }
    if (now >= next_discovery) {
      s = Discover(false);
      next_discovery = now + o_.discovery_interval_us;
      if (!s.ok()) break;
    }
    if (stop) break;
    if (AllFinished() || ((o_.exit_at_end || o_.to_unix) && !progressed && AllCaughtUp())) {
      // Before ending, look once more: a split since the last discovery
      // would have children to read.
      s = Discover(false);
      next_discovery = now + o_.discovery_interval_us;
      if (!s.ok()) break;
      if (AllFinished()) {
        stats_.completed = true;
        break;
      }
      if (o_.exit_at_end && AllCaughtUp()) break;
    }
    if (o_.idle_exit_us > 0 && now - last_data_us_ >= o_.idle_exit_us) break;
    if (!progressed) {
      std::unique_lock<std::mutex> lock(mu_);
      int64_t wait = std::min<int64_t>({next_commit - now, next_discovery - now, 100000});
      cv_.wait_for(lock, std::chrono::microseconds(std::max<int64_t>(wait, 1000)), [&] { return pending_; });
      pending_ = false;
    }
  }
  for (auto& [key, sh] : shards_) {
    if (sh.reader) sh.reader->Stop();
  }
  // Whatever waits in the reorder window goes out on a clean stop.
  if (s.ok()) s = DrainOrdered(/*flush=*/true);
  // The final commit records everything delivered, also after an error:
  // positions only ever cover bytes the sink accepted.
  Status fin = Commit();
  Status closed = sink_->Close();
  if (!s.ok()) return s;
  if (!fin.ok()) return fin;
  if (!closed.ok()) return closed;
  if (o_.progress) Progress(env_->MonotonicMicros());
  stats_.elapsed_us = env_->MonotonicMicros() - start_us_;
  return stats_;
}

}  // namespace engine_internal

Result<ConsumeStats> RunConsume(const ConsumeOptions& options, ConsumeSource* source, ShardAssigner* assigner,
                                StateStore* store, ConsumeState state, Sink* sink, Formatter* formatter,
                                const LogFilter* filter, Env* env) {
  // Quota, 5xx and network errors back off and retry everywhere; the
  // readers also retry past this, without limit.
  auto retrying = NewRetryingSource(source, env, 6, options.stop);
  engine_internal::Engine engine(options, retrying.get(), assigner, store, std::move(state), sink, formatter, filter,
                                 env);
  return engine.Run();
}

}  // namespace slsflow
