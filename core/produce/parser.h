// Input parsers: one line (or, for CSV, one record spanning lines) in,
// one ParsedLog out. Parsers never allocate per line in the steady state.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/produce/record.h"

namespace slsflow {

enum class ParseOutcome {
  kLog,       // `out` holds a log
  kSkip,      // nothing to emit (blank jsonl line, CSV header)
  kNeedMore,  // CSV: a quoted field continues on the next line
  kInvalid,   // `error` says why
};

// The length of the first line of `text`, without its '\n'.
inline size_t LineLength(std::string_view text) {
  const void* nl = std::memchr(text.data(), '\n', text.size());
  return nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
}

class Parser {
 public:
  virtual ~Parser() = default;
  // `line` excludes its '\n'. Views in `out` stay valid until the next call
  // or until the line's buffer changes.
  virtual ParseOutcome Parse(std::string_view line, ParsedLog* out, std::string* error) = 0;
  // Parse() of the first line of `rest`, the unparsed lines of a block;
  // `*line_len` gets that line's length without its '\n' (all of `rest`
  // when it has none). A parser that finds the line's end as it parses
  // overrides this to spare the block a pass of its own.
  virtual ParseOutcome ParseFirstLine(std::string_view rest, size_t* line_len, ParsedLog* out, std::string* error) {
    *line_len = LineLength(rest);
    return Parse(rest.substr(0, *line_len), out, error);
  }
  // True when an incomplete record is buffered (CSV), so EOF is an error.
  virtual bool Pending() const { return false; }
};

struct ParserOptions {
  std::string input = "line";   // line | jsonl | regex | csv
  std::string key = "content";  // line mode
  std::string regex;            // regex mode
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
