#include "core/produce/ack.h"

#include <zlib.h>

#include <algorithm>

namespace slsflow {

uint32_t TailCrc(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  return static_cast<uint32_t>(
      crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

void AckTracker::Resume(InputPosition start, std::vector<ByteRange> settled_after) {
  std::lock_guard<std::mutex> lock(mu_);
  position_ = start;
  have_position_ = true;
  position_generation_ = generation_;
  carried_ = generation_ == 0 ? std::move(settled_after) : std::vector<ByteRange>();
  carried_inode_ = start.inode;
}

uint64_t AckTracker::BeginChunk(uint64_t begin_offset) {
  std::lock_guard<std::mutex> lock(mu_);
  chunks_.emplace_back();
  chunks_.back().begin = begin_offset;
  chunks_.back().generation = generation_;
  return next_id_++;
}

void AckTracker::NewGeneration() {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
}

bool AckTracker::EndChunk(uint64_t id, InputPosition end, uint64_t logs) {
  std::lock_guard<std::mutex> lock(mu_);
  if (id < first_id_) return false;
  Chunk& c = chunks_[id - first_id_];
  c.closed = true;
  c.total = logs;
  c.end = end;
  if (!c.Done()) return false;
  changed_ = true;
  AdvanceSettledPrefixLocked();
  return true;
}

// The follow position may move only past chunks whose every log is
// durably delivered, and only in input order.
void AckTracker::AdvanceSettledPrefixLocked() {
  while (!chunks_.empty() && chunks_.front().Done()) {
    position_ = chunks_.front().end;
    position_generation_ = chunks_.front().generation;
    have_position_ = true;
    chunks_.pop_front();
    ++first_id_;
  }
}

bool AckTracker::Settle(const std::vector<std::pair<uint64_t, uint32_t>>& chunks, bool durable) {
  std::lock_guard<std::mutex> lock(mu_);
  bool done = false;
  for (const auto& [id, n] : chunks) {
    if (id < first_id_) continue;
    Chunk& c = chunks_[id - first_id_];
    bool was_done = c.Done();
    c.settled += n;
    if (!durable) c.failed = true;
    done |= !was_done && c.Done();
  }
  if (!done) return false;
  changed_ = true;
  AdvanceSettledPrefixLocked();
  return true;
}

bool AckTracker::Advance(InputPosition* pos, std::vector<ByteRange>* settled_after) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!have_position_ || !changed_) return false;
  changed_ = false;
  *pos = position_;
  if (!settled_after) return true;
  std::vector<ByteRange>& out = *settled_after;
  out.clear();
  if (position_generation_ == 0 && position_.inode == carried_inode_) {
    for (const ByteRange& r : carried_) {
      if (r.end > position_.offset) out.push_back({std::max(r.begin, position_.offset), r.end});
    }
  }
  for (const Chunk& c : chunks_) {
    // Only chunks of the file and reading the position is in can be named
    // by offsets after it.
    if (c.Done() && c.generation == position_generation_ && c.end.inode == position_.inode &&
        c.begin >= position_.offset && c.end.offset > c.begin)
      out.push_back({c.begin, c.end.offset});
  }
  std::sort(out.begin(), out.end(), [](const ByteRange& a, const ByteRange& b) { return a.begin < b.begin; });
  size_t n = 0;
  for (const ByteRange& r : out) {
    if (n > 0 && r.begin <= out[n - 1].end) {
      out[n - 1].end = std::max(out[n - 1].end, r.end);
    } else {
      out[n++] = r;
    }
  }
  out.resize(std::min(n, kMaxSettledRanges));
  return true;
}

size_t AckTracker::open_chunks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return chunks_.size();
}

}  // namespace slsflow
