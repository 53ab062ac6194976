#include "core/produce/parser.h"

namespace slsflow {

namespace {

class LineParser : public Parser {
 public:
  explicit LineParser(std::string key) : key_(std::move(key)), key_ok_(ContentKeyOk(key_)) {}
  ParseOutcome Parse(std::string_view line, ParsedLog* out, std::string* error) override {
    if (!IsValidUtf8(line)) {
      *error = "not valid UTF-8, which SLS refuses";
      return ParseOutcome::kInvalid;
    }
    out->contents.emplace_back(key_, line);
    out->keys_checked = key_ok_;
    return ParseOutcome::kLog;
  }

 private:
  std::string key_;
  bool key_ok_;  // checked once: every log has this one key
};

}  // namespace

std::unique_ptr<Parser> MakeLineParser(std::string key) {
  return std::make_unique<LineParser>(std::move(key));
}

Result<std::unique_ptr<Parser>> MakeParser(const ParserOptions& options) {
  if (options.input == "line") {
    if (options.key.empty()) return Status::Usage("--key must not be empty");
    return MakeLineParser(options.key);
  }
  if (options.input == "jsonl" || options.input == "json") return MakeJsonlParser();
  if (options.input == "csv") return MakeCsvParser();
  if (options.input == "regex") {
    if (options.regex.empty()) return Status::Usage("--input regex needs --regex PATTERN with named groups");
    return MakeRegexParser(options.regex);
  }
  return Status::Usage("unknown --input '" + options.input + "' (use line, jsonl, regex or csv)");
}

}  // namespace slsflow
