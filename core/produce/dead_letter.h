// Logs that could not be delivered, written as jsonl in the format
// `slsflow consume -f jsonl --binary base64` writes plus, last, the reason
// under __dead_letter_reason__, which `slsflow produce --input jsonl`
// drops: it replays the file unchanged.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/base/env.h"
#include "core/base/status.h"

namespace slsflow {

// Appends one JSON string (quotes included) to `out`; a value that is not
// UTF-8 becomes {"base64":"..."}.
void AppendJsonValue(std::string* out, std::string_view value);

// Every log of a serialized LogGroup as jsonl lines appended to `out`,
// each with `reason` unless it is empty. Returns the number of logs, or
// kCorruption.
Result<size_t> LogGroupToJsonl(std::string_view log_group, std::string* out, std::string_view reason = {});

class DeadLetterSink {
 public:
  // path "" counts only.
  DeadLetterSink(Env* env, std::string path) : env_(env), path_(std::move(path)) {}
  bool enabled() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  // Thread-safe; appends and syncs, so a log is either acknowledged or on disk.
  Status Write(std::string_view log_group, std::string_view reason);
  // The same for lines LogGroupToJsonl already made.
  Status WriteLines(std::string_view jsonl);
  Status Close();

 private:
  Env* env_;
  std::string path_;
  // Senders and the reader both write refused logs: mu_ guards file_.
  std::mutex mu_;
  std::unique_ptr<WritableFile> file_;
};

}  // namespace slsflow
