#include "core/consume/sink.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <vector>

namespace slsflow {

namespace {

constexpr char kStdout[] = "-";
constexpr char kWaysOut[] =
    "restore it, or rerun with --reset to empty what this output wrote and read again from --from";

FileIdentity IdentityOfFd(int fd) {
  FileIdentity id;
  struct stat st;
  if (::fstat(fd, &st) == 0) {
    id.device = static_cast<uint64_t>(st.st_dev);
    id.inode = static_cast<uint64_t>(st.st_ino);
    id.size = static_cast<uint64_t>(st.st_size);
    id.regular = S_ISREG(st.st_mode);
  }
  return id;
}

// Identity is metadata only (no data I/O to fault-inject), so it is a plain
// stat rather than an Env call.
bool IdentityOfPath(const std::string& path, FileIdentity* id) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  id->device = static_cast<uint64_t>(st.st_dev);
  id->inode = static_cast<uint64_t>(st.st_ino);
  id->size = static_cast<uint64_t>(st.st_size);
  id->regular = S_ISREG(st.st_mode);
  return true;
}

// Stdout redirected to a regular file, written like any WritableFile.
class StdoutFile final : public WritableFile {
 public:
  explicit StdoutFile(uint64_t size) : size_(size) {}
  Status Append(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(STDOUT_FILENO, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("writing stdout", errno);
      }
      size_ += static_cast<uint64_t>(n);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }
  Status Sync() override {
    if (::fdatasync(STDOUT_FILENO) != 0) return PosixError("fsync stdout", errno);
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  uint64_t Size() const override { return size_; }

 private:
  uint64_t size_;
};

class FileSink final : public Sink {
 public:
  FileSink(Env* env, FileSinkOptions options) : env_(env), options_(std::move(options)) {}

  Status Recover(ConsumeState* state) override {
    for (const auto& [path, fs] : state->files) {
      if (fs.sealed) {
        sealed_[path] = fs;
        continue;
      }
      const bool is_stdout = path == kStdout;
      const std::string shown = is_stdout ? options_.stdout_name : path;
      const bool ours = fs.committed > fs.origin;  // bytes this state wrote and committed
      FileIdentity id;
      const bool exists = is_stdout ? (id = IdentityOfFd(STDOUT_FILENO), id.regular) : IdentityOfPath(path, &id);
      if (!exists || (fs.inode != 0 && (id.device != fs.device || id.inode != fs.inode))) {
        // Never cut a file we did not write, and never skip silently what
        // the state says is in it.
        if (ours)
          return Status::Config(shown + (exists ? " was replaced by another file" : " is gone") +
                                " since the last run, but the state says it held " +
                                std::to_string(fs.committed - fs.origin) + " bytes of this output; " + kWaysOut);
        continue;  // nothing of ours was in it: a later Prepare opens it anew
      }
      if (id.size < fs.committed) {
        return Status::Config(shown + " is shorter (" + std::to_string(id.size) + " bytes) than the " +
                              std::to_string(fs.committed) + " bytes the state committed: it was cut outside " +
                              "slsflow; " + kWaysOut);
      }
      Known k;
      k.state = fs;
      if (id.size > fs.committed) {
        // Bytes written after the last commit: their logs will be read and
        // written again, so drop them.
        Status s = is_stdout ? TruncateStdout(fs.committed) : env_->TruncateFile(path, fs.committed);
        if (!s.ok()) return s.WithContext("recovering output " + shown);
      } else if (is_stdout) {
        SLSFLOW_RETURN_IF_ERROR(TruncateStdout(fs.committed));
      }
      k.good = fs.committed;
      files_[path] = std::move(k);
    }
    WriteFileList(state);
    return Status::OK();
  }

  Result<bool> Prepare(std::string_view logstore, int shard) override {
    const ShardKey key{std::string(logstore), shard};
    const int64_t now_us = env_->NowMicros();
    const int64_t now_s = now_us / 1000000;
    // Routes change only with the date or a rotation; skip the work while
    // within the same second.
    auto r = routes_.find(key);
    if (r != routes_.end() && r->second.checked_second == now_s) return false;

    std::string stream, base;
    if (options_.path_template == kStdout) {
      stream = base = kStdout;
    } else {
      auto s = ExpandStream(logstore, shard);
      if (!s.ok()) return s.status();
      stream = *s;
      auto b = ExpandPathTemplate(options_.path_template, logstore, shard, now_s);
      if (!b.ok()) return b.status();
      base = *b;
    }
    // The file this stream writes to now, if any.
    std::string current;
    int64_t segment = 0;
    for (const auto& [path, k] : files_) {
      if (k.state.stream == stream) {
        current = path;
        segment = k.state.segment;
      }
    }
    std::string target = current;
    if (current.empty() || (stream != kStdout && SegmentPath(base, segment) != current)) {
      segment = 0;  // first use, or the date moved on
      target = SegmentPath(base, 0);
    } else if (stream != kStdout && NeedsRotation(files_[current], now_us)) {
      target = SegmentPath(base, ++segment);
    }
    routes_[key] = Route{target, now_s};
    if (target == current && files_[current].file) return false;

    bool changed = false;
    if (!current.empty() && target != current) {
      // The old segment is complete: make it durable, then let go of it.
      Known& old = files_[current];
      if (old.file) {
        SLSFLOW_RETURN_IF_ERROR(old.file->Sync());
        SLSFLOW_RETURN_IF_ERROR(old.file->Close());
      }
      // Kept in the state as sealed, so --reset can still empty it.
      OutputFileState sealed = old.state;
      sealed.committed = old.good;
      sealed.sealed = true;
      sealed_[current] = sealed;
      files_.erase(current);
      changed = true;
      // Other shards may route to the closed file (one file for all shards).
      routes_.clear();
      routes_[key] = Route{target, now_s};
    }
    auto it = files_.find(target);
    if (it != files_.end() && it->second.file) return changed;
    SLSFLOW_RETURN_IF_ERROR(Open(target, stream, segment, now_us, &changed));
    return changed;
  }

