// The --follow read position (see doc/produce-state-format.md): which file
// (inode) and how far (offset), written atomically through Env with mode
// 0600 after the server has acknowledged everything before it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/base/env.h"
#include "core/base/status.h"
#include "core/produce/ack.h"

namespace slsflow {

struct FollowState {
  std::string path;  // the followed path, to refuse a state written for another file
  uint64_t inode = 0;
  uint64_t offset = 0;
  uint32_t tail_len = 0;  // see InputPosition
  uint32_t tail_crc = 0;
  // Ranges after `offset` in the same file whose lines are settled: a
  // restart skips them (see AckTracker).
  std::vector<ByteRange> settled;
};

std::string EncodeFollowState(const FollowState& state);
// kConfig (exit 3) on a bad magic, version, field or checksum.
Result<FollowState> DecodeFollowState(const std::string& text);

// Writes `<file>.tmp`, syncs it, renames it over `file` and syncs the directory.
Status SaveFollowState(Env* env, const std::string& file, const FollowState& state);
// nullopt when the file does not exist. kConfig (exit 3) when `file`
// cannot serve as a state file: a directory, unreadable, damaged.
Result<std::optional<FollowState>> LoadFollowState(Env* env, const std::string& file);

// Saves the settled position of an AckTracker as a group commit on a
// thread of its own. Notify() (an acknowledgement moved the settled
// prefix) starts a save at once unless one is running; the Notify()s that
// come during a save ride on the next one. A kill -9 therefore re-sends at
// most the batches in flight plus what was acknowledged during the last
// save, and no reader or sender ever waits for an fsync.
class FollowCommitter {
 public:
  FollowCommitter(Env* env, std::string state_file, std::string followed_path, AckTracker* tracker)
      : env_(env), state_file_(std::move(state_file)), path_(std::move(followed_path)), tracker_(tracker) {}
  ~FollowCommitter() { Stop(); }

  void Start();
  // Thread-safe and cheap: a lock and a wake-up.
  void Notify();
  // One last save of the settled position, then the thread ends. Safe to
  // call twice; Notify() after it does nothing.
  void Stop();
  // Once a save failed no more are tried (the position on disk stays where
  // it was, which is safe); the first error.
  bool failed() const { return failed_.load(); }
  Status error() const;
  uint64_t saves() const { return saves_.load(); }

 private:
  void Loop();
  void SaveSettled();  // committer thread, or after it ended

  // Threads: the members above mu_ are fixed at construction; mu_ guards
  // pending_, stopping_ and error_ between the committer thread and the
  // senders that wake it; failed_ and saves_ are atomics for lock-free reads.
  Env* env_;
  std::string state_file_;
  std::string path_;
  AckTracker* tracker_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;
  bool stopping_ = false;
  Status error_;
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> saves_{0};
  std::thread thread_;
};

// The default state file for a followed path and destination:
// $XDG_STATE_HOME (or ~/.local/state)/slsflow/produce-<md5 prefix>.state.
std::string DefaultFollowStatePath(const std::string& abs_path, const std::string& project,
                                   const std::string& logstore);

}  // namespace slsflow
