#include "core/produce/reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/base/env.h"
#include "core/produce/mapped_input.h"

namespace slsflow {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// After a rename+create rotation, the file we stopped in may live on under
// another name next to the path (app.log.1): find it by inode.
std::string FindByInode(const std::string& path, uint64_t inode) {
  std::string dir = DirName(path);
  DIR* d = opendir(dir.c_str());
  if (!d) return "";
  std::string found;
  while (dirent* e = readdir(d)) {
    std::string candidate = dir + "/" + e->d_name;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_ino) == inode) {
      found = candidate;
      break;
    }
  }
  closedir(d);
  return found;
}

// True when the bytes before `start.offset` in `path` are still the ones
// the state saw; false when the file was truncated and written again.
bool TailMatches(const std::string& path, const InputPosition& start) {
  if (start.tail_len == 0 || start.offset < start.tail_len) return true;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;  // the open that follows reports it
  std::string buf(start.tail_len, '\0');
  ssize_t n = pread(fd, buf.data(), buf.size(), static_cast<off_t>(start.offset - start.tail_len));
  ::close(fd);
  return n == static_cast<ssize_t>(buf.size()) && TailCrc(buf) == start.tail_crc;
}

}  // namespace

InputReader::~InputReader() {
  if (fd_ >= 0 && !is_stdin_) ::close(fd_);
}

Result<std::unique_ptr<InputReader>> InputReader::Open(const InputReaderOptions& options) {
  std::unique_ptr<InputReader> r(new InputReader(options));
  if (options.path.empty() || options.path == "-") {
    if (options.follow) return Status::Usage("--follow needs --file PATH (stdin cannot be followed)");
    r->fd_ = 0;
    r->is_stdin_ = true;
    struct stat st;
    r->pollable_ = fstat(0, &st) != 0 || !S_ISREG(st.st_mode);
    if (!r->pollable_) {  // `produce < file`: map it too, from where stdin stands
      off_t at = lseek(0, 0, SEEK_CUR);
      if (at >= 0) {
        r->mapped_ = MappedInput::Map(0, static_cast<uint64_t>(at), "stdin", kMinMappedBytes);
      }
    }
    return r;
  }
  uint64_t offset = 0;
  std::string open_path = options.path;
  if (options.follow && options.start.inode != 0) {
    struct stat st;
    if (stat(options.path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_ino) == options.start.inode) {
      offset = options.start.offset <= static_cast<uint64_t>(st.st_size) ? options.start.offset : 0;
    } else if (std::string old = FindByInode(options.path, options.start.inode); !old.empty()) {
      open_path = old;
      offset = options.start.offset;
      r->switch_after_eof_ = true;
    }
    if (offset > 0 && !TailMatches(open_path, options.start)) {
      // Truncated (copytruncate) and written past the old offset: reading
      // again from the start duplicates; resuming at the offset would lose.
      offset = 0;
      r->start_event_ = open_path + " changed since the state was saved (truncated?): reading it from its start";
    }
  }
  Status st = r->OpenPath(open_path, offset);
  if (!st.ok()) {
    // With --follow a file that is not there yet is waited for, as tail -F does.
    if (!options.follow || errno != ENOENT) return st;
    r->fd_ = -1;
  }
  return r;
}

Status InputReader::OpenPath(const std::string& path, uint64_t offset) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return PosixError("opening " + path, errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return PosixError("stat " + path, err);
  }
  if (offset > 0 && lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
    int err = errno;
    ::close(fd);
    return PosixError("seeking in " + path, err);
  }
  if (fd_ >= 0 && !is_stdin_) ::close(fd_);
  fd_ = fd;
  inode_ = static_cast<uint64_t>(st.st_ino);
  pollable_ = !S_ISREG(st.st_mode);
  begin_ = end_ = scan_ = 0;
  begin_offset_ = offset;
  eof_ = false;
  mapped_.reset();
  if (!options_.follow) mapped_ = MappedInput::Map(fd_, offset, path, kMinMappedBytes);
  return Status::OK();
}

// Uninitialized on purpose: zero-filling 2 MB faulted in pages that read()
// may never reach (a small input, or the end of a mapped file).
void InputReader::Grow(size_t size) {
  std::unique_ptr<char[]> bigger(new char[size]);
  if (end_ > 0) std::memcpy(bigger.get(), buf_.get(), end_);
  buf_ = std::move(bigger);
  buf_size_ = size;
}

long InputReader::ReadMore() {
  // Allocated on first use: a mapped file may never need it.
  if (!buf_) Grow(std::max<size_t>(options_.read_size * 2, 64 * 1024));
  if (begin_ > 0 && buf_size_ - end_ < options_.read_size) {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    scan_ -= begin_;
    begin_ = 0;
  }
  if (buf_size_ - end_ < options_.read_size) {
    if (end_ - begin_ >= options_.max_line) return -2;
    Grow(std::min(buf_size_ * 2, options_.max_line + options_.read_size));
  }
  size_t room = std::min(options_.read_size, buf_size_ - end_);
  ssize_t n = ::read(fd_, buf_.get() + end_, room);
  return static_cast<long>(n);
}

