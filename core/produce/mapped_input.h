// A regular file read through mmap, for `produce --file` without --follow
// (and stdin redirected from a file). Blocks of whole lines come straight
// from the page cache: read() copying every byte first was ~5% of produce
// CPU. The reader falls back to read() for what this does not handle: a
// line longer than one block, the last line without its '\n', and anything
// appended after the file was mapped.
//
// If the file shrinks while mapped, touching a page past its new end raises
// SIGBUS. The handler says so on stderr and exits 1: the input changed
// under us, so what was delivered cannot be told (read() would have ended
// early and silently instead).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace slsflow {

class MappedInput {
 public:
  // nullptr when mapping is not worth it or not possible (not a regular
  // file, less than `min_bytes` left, mmap failed): the caller reads.
  static std::unique_ptr<MappedInput> Map(int fd, uint64_t offset, const std::string& path, size_t min_bytes);
  ~MappedInput();
  MappedInput(const MappedInput&) = delete;
  MappedInput& operator=(const MappedInput&) = delete;

  // The next whole lines, at most max_bytes and ending in '\n'. Pages before
  // them are dropped from memory. False when the rest does not hold a '\n'
  // within max_bytes: read from offset() then.
  bool Next(size_t max_bytes, std::string_view* block);
  // File offset of the first byte not handed out.
  uint64_t offset() const { return pos_; }

 private:
  MappedInput(const char* base, uint64_t size, uint64_t pos) : base_(base), size_(size), pos_(pos) {}
  const char* base_;
  uint64_t size_;
  uint64_t pos_;
  uint64_t dropped_ = 0;  // [0, dropped_) handed back to the kernel
};

}  // namespace slsflow
