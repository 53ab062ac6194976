// Output formats for `slsflow consume -f`: one log in, one line out.
//
// The consume engine calls Formatter::FormatLog once per log of a pull
// decoded in place (core/sls/loggroup_view.h), appending straight into its own
// output buffer, so a formatter must never allocate
// per record on the hot path and must be byte-stable (the same log always
// gives the same bytes: `produce` reads jsonl back, and the exactly-once
// sink compares committed byte lengths).
//
// Formats (doc/output-formats.md is the user-facing description):
//   jsonl    one JSON object per log (default when stdout is not a TTY)
//   raw      just the value of --field (a record without it is skipped)
//   template -F '{__time__:iso} {level} {message}'
//   csv/tsv  header row, then one row per log (columns from --fields)
//   pretty   time-first, key=value pairs (default on a TTY)
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "core/sls/loggroup_view.h"

namespace slsflow {

// Where a log came from; the cursor is the one of the group that holds it.
struct RecordMeta {
  std::string_view logstore;
  int shard = 0;
  std::string_view cursor;
};

struct FormatOptions {
  std::string format = "jsonl";  // jsonl|raw|template|csv|tsv|pretty
  std::string raw_field = "content";
  std::string tmpl;                 // the -F template (format "template")
  std::vector<std::string> fields;  // csv/tsv columns; empty -> defaults
  bool color = false;               // pretty only: ANSI colours
  bool with_shard = false;          // add __shard__
  bool with_cursor = false;         // add __cursor__
  // What to do with a value that is not valid UTF-8.
  //   kReplace: each maximal bad subsequence becomes U+FFFD (lossy).
  //   kBase64 / kHex: the whole value is written in that encoding; in jsonl
  //   as the object {"base64":"..."} / {"hex":"..."} so it round-trips.
  enum class Binary { kReplace, kBase64, kHex } binary = Binary::kReplace;
};

// Parses "replace" | "base64" | "hex" (the --binary flag); kUsage otherwise.
Result<FormatOptions::Binary> ParseBinaryMode(std::string_view text);

// The csv/tsv columns used when --fields is not given.
std::vector<std::string> DefaultCsvFields();

class Formatter {
 public:
  // kUsage for an unknown format, a bad template, or a raw format without a
  // field name.
  static Result<std::unique_ptr<Formatter>> Create(const FormatOptions& options);
  virtual ~Formatter() = default;

  // csv/tsv: the header row, ending in '\n'. "" for every other format.
  virtual std::string Header() const { return std::string(); }

  // Appends log `index` of `group` as one record ending in '\n' (or nothing
  // at all when the format skips it, e.g. raw with the field missing).
  virtual void FormatLog(const LogGroupView& group, int index, const RecordMeta& meta, std::string* out) = 0;

  // raw: the logs that had no --field and so printed nothing, for the
  // warning at exit. 0 for every other format.
  virtual int64_t records_without_field() const { return 0; }
};

}  // namespace slsflow
