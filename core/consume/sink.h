// Where formatted records go, and what each destination can promise.
//
//  - FileSink: `-o FILE`, `-o DIR/`, a path template with {logstore},
//    {shard} and {date:%Y-%m-%d}, optional size/time rotation, and stdout
//    when it is a regular file (`> out`, `>> out`). Exactly-once: every
//    file's committed length lives in the state, recovery truncates back to
//    it, and a file enters the state (an "intent" commit) before the first
//    byte goes into it.
//  - StreamSink: stdout as a pipe or TTY. Bytes written can't be taken
//    back, so the delivery is at-least-once (write, flush, then commit) or,
//    on request, at-most-once (commit, then write).
//
// All sinks are used from the engine's single output thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/env.h"
#include "core/base/status.h"
#include "core/consume/state.h"

namespace slsflow {

class Sink {
 public:
  virtual ~Sink() = default;
  // Before anything is written: truncate files back to what `state`
  // accounts for and adopt them.
  virtual Status Recover(ConsumeState* state) = 0;
  // Makes sure the destination of (logstore, shard) is open. True when a
  // file entered (or left) the set the state must account for: the caller
  // commits before writing, so the state never misses a file we wrote to.
  virtual Result<bool> Prepare(std::string_view logstore, int shard) = 0;
  virtual Status Write(std::string_view logstore, int shard, std::string_view data) = 0;
  // Makes every byte written so far durable (fsync / flush) and records the
  // committed lengths in `state->files`.
  virtual Status Sync(ConsumeState* state) = 0;
  virtual Status Close() = 0;
  // At-most-once: the state is committed before the bytes are written.
  virtual bool commit_before_write() const { return false; }
  // The reader went away (EPIPE): stop quietly, nothing more can be delivered.
  virtual bool broken_pipe() const { return false; }
  virtual bool exactly_once() const = 0;
};

struct FileSinkOptions {
  // "-" is stdout (which must be a regular file); otherwise a path template.
  std::string path_template;
  std::string header;              // written at the start of every new file (csv/tsv)
  uint64_t rotate_bytes = 0;       // 0: never
  int64_t rotate_interval_us = 0;  // 0: never
  int file_mode = 0644;
  std::string stdout_name = "stdout";  // how messages name "-" (the file behind it)
};

// Expands {logstore}, {shard}, {date} and {date:FMT} (strftime, local time).
// kUsage for an unknown or unterminated placeholder.
Result<std::string> ExpandPathTemplate(std::string_view tmpl, std::string_view logstore, int shard,
                                       int64_t unix_seconds);
// "out/app-0.jsonl" segment 2 -> "out/app-0.2.jsonl" (segment 0 is the name itself).
std::string SegmentPath(const std::string& path, int64_t segment);

// Identity of an open file, for telling "our" file from a new one at the
// same path. Replaceable in tests.
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  bool regular = false;
};

std::unique_ptr<Sink> NewFileSink(Env* env, FileSinkOptions options);

enum class Delivery { kAtLeastOnce, kAtMostOnce };
// Writes to `fd` (stdout) through a buffer; EPIPE ends it quietly.
std::unique_ptr<Sink> NewStreamSink(int fd, Delivery delivery, std::string header);

// fstat of stdout: a regular file takes the exactly-once FileSink ("-").
bool FdIsRegularFile(int fd);

}  // namespace slsflow
