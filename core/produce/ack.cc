#include "core/produce/ack.h"

#include <zlib.h>

namespace slsflow {

uint32_t TailCrc(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  return static_cast<uint32_t>(
      crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

uint64_t AckTracker::BeginChunk() {
  std::lock_guard<std::mutex> lock(mu_);
  chunks_.emplace_back();
  return next_id_++;
}

bool AckTracker::EndChunk(uint64_t id, InputPosition end, uint64_t logs) {
  std::lock_guard<std::mutex> lock(mu_);
  if (id < first_id_) return false;
  Chunk& c = chunks_[id - first_id_];
  c.closed = true;
  c.total = logs;
  c.end = end;
  return AdvanceSettledPrefixLocked();
}

// The follow position may move only past chunks whose every log is
// durably delivered, and only in input order.
bool AckTracker::AdvanceSettledPrefixLocked() {
  bool moved = false;
  while (!chunks_.empty() && chunks_.front().closed && !chunks_.front().failed &&
         chunks_.front().settled >= chunks_.front().total) {
    position_ = chunks_.front().end;
    have_position_ = true;
    reported_ = false;
    chunks_.pop_front();
    ++first_id_;
    moved = true;
  }
  return moved;
}

bool AckTracker::Settle(const std::vector<std::pair<uint64_t, uint32_t>>& chunks, bool durable) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, n] : chunks) {
    if (id < first_id_) continue;
    Chunk& c = chunks_[id - first_id_];
    c.settled += n;
    if (!durable) c.failed = true;
  }
  return AdvanceSettledPrefixLocked();
}

bool AckTracker::Advance(InputPosition* pos) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!have_position_ || reported_) return false;
  reported_ = true;
  *pos = position_;
  return true;
}

size_t AckTracker::open_chunks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return chunks_.size();
}

}  // namespace slsflow
