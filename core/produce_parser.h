// Input parsers: one line (or, for CSV, one record spanning lines) in,
// one ParsedLog out. Parsers never allocate per line in the steady state.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/produce_record.h"
#include "core/status.h"

namespace slsflow {

enum class ParseOutcome {
  kLog,       // `out` holds a log
  kSkip,      // nothing to emit (blank jsonl line, CSV header)
  kNeedMore,  // CSV: a quoted field continues on the next line
  kInvalid,   // `error` says why
};

class Parser {
 public:
  virtual ~Parser() = default;
  // `line` excludes its '\n'. Views in `out` stay valid until the next call
  // or until the line's buffer changes.
  virtual ParseOutcome Parse(std::string_view line, ParsedLog* out, std::string* error) = 0;
  // True when an incomplete record is buffered (CSV), so EOF is an error.
  virtual bool Pending() const { return false; }
};

struct ParserOptions {
  std::string input = "line";  // line | jsonl | regex | csv
  std::string key = "content"; // line mode
  std::string regex;           // regex mode
};

// kUsage for an unknown mode or a regex that does not compile.
Result<std::unique_ptr<Parser>> MakeParser(const ParserOptions& options);

std::unique_ptr<Parser> MakeLineParser(std::string key);
std::unique_ptr<Parser> MakeJsonlParser();
// For tests: the jsonl parser without its fast path for plain objects.
std::unique_ptr<Parser> MakeGeneralJsonlParser();
Result<std::unique_ptr<Parser>> MakeRegexParser(const std::string& pattern);
std::unique_ptr<Parser> MakeCsvParser();

// Exposed for tests: turns PCRE-style named groups into a POSIX ERE and the
// list of group names by position ("" for an unnamed group).
struct TranslatedRegex {
  std::string ere;
  std::vector<std::string> names;  // index i is capture group i+1
};
Result<TranslatedRegex> TranslateRegex(const std::string& pattern);

}  // namespace slsflow
