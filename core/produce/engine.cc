#include "core/produce/engine.h"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <climits>
#include <cstring>
#include <map>
#include <mutex>

#include "core/produce/dead_letter.h"
#include "core/produce/encoder.h"
#include "core/produce/follow_state.h"

namespace slsflow {

namespace {

// What sender threads share with the reader. Heap-held so that an
// abandoned flush can leave threads behind without dangling references.
struct Shared {
  Shared(size_t cap, size_t max_spare_bytes, Env* env, const std::string& dead_letter)
      : budget(cap, max_spare_bytes), sink(env, dead_letter) {}
  MemoryBudget budget;
  AckTracker tracker;
  DeadLetterSink sink;
  std::unique_ptr<FollowCommitter> committer;  // --follow only
  std::atomic<uint64_t> delivered{0};
  std::atomic<uint64_t> dead{0};
  std::atomic<uint64_t> refused_by_server{0};
  std::atomic<bool> auth_failed{false};
  std::mutex mu;
  std::map<std::string, uint64_t> errors;  // distinct final error -> batches
  uint64_t refusal_warnings = 0;
  std::string sink_error;

  // An acknowledgement or a dead letter moved the settled input: save it now.
  void Settled(bool moved) {
    if (moved && committer) committer->Notify();
  }
};

constexpr uint64_t kMaxWarningsEach = 20;

void OnBatchDone(Shared* s, std::unique_ptr<Batch> batch, const Status& st) {
  if (st.ok()) {
    s->delivered += batch->logs;
    s->Settled(s->tracker.Settle(batch->chunks, true));
  } else {
    if (st.kind() == ErrorKind::kAuth) s->auth_failed = true;
    std::string reason = st.ToString();
    Status w = s->sink.Write(batch->data, reason);
    {
      std::lock_guard<std::mutex> lock(s->mu);
      if (batch->refused_alone) {
        if (++s->refusal_warnings <= kMaxWarningsEach) spdlog::warn("the server refused a log: {}", reason);
        if (s->refusal_warnings == kMaxWarningsEach)
          spdlog::warn("further logs the server refuses are counted without a warning each");
      } else {
        auto& n = s->errors[reason];
        if (n++ == 0 && st.kind() != ErrorKind::kAborted)
          spdlog::error("a batch of {} logs was not delivered after {} attempt(s): {}", batch->logs, batch->attempts,
                        reason);
      }
      if (!w.ok() && s->sink_error.empty()) s->sink_error = w.ToString();
    }
    if (batch->refused_alone) s->refused_by_server += batch->logs;
    s->dead += batch->logs;
    // Only a log on disk in the dead-letter file lets the follow state move
    // past it; otherwise a restart must read it again. Without a dead-letter
    // file, a log the server refused on its own is passed: sending it again
    // could never succeed, and it would hold back every line after it.
    bool durable = s->sink.enabled() ? w.ok() : batch->refused_alone;
    s->Settled(s->tracker.Settle(batch->chunks, durable));
  }
  s->budget.Release(batch->charged);
  s->budget.GiveBuffer(std::move(batch->data));
}

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char buf[4096];
  if (!getcwd(buf, sizeof buf)) return path;
  return std::string(buf) + "/" + path;
}

class Engine {
 public:
  Engine(const ProduceOptions& o, const PutFn& put, Env* env, const std::atomic<int>* interrupts)
      : o_(o), put_(put), env_(env), interrupts_(interrupts) {}

  Status Run();
  const ProduceResult& result() const { return r_; }

 private:
  Status Open();
  void ReadLoop();
  bool MayReadOn(size_t read_ahead, size_t senders_busy);
  void FinishInput();
  void Close();
  void CollectCounts();
  bool Interrupted() const { return interrupts_ && interrupts_->load() > 0; }
  int Interrupts() const { return interrupts_ ? interrupts_->load() : 0; }
  // False when reading must stop (fatal invalid line).
  bool HandleInvalid(std::string_view line, const std::string& why, ParsedLog* log, bool* wrapped);
  void ProcessBlock(const ReadBlock& block);
  // log_ breaks an SLS limit: count it as dead-lettered and keep it for the
  // dead-letter file, which the end of its chunk writes.
  void Refuse(const std::string& why);
  // Closes chunk_ at `end` (bytes of the block handled), after the chunk's
  // refused logs are on disk.
  void EndChunk(const ReadBlock& block, size_t end);
  Status OpenFollowState(InputReaderOptions* ro);
  // Once the reader is open: where the tracker starts, and which ranges
  // the last run settled (only if reading resumes where it stopped).
  void ResumeTracker();
  // True when the line at [begin, end) of `inode` was settled by the last run.
  bool SettledBefore(uint64_t inode, uint64_t begin, uint64_t end);
  void Flush();