  Status Write(std::string_view logstore, int shard, std::string_view data) override {
    auto r = routes_.find(ShardKey{std::string(logstore), shard});
    if (r == routes_.end()) return Status::Internal("write before Prepare");
    Known& k = files_[r->second.path];
    if (!k.file) return Status::Internal("write to a closed output");
    Status s = k.file->Append(data);
    if (!s.ok()) return s;
    k.good += data.size();
    k.dirty = true;
    return Status::OK();
  }

  Status Sync(ConsumeState* state) override {
    for (auto& [path, k] : files_) {
      if (k.file && k.dirty) {
        SLSFLOW_RETURN_IF_ERROR(k.file->Sync());
        k.dirty = false;
      }
    }
    for (auto& [path, k] : files_) k.state.committed = k.good;
    WriteFileList(state);
    return Status::OK();
  }

  Status Close() override {
    Status first;
    for (auto& [path, k] : files_) {
      if (!k.file) continue;
      Status s = k.file->Close();
      if (first.ok()) first = s;
      k.file.reset();
    }
    return first;
  }

  bool exactly_once() const override { return true; }

 private:
  struct Known {
    OutputFileState state;
    uint64_t good = 0;  // bytes known written in full; what a commit may claim
    std::unique_ptr<WritableFile> file;
    int64_t opened_us = 0;
    bool dirty = false;
  };
  struct Route {
    std::string path;
    int64_t checked_second = 0;
  };

  Result<std::string> ExpandStream(std::string_view logstore, int shard) {
    // The stream is the template with only {logstore} and {shard} filled:
    // one writer per stream, whatever the date.
    std::string out;
    std::string_view t = options_.path_template;
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '{') {
        size_t end = t.find('}', i);
        if (end == std::string_view::npos) return Status::Usage("unterminated { in output template");
        std::string_view name = t.substr(i + 1, end - i - 1);
        if (name == "logstore") {
          out += logstore;
        } else if (name == "shard") {
          out += std::to_string(shard);
        } else {
          out += t.substr(i, end - i + 1);
        }
        i = end;
      } else {
        out += t[i];
      }
    }
    return out;
  }

  void WriteFileList(ConsumeState* state) const {
    state->files = sealed_;
    for (const auto& [path, k] : files_) state->files[path] = k.state;
  }

  bool NeedsRotation(const Known& k, int64_t now_us) const {
    if (options_.rotate_bytes && k.good >= options_.rotate_bytes) return true;
    if (options_.rotate_interval_us && k.file && now_us - k.opened_us >= options_.rotate_interval_us) return true;
    return false;
  }

  Status TruncateStdout(uint64_t size) {
    if (::ftruncate(STDOUT_FILENO, static_cast<off_t>(size)) != 0) return PosixError("truncating stdout", errno);
    // With `>` (no O_APPEND) the next write lands at the fd offset.
    if (::lseek(STDOUT_FILENO, static_cast<off_t>(size), SEEK_SET) < 0) return PosixError("seeking stdout", errno);
    return Status::OK();
  }

  Status Open(const std::string& path, const std::string& stream, int64_t segment, int64_t now_us, bool* changed) {
    // Built aside and adopted only once open, so a failed open leaves no
    // phantom entry for the state to claim.
    Known k;
    if (auto it = files_.find(path); it != files_.end()) k = std::move(it->second);
    const bool known = k.state.stream == stream && !k.state.stream.empty();
    Status s = OpenInto(&k, path, stream, segment, now_us, known, changed);
    if (s.ok() || known)
      files_[path] = std::move(k);
    else
      files_.erase(path);
    return s;
  }

