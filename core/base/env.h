// The one seam to the operating system (leveldb's Env): files, fsync,
// rename, locks, clock, sleep and randomness. Code that must survive a
// crash or a full disk goes through an Env so tests can inject ENOSPC, EIO,
// short writes, failed fsyncs and renames, and clock jumps.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/status.h"

namespace slsflow {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends all of `data` or fails; on failure an unknown prefix may have
  // reached the file, which is why recovery truncates to a committed length.
  virtual Status Append(std::string_view data) = 0;
  virtual Status Sync() = 0;  // fdatasync: data durable before we claim it
  virtual Status Close() = 0;
  virtual uint64_t Size() const = 0;  // bytes in the file, as we know them
};

// Held while alive; released by the destructor.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX implementation.
  static Env* Default();

  // Creates or truncates.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path, int mode = 0644) = 0;
  // Opens for append, creating it if missing; Size() starts at the current size.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path, int mode = 0644) = 0;
  // Reads the whole file; fails with kCorruption if it is over max_bytes.
  virtual Status ReadFile(const std::string& path, std::string* out, uint64_t max_bytes = 64u << 20) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual bool IsDirectory(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual Status CreateDirs(const std::string& path, int mode = 0755) = 0;
  // fsync of a directory, so that a rename inside it is durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Exclusive, non-blocking flock. kConflict if another process holds it.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
  // File permission bits, for the "world-readable secrets" warning.
  virtual Result<int> FileMode(const std::string& path) = 0;

  virtual int64_t NowMicros() = 0;        // wall clock, may jump
  virtual int64_t MonotonicMicros() = 0;  // never goes back
  virtual void SleepMicros(int64_t micros) = 0;
  virtual uint64_t Random() = 0;
};

// Maps errno to a Status whose message names the path and what to do.
Status PosixError(const std::string& context, int err);

// dirname("a/b/c") == "a/b"; dirname("c") == ".".
std::string DirName(const std::string& path);

}  // namespace slsflow
