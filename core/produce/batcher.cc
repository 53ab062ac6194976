#include "core/produce/batcher.h"

#include <algorithm>
#include <climits>

namespace slsflow {

namespace {

// A batch's buffer grows by doubling from one page, then in steps of
// kRoomStep, each charged to the budget when taken, so the budget's lock is
// not taken per log and what is charged is what is resident. Starting at a
// page rather than a step matters with many routes: 256 open batches of a
// few logs each would otherwise charge 16 MB of empty room and seal every
// batch small once the budget is full of it.
constexpr size_t kRoomStep = 64 * 1024;
constexpr size_t kRoomPage = 4 * 1024;

// A recycled buffer is charged whole, since it is resident whole. With many
// routes open at once (--hash-field over 256 buckets), a whole buffer per
// route would fill the budget with empty room and seal every batch tiny; past
// this many open batches a new one grows from nothing, charged as it fills.
constexpr size_t kMaxOpenWithRecycledBuffer = 8;

}  // namespace

size_t BatchBufferBytes(const BatcherOptions& options) {
  return std::min<size_t>(options.max_bytes + kRoomStep, kMaxLogGroupBytes);
}

void ApplyLogMeta(const ParsedLog& log, GroupMeta* meta) {
  if (log.has_topic) meta->topic.assign(log.topic);
  if (log.has_source) meta->source.assign(log.source);
  for (const auto& t : log.tags) {
    bool replaced = false;
    for (auto& d : meta->tags) {
      if (d.first == t.first) {
        d.second.assign(t.second);
        replaced = true;
      }
    }
    if (!replaced) meta->tags.emplace_back(std::string(t.first), std::string(t.second));
  }
}

Batcher::Batcher(BatcherOptions options, MemoryBudget* budget, Emit emit)
    : options_(std::move(options)), budget_(budget), emit_(std::move(emit)) {}

Batch* Batcher::Open(const ParsedLog& log, std::string_view route_hash, int64_t now_us) {
  // Runs of logs for one batch are the rule: skip building the key and the
  // hash lookup then. A key with metadata holds '\x01', so it never equals
  // a bare route.
  if (last_ && !log.HasMeta() && last_->route_key == route_hash) return last_;
  key_.assign(route_hash);
  if (log.HasMeta()) {
    // Lines that carry their own topic/source/tags batch apart: a LogGroup
    // has one of each.
    key_ += '\x01';
    key_.append(log.has_topic ? log.topic : std::string_view(options_.defaults.topic));
    key_ += '\x01';
    key_.append(log.has_source ? log.source : std::string_view(options_.defaults.source));
    for (const auto& t : log.tags) {
      key_ += '\x01';
      key_.append(t.first);
      key_ += '\x02';
      key_.append(t.second);
    }
  }
  if (last_ && last_->route_key == key_) return last_;
  auto it = open_.find(key_);
  if (it != open_.end()) return last_ = it->second.get();
  auto batch = std::make_unique<Batch>();
  batch->seq = next_seq_++;
  batch->route_key = key_;
  if (!route_hash.empty()) {
    batch->route.kind = PutRoute::kHashKey;
    batch->route.hash_key.assign(route_hash);
  }
  batch->meta = options_.defaults;
  ApplyLogMeta(log, &batch->meta);
  batch->created_us = now_us;
  // A recycled buffer brings its size as room, already resident.
  if (open_.size() < kMaxOpenWithRecycledBuffer) batch->data = budget_->TakeBuffer();
  batch->data.reserve(BatchBufferBytes(options_));  // address space only
  if (!batch->data.empty()) {
    budget_->Charge(batch->data.size());
    batch->charged = batch->data.size();
  }
  last_ = batch.get();
  open_.emplace(key_, std::move(batch));
  return last_;
}

void Batcher::MakeRoom(Batch* batch, size_t bytes) {
  if (batch->data.size() >= bytes) return;
  const size_t now = batch->data.size();
  size_t room = std::max(bytes, std::min(2 * now, now + kRoomStep));
  room = (room + kRoomPage - 1) / kRoomPage * kRoomPage;
  // Past max_bytes the batch seals after this log: room beyond what it
  // needs would be zero-filled and charged for nothing. Open reserved
  // BatchBufferBytes, so the bytes written so far do not move.
  room = std::min(room, std::max(bytes, options_.max_bytes));
  batch->data.resize(room);
  if (room > batch->charged) {
    budget_->Charge(room - batch->charged);
    batch->charged = room;
  }
}

Status Batcher::Add(const ParsedLog& log, std::string_view route_hash, uint64_t chunk, int64_t now_us) {
  bool with_ns = log.has_time_ns;
  size_t body = LogBodySize(log.time, with_ns, log.contents);
  size_t size = LogFieldSize(body);
  Batch* batch = Open(log, route_hash, now_us);
  size_t meta = EncodedMetaSize(batch->meta);
  if (size + meta > kMaxLogGroupBytes) {
    if (batch->logs == 0) {
      auto it = open_.find(batch->route_key);
      budget_->Release(it->second->charged);  // a recycled buffer was charged at Open
      open_.erase(it);
      last_ = nullptr;
    }
    return Status::Invalid("the log encodes to " + std::to_string(size) +
                           " bytes; SLS allows at most 5 MB (5000000) per LogGroup");
  }
  if (batch->used + size + meta > kMaxLogGroupBytes) {
    SealOpen(open_.find(batch->route_key));
    batch = Open(log, route_hash, now_us);
  }
  MakeRoom(batch, batch->used + size + meta);
  WriteLogField(batch->data.data() + batch->used, body, log.time, log.time_ns, with_ns, log.contents);
  batch->used += size;
  ++batch->logs;
  if (!batch->chunks.empty() && batch->chunks.back().first == chunk) {
    ++batch->chunks.back().second;
  } else {
    batch->chunks.emplace_back(chunk, 1);
  }
  if (batch->used >= options_.max_bytes || batch->logs >= options_.max_logs) SealOpen(open_.find(batch->route_key));
  return Status::OK();
}

void Batcher::Seal(std::unique_ptr<Batch> batch) {
  MakeRoom(batch.get(), batch->used + EncodedMetaSize(batch->meta));
  char* end = WriteEncodedMeta(batch->data.data() + batch->used, batch->meta);
  batch->used = static_cast<size_t>(end - batch->data.data());
  batch->data.resize(batch->used);  // shrinking keeps the allocation, which stays charged
  emit_(std::move(batch));
}

Batcher::OpenMap::iterator Batcher::SealOpen(OpenMap::iterator it) {
  auto batch = std::move(it->second);
  it = open_.erase(it);
  last_ = nullptr;
  Seal(std::move(batch));
  return it;
}

void Batcher::SealExpired(int64_t now_us) {
  for (auto it = open_.begin(); it != open_.end();) {
    if (now_us - it->second->created_us >= options_.linger_us) {
      it = SealOpen(it);
    } else {
      ++it;
    }
  }
}

void Batcher::SealAll() {
  // Seal in creation order so that --ordered routes keep their order.
  std::vector<std::unique_ptr<Batch>> all;
  for (auto& [key, batch] : open_) all.push_back(std::move(batch));
  open_.clear();
  last_ = nullptr;
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a->seq < b->seq; });
  for (auto& b : all) Seal(std::move(b));
}

size_t Batcher::open_bytes() const {
  size_t bytes = 0;
  for (const auto& [key, batch] : open_) bytes += batch->charged;
  return bytes;
}

bool Batcher::SealFullest() {
  auto fullest = open_.end();
  for (auto it = open_.begin(); it != open_.end(); ++it)
    if (fullest == open_.end() || it->second->used > fullest->second->used) fullest = it;
  if (fullest == open_.end()) return false;
  SealOpen(fullest);
  return true;
}

int64_t Batcher::NextDeadline() const {
  int64_t next = INT64_MAX;
  for (const auto& [key, batch] : open_) next = std::min(next, batch->created_us + options_.linger_us);
  return next;
}

}  // namespace slsflow