  Status OpenInto(Known* kp, const std::string& path, const std::string& stream, int64_t segment, int64_t now_us,
                  bool known, bool* changed) {
    Known& k = *kp;
    if (!known) {
      // A sealed segment written to again (the rotation count restarted)
      // keeps the origin it had: what came before it is still not ours.
      if (auto s = sealed_.find(path); s != sealed_.end()) {
        k.state.origin = s->second.origin;
        k.state.inode = s->second.inode;
        sealed_.erase(s);
      }
    }
    if (path == kStdout) {
      FileIdentity id = IdentityOfFd(STDOUT_FILENO);
      if (!known) {
        k.good = id.size;
        k.state.origin = id.size;
      }
      // Writes go after what is accounted for, whatever offset the shell
      // left (`1<>file` opens at 0 without truncating).
      if (::lseek(STDOUT_FILENO, static_cast<off_t>(k.good), SEEK_SET) < 0) return PosixError("seeking stdout", errno);
      k.file = std::make_unique<StdoutFile>(k.good);
      k.state.device = id.device;
      k.state.inode = id.inode;
    } else {
      if (!known) SLSFLOW_RETURN_IF_ERROR(env_->CreateDirs(DirName(path)));
      auto f = env_->NewAppendableFile(path, options_.file_mode);
      if (!f.ok()) return f.status();
      k.file = std::move(*f);
      FileIdentity id;
      const bool same_file = IdentityOfPath(path, &id) && id.inode == k.state.inode;
      if (!known) {
        k.good = k.file->Size();  // an existing file is appended to, never cut
        // Only what we append is ours (a sealed segment reopened keeps its origin).
        if (!same_file || k.state.origin > k.good) k.state.origin = k.good;
      }
      k.state.device = id.device;
      k.state.inode = id.inode;
    }
    k.state.stream = stream;
    k.state.segment = segment;
    k.opened_us = now_us;
    if (!known) {
      *changed = true;
      if (k.good == 0 && !options_.header.empty()) {
        SLSFLOW_RETURN_IF_ERROR(k.file->Append(options_.header));
        k.good += options_.header.size();
        k.dirty = true;
      }
    }
    return Status::OK();
  }

  Env* env_;
  FileSinkOptions options_;
  std::map<std::string, Known> files_;
  std::map<std::string, OutputFileState> sealed_;  // finished segments, never written again
  std::map<ShardKey, Route> routes_;
};

class StreamSink final : public Sink {
 public:
  StreamSink(int fd, Delivery delivery, std::string header)
      : fd_(fd), delivery_(delivery), header_(std::move(header)) {}
  Status Recover(ConsumeState* state) override {
    state->files.clear();
    return Status::OK();
  }
  Result<bool> Prepare(std::string_view, int) override {
    if (!header_.empty()) {
      std::string h = std::move(header_);
      header_.clear();
      SLSFLOW_RETURN_IF_ERROR(WriteAll(h));
    }
    return false;
  }
  Status Write(std::string_view, int, std::string_view data) override { return WriteAll(data); }
  Status Sync(ConsumeState* state) override {
    state->files.clear();
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  bool commit_before_write() const override { return delivery_ == Delivery::kAtMostOnce; }
  bool broken_pipe() const override { return broken_; }
  bool exactly_once() const override { return false; }

 private:
  Status WriteAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EPIPE) {
          broken_ = true;
          return Status::Error(ErrorKind::kAborted, "stdout closed (broken pipe)");
        }
        return PosixError("writing stdout", errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }
  int fd_;
  Delivery delivery_;
  std::string header_;
  bool broken_ = false;
};

}  // namespace

Result<std::string> ExpandPathTemplate(std::string_view tmpl, std::string_view logstore, int shard,
                                       int64_t unix_seconds) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      out += tmpl[i];
      continue;
    }
    size_t end = tmpl.find('}', i);
    if (end == std::string_view::npos)
      return Status::Usage("output template '" + std::string(tmpl) + "': unterminated {");
    std::string_view name = tmpl.substr(i + 1, end - i - 1);
    if (name == "logstore") {
      out += logstore;
    } else if (name == "shard") {
      out += std::to_string(shard);
    } else if (name == "date" || name.rfind("date:", 0) == 0) {
      std::string fmt = name == "date" ? "%Y-%m-%d" : std::string(name.substr(5));
      time_t t = static_cast<time_t>(unix_seconds);
      struct tm tm;
      localtime_r(&t, &tm);
      char buf[256];
      size_t n = std::strftime(buf, sizeof buf, fmt.c_str(), &tm);
      if (n == 0 && !fmt.empty()) return Status::Usage("output template: bad date format '" + fmt + "'");
      out.append(buf, n);
    } else {
      return Status::Usage("output template '" + std::string(tmpl) + "': unknown placeholder {" + std::string(name) +
                           "} (use {logstore}, {shard}, {date} or {date:FORMAT})");
    }
    i = end;
  }
  return out;
}

std::string SegmentPath(const std::string& path, int64_t segment) {
  if (segment == 0) return path;
  size_t slash = path.find_last_of('/');
  size_t dot = path.find_last_of('.');
  std::string seg = "." + std::to_string(segment);
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) || dot == slash + 1) return path + seg;
  return path.substr(0, dot) + seg + path.substr(dot);
}

std::unique_ptr<Sink> NewFileSink(Env* env, FileSinkOptions options) {
  return std::make_unique<FileSink>(env, std::move(options));
}

std::unique_ptr<Sink> NewStreamSink(int fd, Delivery delivery, std::string header) {
  return std::make_unique<StreamSink>(fd, delivery, std::move(header));
}

bool FdIsRegularFile(int fd) {
  return IdentityOfFd(fd).regular;
}

}  // namespace slsflow