bool InputReader::TakeLines(ReadBlock* block, bool eof) {
  if (end_ > scan_) {
    const void* nl = memrchr(buf_.get() + scan_, '\n', end_ - scan_);
    if (nl) {
      size_t stop = static_cast<size_t>(static_cast<const char*>(nl) - buf_.get()) + 1;
      block->data = std::string_view(buf_.get() + begin_, stop - begin_);
      block->start_offset = begin_offset_;
      begin_offset_ += stop - begin_;
      begin_ = scan_ = stop;
      return true;
    }
    scan_ = end_;
  }
  if (eof && end_ > begin_) {
    block->data = std::string_view(buf_.get() + begin_, end_ - begin_);
    block->start_offset = begin_offset_;
    begin_offset_ += end_ - begin_;
    begin_ = scan_ = end_;
    return true;
  }
  return false;
}

Result<bool> InputReader::CheckRotation(ReadBlock* block) {
  struct stat st;
  if (stat(options_.path.c_str(), &st) != 0) return false;  // renamed away, not yet re-created
  uint64_t read_to = begin_offset_ + (end_ - begin_);
  bool rotated = fd_ < 0 || switch_after_eof_ || static_cast<uint64_t>(st.st_ino) != inode_;
  bool truncated = !rotated && static_cast<uint64_t>(st.st_size) < read_to;
  if (!rotated && !truncated) return false;
  // A last line without its newline is delivered before we move on.
  if (fd_ >= 0 && TakeLines(block, true)) return true;
  if (rotated) {
    switch_after_eof_ = false;
    Status s = OpenPath(options_.path, 0);
    if (!s.ok()) return s;
    block->event = "rotated: now reading " + options_.path;
  } else {
    if (lseek(fd_, 0, SEEK_SET) < 0) return PosixError("seeking in " + options_.path, errno);
    begin_ = end_ = scan_ = 0;
    begin_offset_ = 0;
    block->event = options_.path + " was truncated: reading from its start";
  }
  return false;
}

Result<ReadStatus> InputReader::Read(int timeout_ms, ReadBlock* block) {
  *block = ReadBlock();
  if (!start_event_.empty()) {
    block->event = std::move(start_event_);
    start_event_.clear();
    return ReadStatus::kTimeout;
  }
  if (mapped_) {
    std::string_view lines;
    if (mapped_->Next(options_.read_size, &lines)) {
      block->data = lines;
      block->inode = inode_;
      block->start_offset = begin_offset_;
      begin_offset_ += lines.size();
      return ReadStatus::kData;
    }
    // The rest is the read() path's: a long line, a last line without its
    // '\n', or what was appended since the file was mapped.
    if (lseek(fd_, static_cast<off_t>(mapped_->offset()), SEEK_SET) < 0)
      return PosixError("seeking in " + (is_stdin_ ? std::string("stdin") : options_.path), errno);
    mapped_.reset();
  }
  int64_t deadline = NowMs() + timeout_ms;
  for (;;) {
    block->inode = inode_;
    if (discarding_) {
      const void* nl = end_ > begin_ ? std::memchr(buf_.get() + begin_, '\n', end_ - begin_) : nullptr;
      if (nl || eof_) {
        size_t stop = nl ? static_cast<size_t>(static_cast<const char*>(nl) - buf_.get()) + 1 : end_;
        discarded_ += stop - begin_;
        begin_offset_ += stop - begin_;
        begin_ = scan_ = stop;
        discarding_ = false;
        block->oversized_bytes = discarded_;
        block->start_offset = discard_offset_;
        return ReadStatus::kData;
      }
      discarded_ += end_ - begin_;
      begin_offset_ += end_ - begin_;
      begin_ = end_ = scan_ = 0;
    } else if (TakeLines(block, eof_)) {
      return ReadStatus::kData;
    }
    if (eof_) return ReadStatus::kEof;
    if (fd_ < 0) {  // --follow, the file does not exist yet
      auto r = CheckRotation(block);
      if (!r.ok()) return r.status();
      if (fd_ < 0) {
        int64_t left = deadline - NowMs();
        if (left <= 0) return ReadStatus::kTimeout;
        ::poll(nullptr, 0, static_cast<int>(std::min<int64_t>(left, options_.poll_interval_ms)));
        continue;
      }
      if (!block->event.empty()) return ReadStatus::kTimeout;
      continue;
    }
    if (pollable_) {
      int64_t left = std::max<int64_t>(0, deadline - NowMs());
      struct pollfd p = {fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, static_cast<int>(left));
      if (rc == 0 || (rc < 0 && errno == EINTR)) return ReadStatus::kTimeout;
      if (rc < 0) return PosixError("waiting for input", errno);
    }
    long n = ReadMore();
    if (n == -2) {
      // A line longer than any log can be: skip to its end, then report it.
      discarding_ = true;
      discard_offset_ = begin_offset_;
      discarded_ = 0;
      continue;
    }
    if (n < 0) {
      if (errno == EINTR) return ReadStatus::kTimeout;
      if (errno == EAGAIN) continue;
      return PosixError("reading " + (is_stdin_ ? std::string("stdin") : options_.path), errno);
    }
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      continue;
    }
    if (!options_.follow) {
      eof_ = true;
      continue;
    }
    auto r = CheckRotation(block);
    if (!r.ok()) return r.status();
    if (*r) return ReadStatus::kData;
    if (!block->event.empty()) return ReadStatus::kTimeout;  // let the caller print it
    int64_t left = deadline - NowMs();
    if (left <= 0) return ReadStatus::kTimeout;
    ::poll(nullptr, 0, static_cast<int>(std::min<int64_t>(left, options_.poll_interval_ms)));
  }
}

}  // namespace slsflow