  const ProduceOptions& o_;
  const PutFn& put_;
  Env* env_;
  const std::atomic<int>* interrupts_;
  int64_t started_us_ = 0;
  ProduceResult r_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<Parser> parser_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<Batcher> batcher_;
  std::unique_ptr<Sender> sender_;
  std::unique_ptr<InputReader> reader_;
  std::unique_ptr<FileLock> state_lock_;
  std::string state_file_;
  std::string follow_path_;
  bool stop_ = false;
  ParsedLog log_;
  CheckedKeys checked_keys_;
  uint64_t invalid_warnings_ = 0;
  uint64_t refusal_warnings_ = 0;
  // The input chunk being read, its logs in batches, and where it began in
  // the block.
  uint64_t chunk_ = 0;
  uint64_t chunk_logs_ = 0;
  size_t chunk_begin_ = 0;
  // With --follow a chunk also ends where a batch was sealed, so that an
  // acknowledged batch settles its lines without waiting for the rest of a
  // read (up to --read-size) to be acknowledged too.
  bool split_chunks_ = false;
  bool sealed_ = false;
  std::string refused_jsonl_;  // this chunk's refused logs, for --dead-letter
  std::string refused_group_;  // scratch: one refused log as a LogGroup
  // --follow resumed: the lines of these ranges of file skip_inode_ were
  // settled by the run that saved the state, and are not sent again.
  FollowState resumed_;
  bool have_resumed_ = false;
  std::vector<ByteRange> skip_;
  size_t skip_at_ = 0;
  uint64_t skip_inode_ = 0;
  uint64_t skipped_settled_bytes_ = 0;
};

bool Engine::HandleInvalid(std::string_view line, const std::string& why, ParsedLog* log, bool* wrapped) {
  *wrapped = false;
  std::string where = "line " + std::to_string(r_.lines);
  if (o_.on_invalid == OnInvalid::kFail) {
    r_.status =
        Status::Invalid(where + ": " + why + " (pass --on-invalid skip-with-warning or raw to go on past bad lines)");
    return false;
  }
  if (o_.on_invalid == OnInvalid::kSkip || line.size() > kMaxValueBytes) {
    ++r_.skipped;
    if (++invalid_warnings_ <= 20) spdlog::warn("{} skipped: {}", where, why);
    if (invalid_warnings_ == 20) spdlog::warn("further invalid lines are skipped without a warning each");
    return true;
  }
  // raw: the whole line under `content`, with bad bytes made valid UTF-8
  // (SLS rejects a request holding any invalid UTF-8).
  log->Clear();
  log->arena.reserve(line.size() * 3 + 16);
  std::string_view value = line;
  if (!IsValidUtf8(line)) {
    value = ArenaAppend(&log->arena, ToValidUtf8(line));
    if (++invalid_warnings_ <= 20) spdlog::warn("{}: not UTF-8; bad bytes replaced with U+FFFD", where);
  }
  log->contents.emplace_back("content", value);
  ++r_.raw_wrapped;
  *wrapped = true;
  return true;
}

void Engine::ProcessBlock(const ReadBlock& block) {
  chunk_ = shared_->tracker.BeginChunk(block.start_offset);
  chunk_logs_ = 0;
  chunk_begin_ = 0;
  sealed_ = false;
  if (block.oversized_bytes > 0) {
    ++r_.lines;
    r_.input_bytes += block.oversized_bytes;
    std::string why = "the line is " + std::to_string(block.oversized_bytes) +
                      " bytes, more than any SLS log can hold (5 MB per LogGroup); it was not sent";
    uint64_t consumed = 0;
    if (o_.on_invalid == OnInvalid::kFail) {
      r_.status = Status::Invalid("line " + std::to_string(r_.lines) + ": " + why);
      stop_ = true;
    } else {
      ++r_.skipped;
      spdlog::warn("line {} skipped: {}", r_.lines, why);
      consumed = block.oversized_bytes;
    }
    shared_->Settled(shared_->tracker.EndChunk(chunk_, {block.inode, block.start_offset + consumed}, 0));
    return;
  }
  std::string_view data = block.data;
  size_t pos = 0;
  // One monotonic reading per block: linger is 200 ms, a block takes far less.
  const int64_t block_now = env_->MonotonicMicros();
  // And one wall-clock reading: the lines of a block were read together, so
  // "now" is the same for all of them (and a clock read per log was ~2% of
  // produce CPU).
  const int64_t block_wall_us = env_->NowMicros();
  const int64_t block_wall_s = block_wall_us / 1000000;
  while (pos < data.size()) {
    ++r_.lines;
    if (skip_at_ < skip_.size()) {
      size_t end = std::min(pos + LineLength(data.substr(pos)) + 1, data.size());
      if (SettledBefore(block.inode, block.start_offset + pos, block.start_offset + end)) {
        skipped_settled_bytes_ += end - pos;
        pos = end;
        continue;
      }
    }
    log_.Clear();
    std::string why;
    size_t line_len = 0;
    ParseOutcome outcome = parser_->ParseFirstLine(data.substr(pos), &line_len, &log_, &why);
    std::string_view line = data.substr(pos, line_len);
    size_t next = std::min(pos + line_len + 1, data.size());  // past the '\n', if there is one
    bool have_log = outcome == ParseOutcome::kLog;
    if (outcome == ParseOutcome::kInvalid) {
      if (!HandleInvalid(line, why, &log_, &have_log)) {
        stop_ = true;
        break;
      }
    }
    if (have_log) {
      if (!log_.has_time) {
        log_.time = static_cast<uint32_t>(block_wall_s);
        log_.time_ns = static_cast<uint32_t>(block_wall_us % 1000000) * 1000;
        log_.has_time = log_.has_time_ns = true;
      }
      checked_keys_.Check(&log_);
      if (!LogWithinLimits(log_, block_wall_s, &why)) {
        Refuse(why);
      } else {
        std::string_view route = router_->Route(log_);
        Status st = batcher_->Add(log_, route, chunk_, block_now);
        if (st.ok()) {
          ++chunk_logs_;
          ++r_.logs;
        } else {
          Refuse(st.message());
        }
      }
    }
    pos = next;
    if (sealed_ && split_chunks_) {
      sealed_ = false;
      EndChunk(block, pos);
      chunk_ = shared_->tracker.BeginChunk(block.start_offset + pos);
      chunk_logs_ = 0;
      chunk_begin_ = pos;
    }
  }
  r_.input_bytes += pos;
  EndChunk(block, pos);
}

void Engine::Refuse(const std::string& why) {
  ++r_.logs;
  ++r_.refused;
  ++shared_->dead;
  if (++refusal_warnings_ <= kMaxWarningsEach) spdlog::warn("line {} refused: {}", r_.lines, why);
  if (refusal_warnings_ == kMaxWarningsEach) spdlog::warn("further refused lines are counted without a warning each");
  if (!shared_->sink.enabled()) return;
  refused_group_.clear();
  AppendEncodedLog(&refused_group_, log_.time, log_.time_ns, log_.has_time_ns, log_.contents);
  GroupMeta meta = batcher_->defaults();
  ApplyLogMeta(log_, &meta);
  AppendEncodedMeta(&refused_group_, meta);
  auto n = LogGroupToJsonl(refused_group_, &refused_jsonl_, why);
  if (!n.ok()) {
    // Our own encoding did not decode: the chunk must not settle on it.
    shared_->tracker.Settle({{chunk_, 0}}, false);
    std::lock_guard<std::mutex> lock(shared_->mu);
    if (shared_->sink_error.empty()) shared_->sink_error = n.status().ToString();
  }
}

void Engine::EndChunk(const ReadBlock& block, size_t end) {
  if (!refused_jsonl_.empty()) {
    Status w = shared_->sink.WriteLines(refused_jsonl_);
    refused_jsonl_.clear();
    if (!w.ok()) {
      shared_->tracker.Settle({{chunk_, 0}}, false);
      std::lock_guard<std::mutex> lock(shared_->mu);
      if (shared_->sink_error.empty()) shared_->sink_error = w.ToString();
    }
  }
  std::string_view tail = block.data.substr(chunk_begin_, end - chunk_begin_);
  tail = tail.substr(tail.size() - std::min(tail.size(), kTailBytes));
  shared_->Settled(shared_->tracker.EndChunk(
      chunk_, {block.inode, block.start_offset + end, static_cast<uint32_t>(tail.size()), TailCrc(tail)}, chunk_logs_));
}

void Engine::Flush() {
  int64_t deadline = env_->MonotonicMicros() + o_.flush_timeout_us;
  bool gave_up = false;
  while (!sender_->WaitIdle(100 * 1000)) {
    if (Interrupts() >= 2) {
      spdlog::warn("second interrupt: abandoning the flush");
      r_.abandoned = gave_up = true;
      break;
    }
    if (env_->MonotonicMicros() >= deadline) {
      spdlog::warn("--flush-timeout reached with {} batch(es) unsent", sender_->pending());
      r_.abandoned = gave_up = true;
      break;
    }
  }
  if (gave_up) {
    sender_->Abort();
    if (!sender_->WaitIdle(o_.abandon_grace_us)) {
      // Requests still on the wire: nobody knows whether they landed.
      r_.threads_detached = true;
    }
  }
}

// Every way the state path cannot serve is kConfig (exit 3): the man page
// promises that for a bad state, and none of them goes away by retrying.
Status Engine::OpenFollowState(InputReaderOptions* ro) {
  follow_path_ = AbsolutePath(ro->path);
  state_file_ =
      o_.state_file.empty() ? DefaultFollowStatePath(follow_path_, o_.project, o_.sender.logstore) : o_.state_file;
  // Checked before the lock, which would otherwise leave STATE.lock beside it.
  if (env_->IsDirectory(state_file_))
    return Status::Config("the produce state " + state_file_ + " is a directory; --state must name a file");
  if (Status st = env_->CreateDirs(DirName(state_file_), 0700); !st.ok())
    return Status::Config("cannot create the directory of the produce state " + state_file_ + " (" + st.message() +
                          "); pass --state FILE in a directory this user can write");
  auto lock = env_->LockFile(state_file_ + ".lock");
  if (!lock.ok()) {
    if (lock.status().kind() == ErrorKind::kConflict)
      return lock.status().WithContext("another slsflow produce follows with state " + state_file_);
    return Status::Config("cannot lock the produce state " + state_file_ + " (" + lock.status().message() +
                          "); --state must name a file this user can read and write");
  }
  state_lock_ = std::move(lock.value());
  auto loaded = LoadFollowState(env_, state_file_);
  if (!loaded.ok()) return loaded.status();
  if (loaded->has_value()) {
    const FollowState& fs = **loaded;
    if (fs.path != follow_path_)
      return Status::Config("state file " + state_file_ + " belongs to " + fs.path + ", not " + follow_path_ +
                            "; pass another --state");
    ro->start = {fs.inode, fs.offset, fs.tail_len, fs.tail_crc};
    spdlog::info("resuming {} at inode {} offset {}", follow_path_, fs.inode, fs.offset);
    resumed_ = fs;
    have_resumed_ = true;
  }
  shared_->committer = std::make_unique<FollowCommitter>(env_, state_file_, follow_path_, &shared_->tracker);
  shared_->committer->Start();
  return Status::OK();
}

void Engine::ResumeTracker() {
  if (have_resumed_ && reader_->inode() == resumed_.inode && reader_->offset() == resumed_.offset) {
    shared_->tracker.Resume({resumed_.inode, resumed_.offset, resumed_.tail_len, resumed_.tail_crc}, resumed_.settled);
    skip_ = resumed_.settled;
    skip_inode_ = resumed_.inode;
    if (!skip_.empty())
      spdlog::info("{} range(s) after offset {} were delivered before the restart: not sending them again",
                   skip_.size(), resumed_.offset);
  } else if (reader_->inode() != 0) {
    // A new file, or one read again from its start: the state's ranges
    // name bytes that are not there any more.
    shared_->tracker.Resume({reader_->inode(), reader_->offset()}, {});
  }
}

bool Engine::SettledBefore(uint64_t inode, uint64_t begin, uint64_t end) {
  if (inode != skip_inode_) {
    skip_at_ = skip_.size();
    return false;
  }
  while (skip_at_ < skip_.size() && skip_[skip_at_].end <= begin) ++skip_at_;
  return skip_at_ < skip_.size() && skip_[skip_at_].begin <= begin && end <= skip_[skip_at_].end;
}

// The steps of one run: open the parser, router, reader and senders; read
// until the input ends, an interrupt or a fatal error; then flush, stop the
// senders and collect what happened. The first error sticks in r_.status.
Status Engine::Run() {
  started_us_ = env_->MonotonicMicros();
  if (Status st = Open(); !st.ok()) {
    r_.status = st;
    r_.duration_us = env_->MonotonicMicros() - started_us_;
    return st;
  }
  ReadLoop();
  FinishInput();
  Close();
  return r_.status;
}

Status Engine::Open() {
  // Buffers are reused up to what a batch reserves, with a step of slack:
  // a fixed 1 MB would start every batch of a larger --max-batch-bytes on
  // fresh pages.
  size_t max_spare = std::max<size_t>(size_t{1} << 20, BatchBufferBytes(o_.batcher) + (64u << 10));
  shared_ = std::make_shared<Shared>(o_.buffer_bytes, max_spare, env_, o_.dead_letter);
  auto parser = MakeParser(o_.parser);
  if (!parser.ok()) return parser.status();
  parser_ = std::move(parser.value());
  SLSFLOW_RETURN_IF_ERROR(CheckBuckets(o_.router.buckets));
  router_ = std::make_unique<Router>(o_.router);

  InputReaderOptions ro = o_.reader;
  if (ro.follow) {
    SLSFLOW_RETURN_IF_ERROR(OpenFollowState(&ro));
    split_chunks_ = true;
  }
  auto reader = InputReader::Open(ro);
  if (!reader.ok()) return reader.status();
  reader_ = std::move(reader.value());
  if (ro.follow) ResumeTracker();

  std::shared_ptr<Shared> shared = shared_;
  sender_ = std::make_unique<Sender>(o_.sender, put_, env_, [shared](std::unique_ptr<Batch> b, const Status& st) {
    OnBatchDone(shared.get(), std::move(b), st);
  });
  sender_->Start();
  batcher_ = std::make_unique<Batcher>(o_.batcher, &shared_->budget, [this](std::unique_ptr<Batch> b) {
    ++r_.batches;
    sealed_ = true;
    sender_->Submit(std::move(b));
  });
  return Status::OK();
}

// read_ahead bounds what is sealed and not yet acknowledged; open batches
// count against --buffer only. Logs spread over many routes keep a batch
// open per route, and waiting on them for acknowledgements would stall the
// reader with nothing in flight until linger sealed them all, tiny (256
// routes: 25 logs a request, a fifth of the speed). `senders_busy` is what
// keeps every sender busy: below it, the fullest open batch goes out.
bool Engine::MayReadOn(size_t read_ahead, size_t senders_busy) {
  const size_t used = shared_->budget.used();
  const size_t open = std::min(used, batcher_->open_bytes());
  const size_t in_flight = used - open;
  if (in_flight < read_ahead && used < o_.buffer_bytes) return true;
  if (in_flight < senders_busy && batcher_->SealFullest()) return false;
  // Backpressure: the reader waits for an acknowledgement; nothing drops.
  shared_->budget.WaitBelow(used, 50 * 1000);
  return false;
}

void Engine::ReadLoop() {
  // How far the reader may run ahead of the senders: all of --buffer for a
  // pipe or a followed file, which a slow server must not stall. A file
  // that waits for us gains nothing from more than a few batches per
  // sender; each batch beyond is fresh pages to fault in (p550: ~1.5% of
  // CPU, and 20 MB of RSS).
  const size_t senders_busy = (2 * static_cast<size_t>(std::max(1, o_.sender.parallel)) + 2) * o_.batcher.max_bytes;
  const size_t read_ahead = reader_->InputWaits() ? std::min(o_.buffer_bytes, senders_busy) : o_.buffer_bytes;
  while (!stop_) {
    if (Interrupted()) {
      r_.interrupted = true;
      spdlog::info("interrupted: flushing what was read (interrupt again to abandon)");
      break;
    }
    if (shared_->committer && shared_->committer->failed()) {
      r_.status = shared_->committer->error();
      break;
    }
    int64_t now = env_->MonotonicMicros();
    batcher_->SealExpired(now);
    if (!shared_->budget.Below(read_ahead) && !MayReadOn(read_ahead, senders_busy)) continue;
    int64_t wait_us = std::min<int64_t>(batcher_->NextDeadline() - now, 100 * 1000);
    int timeout_ms = static_cast<int>(std::max<int64_t>(0, (wait_us + 999) / 1000));
    ReadBlock block;
    auto rs = reader_->Read(timeout_ms, &block);
    if (!rs.ok()) {
      r_.status = rs.status();
      break;
    }
    if (!block.event.empty()) {
      spdlog::info("{}", block.event);
      if (o_.reader.follow) {
        // Rotated or truncated: offsets from now on are of other bytes.
        shared_->tracker.NewGeneration();
        skip_at_ = skip_.size();
      }
    }
    if (*rs == ReadStatus::kEof) break;
    if (*rs == ReadStatus::kTimeout) continue;
    ProcessBlock(block);
  }
}

// A CSV record still open when the input ended.
void Engine::FinishInput() {
  if (!parser_->Pending() || !r_.status.ok()) return;
  std::string why = "input ended inside a quoted CSV field";
  if (o_.on_invalid == OnInvalid::kFail) {
    r_.status = Status::Invalid("line " + std::to_string(r_.lines) + ": " + why);
  } else {
    ++r_.skipped;
    spdlog::warn("{}; the partial record was skipped", why);
  }
}

void Engine::Close() {
  batcher_->SealAll();
  Flush();
  if (!r_.threads_detached) sender_->Stop();
  if (shared_->committer) {
    // Whatever is settled by now is saved, even when requests were
    // abandoned on the wire: settled input is acknowledged or on disk.
    shared_->committer->Stop();
    if (shared_->committer->failed() && r_.status.ok()) r_.status = shared_->committer->error();
    r_.state_saves = shared_->committer->saves();
  }
  if (skipped_settled_bytes_ > 0)
    spdlog::info("{} bytes delivered before the restart were not sent again", skipped_settled_bytes_);
  CollectCounts();
  if (!r_.threads_detached) {
    Status st = shared_->sink.Close();
    if (!st.ok() && r_.dead_letter_error.empty()) r_.dead_letter_error = st.ToString();
  } else {
    // Worker threads may still use the sender; it must outlive this call.
    (void)sender_.release();
  }
  r_.duration_us = env_->MonotonicMicros() - started_us_;
}

void Engine::CollectCounts() {
  r_.delivered = shared_->delivered;
  r_.dead_lettered = shared_->dead;
  r_.unconfirmed = r_.logs - std::min<uint64_t>(r_.logs, r_.delivered + r_.dead_lettered);
  const SenderStats& ss = sender_->stats();
  r_.requests = ss.requests;
  r_.retries = ss.retries;
  r_.splits = ss.splits;
  r_.refused += shared_->refused_by_server;
  r_.raw_bytes = ss.raw_bytes;
  r_.wire_bytes = ss.wire_bytes;
  r_.peak_buffer = shared_->budget.peak();
  r_.auth_failed = shared_->auth_failed;
  std::lock_guard<std::mutex> lock(shared_->mu);
  r_.dead_letter_error = shared_->sink_error;
  for (const auto& [msg, n] : shared_->errors) r_.send_errors.push_back(std::to_string(n) + " batch(es): " + msg);
}

}  // namespace

ProduceResult RunProduce(const ProduceOptions& options, const PutFn& put, Env* env,
                         const std::atomic<int>* interrupts) {
  Engine engine(options, put, env, interrupts);
  (void)engine.Run();  // the status is also the result's
  return engine.result();
}

}  // namespace slsflow
