#include "core/consume/reader.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/base/ascii.h"

namespace slsflow {

ShardReader::ShardReader(ConsumeSource* source, Env* env, ShardReaderOptions options, std::function<void()> notify)
    : source_(source),
      env_(env),
      options_(std::move(options)),
      notify_(std::move(notify)),
      end_cursor_(options_.end_cursor) {}

ShardReader::~ShardReader() {
  Stop();
}

void ShardReader::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ShardReader::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  // A reader waiting for a grant checks Stopping() only when woken.
  if (options_.budget) options_.budget->WakeWaiters();
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<ReaderBatch> ShardReader::TryPop() {
  std::unique_ptr<ReaderBatch> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.empty()) return nullptr;
    batch = std::move(queue_.front());
    queue_.pop_front();
  }
  cv_.notify_all();  // room for the next prefetch
  return batch;
}

void ShardReader::Recycle(std::unique_ptr<ReaderBatch> batch) {
  if (ConsumeBudget* budget = options_.budget) {
    // Under a budget the buffers go to whichever shard pulls next, counted
    // as held while they wait: one spare per shard would be memory that
    // grows with the shard count.
    const uint64_t resident = batch->bytes.capacity() + batch->view.MemoryBytes();
    const uint64_t granted = batch->grant.Detach();
    budget->GiveSpare(std::move(batch), resident, granted);
    return;
  }
  batch->grant.Reset();
  // The next pull brings its own buffer (it is swapped in).
  std::string().swap(batch->bytes);
  std::lock_guard<std::mutex> lock(mu_);
  if (free_.size() < 2) free_.push_back(std::move(batch));
}

bool ShardReader::Stopping() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

namespace {

// What a batch costs besides its decompressed bytes: the compressed reply
// while it is decoded, and the formatted text of the batch on the output
// thread (about the size of the raw bytes for jsonl).
constexpr uint64_t kBytesPerRawByte = 3;
// Until any reply showed the group size, assume the largest group SLS
// accepts (5 MiB), so that a first pull can never blow the budget.
constexpr uint64_t kLargestGroupBytes = 5u << 20;

}  // namespace

bool ShardReader::PlanPull(double avg_group_bytes, int demand, int* count, BudgetGrant* grant,
                           std::unique_ptr<ReaderBatch>* spare) {
  ConsumeBudget* budget = options_.budget;
  if (!budget) {
    // Until the group size is known, start small: a first pull of 1000
    // big groups could be hundreds of MB.
    *count = options_.target_pull_bytes > 0 ? std::min(options_.max_per_fetch, 16) : options_.max_per_fetch;
    if (avg_group_bytes > 0 && options_.target_pull_bytes > 0) {
      double fit = static_cast<double>(options_.target_pull_bytes) / avg_group_bytes;
      *count = static_cast<int>(std::clamp(fit, 1.0, static_cast<double>(options_.max_per_fetch)));
    }
    return true;
  }
  uint64_t group = avg_group_bytes > 0 ? static_cast<uint64_t>(avg_group_bytes) : budget->group_bytes_hint();
  if (group == 0) group = kLargestGroupBytes;
  const uint64_t per_group = std::max<uint64_t>(group, 1) * kBytesPerRawByte;
  *count = static_cast<int>(std::clamp<uint64_t>(budget->Share() / per_group, 1, options_.max_per_fetch));
  if (demand > 0) *count = std::min(*count, demand);
  const uint64_t want = per_group * static_cast<uint64_t>(*count);
  std::unique_ptr<BudgetSpare> reused;
  if (!budget->Acquire(
          want, [this] { return Stopping(); }, &reused))
    return false;
  *grant = BudgetGrant(budget, want);
  spare->reset(static_cast<ReaderBatch*>(reused.release()));  // only readers give spares to a budget
  return true;
}

void ShardReader::SetEndCursor(const std::string& cursor) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Not caught up until it has read to the new end.
    if (end_cursor_ != cursor) idle_ = false;
    end_cursor_ = cursor;
  }
  cv_.notify_all();
}

bool ShardReader::CaughtUp() {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.empty() && (idle_ || done_);
}

bool ShardReader::Done() {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.empty() && done_;
}

bool ShardReader::WaitFor(int64_t micros) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::microseconds(micros), [&] { return stopping_; });
  return !stopping_;
}

void ShardReader::Run() {
  if (options_.budget) options_.budget->AddReader();
  if (options_.pacer) options_.pacer->AddReader();
  Loop();
  if (options_.pacer) options_.pacer->RemoveReader();
  if (options_.budget) options_.budget->RemoveReader();
}

