// The produce input parsers (jsonl, csv, regex): every line of hostile input
// is a log, a skip or a clean error, never a crash. Byte 0 picks the parser.
// jsonl is also differential: its fast path must match the general parser,
// line by line and block by block.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/produce/parser.h"
#include "tests/parsed_log_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static std::unique_ptr<slsflow::Parser> jsonl = slsflow::MakeJsonlParser();
  static std::unique_ptr<slsflow::Parser> general_jsonl = slsflow::MakeGeneralJsonlParser();
  static std::unique_ptr<slsflow::Parser> regex =
      std::move(*slsflow::MakeRegexParser(R"re(^(?P<ip>\S+) \S+ \S+ \[(?P<t>[^]]+)\] "(?P<req>[^"]*)" (?P<st>\d+))re"));
  std::unique_ptr<slsflow::Parser> csv = slsflow::MakeCsvParser();  // stateful: fresh per input
  slsflow::Parser* parser = data[0] % 3 == 0 ? jsonl.get() : data[0] % 3 == 1 ? regex.get() : csv.get();
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    slsflow::ParsedLog log;
    std::string error;
    auto outcome = parser->Parse(std::string_view(text).substr(pos, nl - pos), &log, &error);
    if (outcome == slsflow::ParseOutcome::kInvalid && error.empty()) __builtin_trap();
    if (parser == jsonl.get()) {
      // The fast path for plain objects must agree with the general parser
      // on every line: outcome, error and every field.
      slsflow::ParsedLog general_log;
      std::string general_error;
      auto general = general_jsonl->Parse(std::string_view(text).substr(pos, nl - pos), &general_log, &general_error);
      if (general != outcome || general_error != error || !slsflow::test::SameLog(log, general_log)) __builtin_trap();
    }
    pos = nl + 1;
  }
  if (parser == jsonl.get()) {
    // Block by block, as produce reads: the line ends ParseFirstLine finds
    // in its scan are the '\n's, and its outcomes are the general parser's.
    std::string_view block = text;
    size_t at = 0;
    while (at < block.size()) {
      slsflow::ParsedLog log, general_log;
      std::string error, general_error;
      size_t len = 0;
      auto outcome = jsonl->ParseFirstLine(block.substr(at), &len, &log, &error);
      if (len != slsflow::LineLength(block.substr(at))) __builtin_trap();
      auto general = general_jsonl->Parse(block.substr(at, len), &general_log, &general_error);
      if (general != outcome || general_error != error || !slsflow::test::SameLog(log, general_log)) __builtin_trap();
      at = std::min(at + len + 1, block.size());
    }
  }
  // A regex pattern from the fuzzer must compile or fail cleanly.
  (void)slsflow::TranslateRegex(text.substr(0, 200));
  return 0;
}
