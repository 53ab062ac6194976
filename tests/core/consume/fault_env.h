// A fault-injecting Env for consume tests: wraps the POSIX Env and, for
// paths containing `match`, turns appends past a byte budget into a short
// write followed by ENOSPC, and fails fsync, rename or create on request.
#pragma once

#include <cerrno>
#include <memory>
#include <string>

#include "core/base/env.h"

namespace slsflow::test {

class FaultEnv : public Env {
 public:
  std::string match;           // paths containing this are faulty ("" = all)
  int64_t append_budget = -1;  // bytes that may still be appended; -1 = unlimited
  bool fail_sync = false;      // EIO on fsync
  bool fail_rename = false;    // EIO on rename
  bool fail_create = false;    // EROFS on create/open for write
  int syncs = 0;
  int renames = 0;

  bool Matches(const std::string& path) const { return match.empty() || path.find(match) != std::string::npos; }

  class File : public WritableFile {
   public:
    File(FaultEnv* env, std::string path, std::unique_ptr<WritableFile> base)
        : env_(env), path_(std::move(path)), base_(std::move(base)) {}
    Status Append(std::string_view data) override {
      if (env_->Matches(path_) && env_->append_budget >= 0) {
        if (static_cast<int64_t>(data.size()) > env_->append_budget) {
          // A short write: part of the data reaches the file, then the disk is full.
          std::string_view part = data.substr(0, static_cast<size_t>(env_->append_budget) / 2);
          Status s = base_->Append(part);
          env_->append_budget -= static_cast<int64_t>(part.size());
          if (!s.ok()) return s;
          return PosixError("writing " + path_, ENOSPC);
        }
        env_->append_budget -= static_cast<int64_t>(data.size());
      }
      return base_->Append(data);
    }
    Status Sync() override {
      env_->syncs++;
      if (env_->fail_sync && env_->Matches(path_)) return PosixError("fsync " + path_, EIO);
      return base_->Sync();
    }
    Status Close() override { return base_->Close(); }
    uint64_t Size() const override { return base_->Size(); }

   private:
    FaultEnv* env_;
    std::string path_;
    std::unique_ptr<WritableFile> base_;
  };

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path, int mode) override {
    if (fail_create && Matches(path)) return PosixError("creating " + path, EROFS);
    auto f = base_->NewWritableFile(path, mode);
    if (!f.ok()) return f.status();
    return std::unique_ptr<WritableFile>(new File(this, path, std::move(*f)));
  }
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path, int mode) override {
    if (fail_create && Matches(path)) return PosixError("opening " + path, EROFS);
    auto f = base_->NewAppendableFile(path, mode);
    if (!f.ok()) return f.status();
    return std::unique_ptr<WritableFile>(new File(this, path, std::move(*f)));
  }
  Status ReadFile(const std::string& path, std::string* out, uint64_t max_bytes) override {
    return base_->ReadFile(path, out, max_bytes);
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  bool IsDirectory(const std::string& path) override { return base_->IsDirectory(path); }
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  Status TruncateFile(const std::string& path, uint64_t size) override { return base_->TruncateFile(path, size); }
  Status RenameFile(const std::string& from, const std::string& to) override {
    renames++;
    if (fail_rename && Matches(to)) return PosixError("renaming " + from, EIO);
    return base_->RenameFile(from, to);
  }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  Status CreateDirs(const std::string& path, int mode) override { return base_->CreateDirs(path, mode); }
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override { return base_->LockFile(path); }
  Result<int> FileMode(const std::string& path) override { return base_->FileMode(path); }
  int64_t NowMicros() override { return base_->NowMicros(); }
  int64_t MonotonicMicros() override { return base_->MonotonicMicros(); }
  void SleepMicros(int64_t micros) override { base_->SleepMicros(micros); }
  uint64_t Random() override { return base_->Random(); }

 private:
  Env* base_ = Env::Default();
};

}  // namespace slsflow::test
