#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/consume/engine_internal.h"
#include "core/consume/group_lag.h"

namespace slsflow::engine_internal {

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

// --last N: printed once, before following from the end. It is a start
// position, not a resumable read: positions stay at the end cursors.
Status Engine::EmitLast() {
  if (o_.last_n <= 0 || fresh_.empty()) return Status::OK();
  auto records = CollectLastLogs(source_, fresh_, o_.last_n, env_->NowMicros() / 1000000, o_.max_per_fetch, formatter_,
                                 filter_, o_.budget ? o_.budget->capacity() : uint64_t{1} << 40);
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

}  // namespace slsflow::engine_internal
