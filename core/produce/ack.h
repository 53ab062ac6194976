// Tracks which input has been settled (acknowledged by the server, or
// written to the dead-letter file), in input order. Input is cut into
// chunks (one per read); a chunk is settled when all the logs it produced
// are. The follow state may advance to the end of the longest settled
// prefix of chunks, never further.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

namespace slsflow {

struct InputPosition {
  uint64_t inode = 0;
  uint64_t offset = 0;  // byte offset just after the last settled line
  // CRC-32 of the tail_len (<= 256) bytes just before `offset`. copytruncate
  // keeps the inode, so only the bytes can tell that a file was truncated
  // and has grown back past the offset.
  uint32_t tail_len = 0;
  uint32_t tail_crc = 0;
  bool operator==(const InputPosition& o) const { return inode == o.inode && offset == o.offset; }
};

// The fingerprint of the bytes that end at a position.
uint32_t TailCrc(std::string_view bytes);
inline constexpr size_t kTailBytes = 256;

class AckTracker {
 public:
  // Reader thread: a chunk starts; its logs may be settled before it ends.
  uint64_t BeginChunk();
  // Reader thread: every line of the chunk was handed on; `logs` went into
  // batches. True when that moved the settled prefix (a chunk without logs).
  bool EndChunk(uint64_t id, InputPosition end, uint64_t logs);
  // Sender threads. `durable` false (undelivered and not written anywhere)
  // pins the prefix before this chunk for good. True when the settled
  // prefix moved: a follow-state commit has something new to save.
  bool Settle(const std::vector<std::pair<uint64_t, uint32_t>>& chunks, bool durable);
  // The end of the longest settled prefix; false when it has not moved
  // since the last call.
  bool Advance(InputPosition* pos);
  // Chunks begun and not yet settled (for tests and stats).
  size_t open_chunks() const;

 private:
  bool AdvanceSettledPrefixLocked();  // mu_ held; true when it moved
  struct Chunk {
    bool closed = false;
    bool failed = false;
    uint64_t total = 0;
    uint64_t settled = 0;
    InputPosition end;
  };
  mutable std::mutex mu_;
  std::deque<Chunk> chunks_;
  uint64_t first_id_ = 0;  // id of chunks_.front()
  uint64_t next_id_ = 0;
  bool have_position_ = false;
  bool reported_ = true;
  InputPosition position_;
};

}  // namespace slsflow
