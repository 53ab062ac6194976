// Input: stdin, a file, or a file followed like `tail -F` across
// rename+create rotation and copytruncate. Hands out blocks of whole lines
// straight from its buffer (no copy per line). Reads use POSIX directly:
// Env has no streaming read, and tests drive this with real files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/produce/ack.h"
#include "core/produce/mapped_input.h"

namespace slsflow {

struct ReadBlock {
  // Whole lines, each ending in '\n' except a last line at end of input.
  std::string_view data;
  uint64_t inode = 0;         // 0 for stdin and pipes
  uint64_t start_offset = 0;  // offset in that file of data[0]
  // A line longer than max_line was skipped: its length (data is then empty).
  uint64_t oversized_bytes = 0;
  // Notes for stderr ("rotated", "truncated"); empty most of the time.
  std::string event;
};

enum class ReadStatus { kData, kTimeout, kEof };

struct InputReaderOptions {
  std::string path;  // "" or "-": stdin
  bool follow = false;
  size_t max_line = 6u << 20;
  size_t read_size = 1u << 20;
  int poll_interval_ms = 100;  // --follow: how often to look for growth and rotation
  // --follow: where a previous run stopped. inode 0: start at the beginning.
  InputPosition start;
};

class InputReader {
 public:
  static Result<std::unique_ptr<InputReader>> Open(const InputReaderOptions& options);
  ~InputReader();

  // Waits up to timeout_ms for at least one whole line. The block stays
  // valid until the next call.
  Result<ReadStatus> Read(int timeout_ms, ReadBlock* block);
  // The inode of the file being read now (0 for stdin), and the offset in
  // it of the next line Read will hand out.
  uint64_t inode() const { return inode_; }
  uint64_t offset() const { return begin_offset_; }
  const std::string& path() const { return options_.path; }
  // A regular file read without --follow (or stdin redirected from one): it
  // waits for us, so nothing is gained by reading far ahead of the senders.
  bool InputWaits() const { return !options_.follow && !pollable_; }

 private:
  explicit InputReader(InputReaderOptions options) : options_(std::move(options)) {}
  Status OpenPath(const std::string& path, uint64_t offset);
  // -1 error (errno), 0 EOF, else bytes read into the buffer.
  long ReadMore();
  void Grow(size_t size);
  // --follow at end of file: rotated, truncated, or just quiet?
  Result<bool> CheckRotation(ReadBlock* block);
  bool TakeLines(ReadBlock* block, bool eof);

  InputReaderOptions options_;
  int fd_ = -1;
  bool is_stdin_ = false;
  bool pollable_ = false;  // a pipe, socket or tty: poll() before read()
  uint64_t inode_ = 0;
  std::unique_ptr<char[]> buf_;  // allocated on first read
  size_t buf_size_ = 0;
  size_t begin_ = 0;           // first byte not yet handed out
  size_t end_ = 0;             // end of valid data
  size_t scan_ = 0;            // no '\n' in [begin_, scan_)
  uint64_t begin_offset_ = 0;  // file offset of buf_[begin_]
  bool discarding_ = false;    // inside an oversized line
  uint64_t discarded_ = 0;
  uint64_t discard_offset_ = 0;
  bool eof_ = false;
  // Without --follow, a regular file of at least kMinMappedBytes is read
  // through mmap until MappedInput hands over (produce_mapped_input.h).
  static constexpr size_t kMinMappedBytes = 4u << 20;
  std::unique_ptr<MappedInput> mapped_;
  // Resuming from a rotated file: after it ends, switch to options_.path.
  bool switch_after_eof_ = false;
  std::string start_event_;
};

}  // namespace slsflow
