#include "core/consume/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>

#include "core/consume/group_lag.h"
#include "core/consume/last.h"
#include "core/consume/lineage.h"
#include "core/consume/ordered.h"
#include "core/consume/reader.h"

namespace slsflow {

namespace {

std::string FromText(const TimeSpec& spec) {
  switch (spec.kind) {
    case TimeSpec::kBegin: return "begin";
    case TimeSpec::kEnd: return "end";
    default: return std::to_string(spec.unix_seconds);
  }
}

class Engine {
 public:
  Engine(const ConsumeOptions& options, ConsumeSource* source, ShardAssigner* assigner, StateStore* store,
         ConsumeState state, Sink* sink, Formatter* formatter, const LogFilter* filter, Env* env)
      : o_(options), source_(source), assigner_(assigner), store_(store), state_(std::move(state)), sink_(sink),
        formatter_(formatter), filter_(filter && !filter->empty() ? filter : nullptr), env_(env) {
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
  Result<std::string> ResolveStart(const std::string& logstore, int shard, bool startup);
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

Result<std::string> Engine::ResolveStart(const std::string& logstore, int shard, bool startup) {
  TimeSpec spec = startup ? o_.from : TimeSpec{TimeSpec::kBegin, 0};
  if (spec.kind == TimeSpec::kCheckpoint) {
    if (!o_.checkpoint_cursor) return Status::Usage("--from checkpoint needs a consumer group (--group)");
    auto cp = o_.checkpoint_cursor(logstore, shard);
    if (!cp.ok()) return cp.status();
    if (!cp->empty()) return *cp;
    spec = o_.from_fallback;
  }
  if (startup && o_.last_n > 0) spec = TimeSpec{TimeSpec::kEnd, 0};
  auto c = source_->GetCursor(logstore, shard, FromText(spec));
  if (!c.ok()) return c.status().WithContext("GetCursor " + logstore + "/" + std::to_string(shard));
  return *c;
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
    if (pos.cursor.empty()) {
      // A shard we never saw: --from at start-up, `begin` afterwards, so
      // nothing written between a split and our discovery is lost.
      const auto& anc = ancestors[info.id];
      const bool continues = std::any_of(anc.begin(), anc.end(), [&](int a) { return known.count(a) > 0; });
      auto c = ResolveStart(logstore, info.id, startup && !continues);
      if (!c.ok()) return c.status();
      pos.cursor = *c;
      pos.skip_groups = pos.skip_logs = 0;
      if (startup && !continues) fresh_.push_back({logstore, info.id, *c});
    }
    if (!sh.start_number) sh.start_number = DecodeCursorNumber(pos.cursor);
    const bool became_readonly = info.readonly() && !sh.readonly;
    sh.readonly = info.readonly();
    if (sh.end_cursor.empty() && (o_.to_unix || became_readonly)) {
      // A readonly shard's end is fixed; --to bounds every shard.
      const std::string to = o_.to_unix ? std::to_string(*o_.to_unix) : "end";
      auto end = source_->GetCursor(logstore, info.id, to);
      if (!end.ok()) return end.status().WithContext("GetCursor " + logstore + "/" + std::to_string(info.id));
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
  ro.queue_depth = o_.queue_depth;
  ro.budget = o_.budget;
  sh->skip_groups = pos.skip_groups;
  sh->skip_logs = pos.skip_logs;
  sh->reader = std::make_unique<ShardReader>(source_, env_, ro, [this] { Notify(); });
  sh->reader->Start();
  spdlog::debug("reading {}/{} from {}", sh->logstore, sh->id, pos.cursor);
  return Status::OK();
}

// Formats the batch's logs past the shard's skip counts into out_ (or the
// reorder window). Returns false when --count was reached inside it; then
// `after` says how far it got.
bool Engine::EmitBatch(Shard* sh, ReaderBatch* batch, ShardPosition* after, int64_t* emitted) {
  const ShardKey key{sh->logstore, sh->id};
  const RecordMeta meta{sh->logstore, sh->id, batch->cursor};
  const int n = batch->group_count();
  for (int gi = 0; gi < n; ++gi) {
    if (sh->skip_groups > 0) {
      --sh->skip_groups;
      continue;
    }
    const LogGroupView& g = batch->groups->loggroups(gi);
    const int first = static_cast<int>(std::min<int64_t>(sh->skip_logs, g.logs_size()));
    sh->skip_logs = 0;
    const bool group_ok = !filter_ || filter_->MatchGroup(g);
    for (int li = first; li < g.logs_size(); ++li) {
      if (o_.count > 0 && stats_.logs + *emitted >= o_.count) {
        // Stopped inside the batch: the position says how far we got.
        after->cursor = batch->cursor;
        after->skip_groups = gi;
        after->skip_logs = li;
        return false;
      }
      ++stats_.scanned;
      if (!group_ok || (filter_ && !filter_->MatchLog(g, li))) continue;
      if (reorder_) {
        std::string text;
        formatter_->FormatLog(g, li, meta, &text);
        ShardPosition p = state_.shards[key];
        p.cursor = batch->cursor;
        p.skip_groups = gi;
        p.skip_logs = li + 1;
        p.finished = false;
        reorder_->Add(key, g.logs(li).time(), env_->MonotonicMicros(), std::move(text), p);
      } else {
        formatter_->FormatLog(g, li, meta, &out_);
      }
      ++*emitted;
      sh->last_log_time = std::max<int64_t>(sh->last_log_time, g.logs(li).time());
    }
  }
  // Whatever skip was not used up (a shorter batch) carries over.
  after->skip_groups = sh->skip_groups;
  after->skip_logs = sh->skip_groups > 0 ? sh->skip_logs : 0;
  return true;
}

Status Engine::Process(Shard* sh, ReaderBatch* batch, bool* stop) {
  if (!batch->status.ok()) return batch->status;
  const ShardKey key{sh->logstore, sh->id};
  out_.clear();
  stats_.raw_bytes += static_cast<int64_t>(batch->raw_bytes);
  int64_t emitted = 0;
  ShardPosition after = state_.shards[key];
  after.cursor = batch->next_cursor;
  const bool whole = EmitBatch(sh, batch, &after, &emitted);
  if (!whole || (batch->reached_end && o_.count > 0 && stats_.logs + emitted >= o_.count))
    count_reached_ = *stop = true;
  if (batch->reached_end && after.cursor == batch->next_cursor) {
    after.finished = true;
    // With --to, the end is the --to cursor: a later --to reads on.
    after.at_to = o_.to_unix.has_value();
  }
  after.logs += emitted;
  stats_.logs += emitted;
  auto& ss = stats_.shards[key];
  ss.logs += emitted;
  if (batch->group_count() > 0) last_data_us_ = env_->MonotonicMicros();
  if (reorder_) {
    processed_[key] = after;
    if (!reorder_->Holds(key)) state_.shards[key] = after;  // nothing waits: catch up now
    if (after.finished) read_to_end_.insert(key);
  } else {
    SLSFLOW_RETURN_IF_ERROR(Deliver(key, after));
  }
  if (after.finished) {
    spdlog::debug("{}/{} finished", sh->logstore, sh->id);
    sh->reader->Stop();
    sh->reader.reset();
    SLSFLOW_RETURN_IF_ERROR(Replan(sh->logstore));
  }
  return Status::OK();
}

Status Engine::Deliver(const ShardKey& key, const ShardPosition& after) {
  if (!out_.empty()) {
    auto changed = sink_->Prepare(key.first, key.second);
    if (!changed.ok()) return changed.status();
    // A new output file enters the state before any byte goes into it.
    if (*changed) SLSFLOW_RETURN_IF_ERROR(Commit());
  }
  if (sink_->commit_before_write()) {
    state_.shards[key] = after;
    SLSFLOW_RETURN_IF_ERROR(Commit());
  }
  if (!out_.empty()) {
    Status s = sink_->Write(key.first, key.second, out_);
    if (!s.ok()) {
      if (sink_->broken_pipe()) {
        stats_.broken_pipe = true;
        return Status::OK();  // not delivered: the position stays where it was
      }
      return s;
    }
    stats_.bytes += static_cast<int64_t>(out_.size());
    stats_.shards[key].bytes += static_cast<int64_t>(out_.size());
  }
  state_.shards[key] = after;
  return Status::OK();
}

Status Engine::DrainOrdered(bool flush) {
  if (!reorder_ || reorder_->size() == 0) return Status::OK();
  const int64_t now = env_->MonotonicMicros();
  ShardKey key, current;
  ShardPosition after;
  PendingRecord rec;
  bool have = false;
  out_.clear();
  // Over its share of --memory, the window lets the oldest records go
  // before their wait is over: still oldest first, only less time to wait.
  auto over = [this] { return o_.budget && reorder_->bytes() > WindowBytes(); };
  while (!stats_.broken_pipe && reorder_->PopReady(now, flush || over(), &key, &rec)) {
    if (have && key != current) {
      SLSFLOW_RETURN_IF_ERROR(Deliver(current, after));
      out_.clear();
    }
    out_ += rec.text;
    current = key;
    have = true;
    after = rec.after;
    // Its last waiting record is out: the shard's position catches up with
    // everything it read (filtered logs, a finished end).
    if (!reorder_->Holds(key)) after = processed_[key];
  }
  if (have && !stats_.broken_pipe) SLSFLOW_RETURN_IF_ERROR(Deliver(current, after));
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

// --last N: printed once, before following from the end. It is a start
// position, not a resumable read: positions stay at the end cursors.
Status Engine::EmitLast() {
  if (o_.last_n <= 0 || fresh_.empty()) return Status::OK();
  auto records = CollectLastLogs(source_, fresh_, o_.last_n, env_->NowMicros() / 1000000, o_.max_per_fetch,
                                 formatter_, filter_, o_.budget ? o_.budget->capacity() : uint64_t{1} << 40);
  if (!records.ok()) return records.status();
  for (size_t i = 0; i < records->size();) {
    // Consecutive records of one shard go out in one write.
    const LastRecord& first = (*records)[i];
    out_.clear();
    size_t j = i;
    for (; j < records->size() && (*records)[j].shard == first.shard && (*records)[j].logstore == first.logstore; ++j)
      out_ += (*records)[j].text;
    auto changed = sink_->Prepare(first.logstore, first.shard);
    if (!changed.ok()) return changed.status();
    if (*changed) SLSFLOW_RETURN_IF_ERROR(Commit());
    Status s = sink_->Write(first.logstore, first.shard, out_);
    if (!s.ok()) {
      if (sink_->broken_pipe()) {
        stats_.broken_pipe = true;
        return Status::OK();
      }
      return s;
    }
    stats_.logs += static_cast<int64_t>(j - i);
    stats_.bytes += static_cast<int64_t>(out_.size());
    i = j;
  }
  return Commit();
}

// --ordered under --memory: once the reorder window holds a quarter of the
// budget, shards whose logs are more than a window ahead of the slowest one
// wait (their readers stop at a full queue) instead of filling it further;
// the slowest shard always goes on, and DrainOrdered lets the oldest
// records out early.
int64_t Engine::HoldBackAfter() {
  if (!reorder_ || !o_.budget || reorder_->bytes() < WindowBytes()) return INT64_MAX;
  int64_t slowest = INT64_MAX;
  // A caught-up shard has nothing older to bring: it holds nobody back.
  for (auto& [key, sh] : shards_)
    if (sh.reader && !sh.reader->CaughtUp()) slowest = std::min(slowest, sh.last_log_time);
  if (slowest == INT64_MAX) return INT64_MAX;
  return slowest + std::max<int64_t>(o_.window_us / 1000000, 1);
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

void Engine::Progress(int64_t now_us) {
  ConsumeProgress p;
  p.logs = stats_.logs;
  p.bytes = stats_.bytes;
  p.elapsed_us = now_us - start_us_;
  for (const auto& [ls, list] : listing_) {
    for (const auto& info : list) {
      ++p.shards;
      auto it = state_.shards.find({ls, info.id});
      const bool finished = it != state_.shards.end() && it->second.finished;
      auto sh = shards_.find({ls, info.id});
      // What is left, counted in log groups between the cursors.
      if (sh != shards_.end() && sh->second.start_number && sh->second.end_number) {
        const uint64_t start = *sh->second.start_number, end = std::max(start, *sh->second.end_number);
        uint64_t at = end;
        if (!finished) {
          auto n = it == state_.shards.end() ? std::nullopt : DecodeCursorNumber(it->second.cursor);
          at = n ? std::clamp(*n, start, end) : start;
        }
        p.groups_total += static_cast<int64_t>(end - start);
        p.groups_done += static_cast<int64_t>(at - start);
      } else if (!finished) {
        p.groups_unknown = true;
      }
      if (finished) {
        ++p.shards_finished;
        continue;
      }
      int64_t t = sh == shards_.end() ? 0 : sh->second.last_log_time;
      if (p.low_watermark_unix == 0 || (t != 0 && t < p.low_watermark_unix)) p.low_watermark_unix = t;
    }
  }
  o_.progress(p);
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
    if (o_.stop && o_.stop->load()) {
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

}  // namespace

Result<ConsumeStats> RunConsume(const ConsumeOptions& options, ConsumeSource* source, ShardAssigner* assigner,
                                StateStore* store, ConsumeState state, Sink* sink, Formatter* formatter,
                                const LogFilter* filter, Env* env) {
  // Quota, 5xx and network errors back off and retry everywhere; the
  // readers also retry past this, without limit.
  auto retrying = NewRetryingSource(source, env, 6, options.stop);
  Engine engine(options, retrying.get(), assigner, store, std::move(state), sink, formatter, filter, env);
  return engine.Run();
}

}  // namespace slsflow