void ShardReader::Loop() {
  std::string cursor = options_.start_cursor;
  int64_t backoff_us = 0;
  double avg_group_bytes = 0;  // running average of a group's raw size
  // Groups the next pull is likely to find (0: as many as the share
  // allows). A caught-up shard asks for little, so that hundreds of idle
  // shards polling do not hold the grants a busy shard needs.
  int demand = 0;
  for (;;) {
    std::string end;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || static_cast<int>(queue_.size()) < options_.queue_depth; });
      if (stopping_) return;
      end = end_cursor_;
    }
    if (!end.empty() && cursor == end) {
      // Already at the end (start == end, or --to in the past): an empty
      // batch that says so.
      auto batch = std::make_unique<ReaderBatch>();
      batch->cursor = batch->next_cursor = cursor;
      batch->reached_end = true;
      {
        std::lock_guard<std::mutex> lock(mu_);
        queue_.push_back(std::move(batch));
        done_ = true;
      }
      notify_();
      return;
    }

    PullRequest req;
    req.logstore = options_.logstore;
    req.shard = options_.shard;
    req.cursor = cursor;
    BudgetGrant grant;
    std::unique_ptr<ReaderBatch> batch;
    if (!PlanPull(avg_group_bytes, demand, &req.count, &grant, &batch)) return;
    // Decompressed into the spare's memory; its old bytes are left in it,
    // so that sizing it to the reply does not zero-fill what the reply
    // overwrites anyway (memset was 3-5 % of a backfill's CPU).
    if (batch) req.buffer = &batch->bytes;
    req.end_cursor = end;
    req.query = options_.query;
    auto pulled = source_->PullLogs(req);
    if (!pulled.ok()) {
      const Status& st = pulled.status();
      if (st.retry() == RetryClass::kRetry || st.retry() == RetryClass::kBackoff) {
        backoff_us = std::min<int64_t>(options_.max_backoff_us, backoff_us ? backoff_us * 2 : 200000);
        int64_t jitter = static_cast<int64_t>(env_->Random() % static_cast<uint64_t>(backoff_us / 4 + 1));
        spdlog::warn("{}/{}: {}; retrying in {} ms", options_.logstore, options_.shard, st.ToString(),
                     (backoff_us + jitter) / 1000);
        if (!WaitFor(backoff_us + jitter)) return;
        continue;
      }
      auto batch = std::make_unique<ReaderBatch>();
      batch->cursor = cursor;
      batch->status = st.WithContext("reading " + options_.logstore + " shard " + std::to_string(options_.shard));
      const std::string code = AsciiLowered(st.sls_code());
      if (code.find("invalidcursor") != std::string::npos || st.message().find("Invalid cursor") != std::string::npos)
        batch->status = batch->status.WithContext(
            "the saved position is no longer retained by SLS (past the logstore's TTL?); rerun with --reset to "
            "start again from --from");
      {
        std::lock_guard<std::mutex> lock(mu_);
        queue_.push_back(std::move(batch));
      }
      notify_();
      return;
    }
    backoff_us = 0;
    PullResult& r = *pulled;
    req.buffer = nullptr;
    // A short reply means the shard is caught up, except under --query,
    // where the server drops whole groups and short says nothing.
    if (r.count >= req.count)
      demand = 0;
    else
      demand = options_.query.empty() ? std::max(1, 2 * r.count) : (r.count == 0 ? 1 : 0);
    if (!batch) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        batch = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!batch) batch = std::make_unique<ReaderBatch>();
    batch->groups = nullptr;
    batch->status = Status::OK();
    batch->reached_end = false;
    batch->cursor = cursor;
    batch->next_cursor = r.next_cursor.empty() ? cursor : r.next_cursor;
    batch->wire_bytes = r.wire_bytes;
    batch->raw_bytes = r.log_group_list.size();
    if (r.count > 0) {
      double per = static_cast<double>(r.log_group_list.size()) / r.count;
      avg_group_bytes = avg_group_bytes == 0 ? per : 0.7 * avg_group_bytes + 0.3 * per;
      if (options_.budget) options_.budget->NoteGroupBytes(static_cast<uint64_t>(per));
    }

    if (!r.log_group_list.empty()) {
      batch->bytes.swap(r.log_group_list);
      Status parsed = batch->view.Parse(batch->bytes);
      if (parsed.ok()) {
        batch->groups = &batch->view;
      } else {
        batch->status =
            Status::Corruption("reading " + options_.logstore + " shard " + std::to_string(options_.shard) +
                               ": the server sent a LogGroupList we cannot read (" + parsed.message() + ")");
      }
    }
    // What the batch really holds from now until the engine recycles it:
    // its bytes, their index, and room for their formatted text.
    grant.Resize(batch->bytes.capacity() + batch->bytes.size() * (kBytesPerRawByte - 2) + batch->wire_bytes +
                 batch->view.MemoryBytes());
    batch->grant = std::move(grant);
    const bool empty = batch->group_count() == 0 && batch->next_cursor == cursor;
    // With an end cursor, everything up to it is already written (it is a
    // --to in the past or a readonly shard's end), so an empty reply means
    // the position is at or past it: done, never a poll that spins forever.
    batch->reached_end = batch->status.ok() && !end.empty() && (batch->next_cursor == end || empty);
    const bool failed = !batch->status.ok();
    cursor = batch->next_cursor;
    if (empty && !batch->reached_end) {
      bool became_idle;
      {
        std::lock_guard<std::mutex> lock(mu_);
        became_idle = !idle_;
        idle_ = true;
      }
      // The engine may be waiting for "caught up", which only this change
      // tells it. Every empty poll used to wake it, and each wake scans
      // every shard: a fifth of the CPU of following 256 idle shards.
      if (became_idle) notify_();
      Recycle(std::move(batch));
      if (!IdleWait(end)) return;
      continue;
    }
    // The server said this reply reached the shard's end: the pull right
    // after it would come back empty, so it is skipped (one request per
    // shard of a backfill).
    const bool caught_up = !failed && !batch->reached_end && r.end_of_cursor;
    {
      std::lock_guard<std::mutex> lock(mu_);
      idle_ = caught_up;  // caught up once this batch is taken
      if (batch->reached_end) done_ = true;
      queue_.push_back(std::move(batch));
    }
    notify_();
    if (failed || done_) return;
    if (caught_up && !IdleWait(end)) return;
  }
}

bool ShardReader::IdleWait(const std::string& end) {
  if (!options_.stop_when_caught_up)
    return WaitFor(options_.pacer ? options_.pacer->IdleWaitUs(options_.fetch_interval_us)
                                  : options_.fetch_interval_us);
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return stopping_ || end_cursor_ != end; });
  return !stopping_;
}

}  // namespace slsflow
