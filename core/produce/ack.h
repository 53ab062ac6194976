// Tracks which input has been settled (acknowledged by the server, or
// written to the dead-letter file). Input is cut into chunks (one per read,
// and with --follow also one per sealed batch); a chunk is settled when all
// the logs it produced are. The follow state saves the end of the longest
// settled prefix of chunks, never further, plus the settled chunks after
// it: batches are acknowledged out of order, and a restart must re-send
// only what was not.
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

// Bytes [begin, end) of the file a position is in; whole lines.
struct ByteRange {
  uint64_t begin = 0;
  uint64_t end = 0;
  bool operator==(const ByteRange& o) const { return begin == o.begin && end == o.end; }
};

// The fingerprint of the bytes that end at a position.
uint32_t TailCrc(std::string_view bytes);
inline constexpr size_t kTailBytes = 256;
// Settled ranges kept past the position: more are dropped from the end,
// which only means sending them again after a crash.
inline constexpr size_t kMaxSettledRanges = 64;

class AckTracker {
 public:
  // Reading resumes at `start` (a saved position), and `settled_after`
  // (ranges of the same file) were settled by the run that saved it: they
  // stay in what Advance reports until the position passes them.
  void Resume(InputPosition start, std::vector<ByteRange> settled_after);
  // Reader thread: a chunk starts at `begin_offset` of the file its end
  // will name; its logs may be settled before it ends.
  uint64_t BeginChunk(uint64_t begin_offset = 0);
  // Reader thread: the reader moved to another file, or reads this one
  // again from its start. Offsets of chunks begun before no longer name
  // bytes of what is read now: no range spans the two.
  void NewGeneration();
  // Reader thread: every line of the chunk was handed on; `logs` went into
  // batches. True when that settled the chunk (it had no logs left).
  bool EndChunk(uint64_t id, InputPosition end, uint64_t logs);
  // Sender threads. `durable` false (undelivered and not written anywhere)
  // pins the prefix before this chunk for good. True when a chunk became
  // settled: a follow-state commit has something new to save.
  bool Settle(const std::vector<std::pair<uint64_t, uint32_t>>& chunks, bool durable);
  // The end of the longest settled prefix (or the Resume position while
  // nothing is), and, when asked, the settled ranges after it in the same
  // file, merged, in order. False when nothing was settled since the last
  // call, or no position is known yet.
  bool Advance(InputPosition* pos, std::vector<ByteRange>* settled_after = nullptr);
  // Chunks begun and not yet settled (for tests and stats).
  size_t open_chunks() const;

 private:
  struct Chunk {
    bool closed = false;
    bool failed = false;
    uint64_t total = 0;
    uint64_t settled = 0;
    uint64_t begin = 0;
    uint64_t generation = 0;
    InputPosition end;
    bool Done() const { return closed && !failed && settled >= total; }
  };
  void AdvanceSettledPrefixLocked();  // mu_ held
  // Threads: the reader opens and closes chunks, senders settle them, the
  // committer reads the position. mu_ guards every member below it.
  mutable std::mutex mu_;
  std::deque<Chunk> chunks_;
  uint64_t first_id_ = 0;  // id of chunks_.front()
  uint64_t next_id_ = 0;
  bool have_position_ = false;
  bool changed_ = false;
  InputPosition position_;
  uint64_t generation_ = 0;
  uint64_t position_generation_ = 0;
  std::vector<ByteRange> carried_;  // from Resume: generation 0, file carried_inode_
  uint64_t carried_inode_ = 0;
};

}  // namespace slsflow
