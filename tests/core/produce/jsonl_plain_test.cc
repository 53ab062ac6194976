#include "core/produce/jsonl_plain.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/produce/parser.h"
#include "tests/parsed_log_util.h"

using namespace slsflow;
using slsflow::test::SameLog;

namespace {

bool IsClear(const ParsedLog& l) {
  return !l.has_time && !l.has_time_ns && !l.has_topic && !l.has_source && !l.has_hash_key && l.contents.empty() &&
         l.tags.empty();
}

// Lines near the plain shape: mostly plain, with the mutations the fast
// path must hand to the general parser (escapes, non-string values,
// broken punctuation, bad UTF-8, reserved keys with bad values...).
std::string RandomLine(std::mt19937& rng) {
  static const std::vector<std::string> keys = {
      "level",       "msg",          "__time__",  "__time_ns__", "__topic__", "__source__",
      "__tag__:env", "__hash_key__", "__shard__", "k",           "",          "é"};
  static const std::vector<std::string> values = {
      "info", "",  "1700000000", "123456789", "a b c", "x\xc3\xa9y",      "{",
      "}",    ":", ",",          "[1]",       "12ab",  "\xf0\x9f\x98\x80"};
  static const std::vector<std::string> bad_values = {"\xff\xfe", "\xe2\x82", "t\"", "\xed\xa0\x80"};
  static const std::vector<std::string> spaces = {"", "", "", " ", "  "};
  static const std::vector<std::string> any_blanks = {"", " ", "\t", "\r", "\n"};
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  bool mutate = rng() % 3 == 0;  // a third of the lines carry something the fast path must decline
  // Tabs, CRs and LFs are JSON blanks the fast path leaves to the general
  // parser.
  const std::vector<std::string>& blanks = mutate ? any_blanks : spaces;
  std::string line = pick(blanks) + "{" + pick(blanks);
  int pairs = static_cast<int>(rng() % 5);
  for (int i = 0; i < pairs; ++i) {
    if (i) line += pick(blanks) + "," + pick(blanks);
    line += "\"" + pick(keys) + "\"" + pick(blanks) + ":" + pick(blanks);
    switch (mutate ? rng() % 6 : 5) {
      case 0:
        line += "42";
        break;
      case 1:
        line += "\"esc\\n\"";
        break;
      case 2:
        line += "{\"a\":\"b\"}";
        break;
      case 3:
        line += "\"ctl\x01\"";
        break;
      case 4:
        line += "\"" + pick(bad_values) + "\"";
        break;
      default:
        line += "\"" + pick(values) + "\"";
        break;
    }
  }
  line += pick(blanks) + "}" + pick(blanks);
  // Sometimes break one byte anywhere.
  if (mutate && rng() % 2 == 0 && !line.empty()) line[rng() % line.size()] = "\":,{} \\x\x80"[rng() % 10];
  // And sometimes make it long, past the 16-byte SIMD rounds.
  if (rng() % 4 == 0) line.insert(line.find('{') + 1, "\"long\":\"" + std::string(rng() % 200, 'L') + "\",");
  return line;
}

}  // namespace

// The jsonl parser (fast path first) against the general parser alone.
struct Agreement {
  std::unique_ptr<Parser> fast = MakeJsonlParser();
  std::unique_ptr<Parser> general = MakeGeneralJsonlParser();
  std::vector<uint32_t> quotes;
  int taken = 0, declined = 0;  // by the fast path called directly

  // Checks that the jsonl parser's `outcome`, `error` and `log` for `line`
  // are the general parser's, whose log goes to `general_log`.
  ParseOutcome Expect(std::string_view line, ParseOutcome outcome, const std::string& error, const ParsedLog& log,
                      ParsedLog* general_log) {
    std::string general_error;
    ParseOutcome want = general->Parse(line, general_log, &general_error);
    REQUIRE(outcome == want);
    CHECK(error == general_error);
    if (outcome == ParseOutcome::kLog) CHECK(SameLog(log, *general_log));
    return want;
  }
  // The fast path's own verdict: what it takes is the general parser's log;
  // what it declines leaves the log clear.
  void Direct(bool took, const ParsedLog& direct, ParseOutcome general_outcome, const ParsedLog& general_log) {
    if (took) {
      ++taken;
      CHECK(general_outcome == ParseOutcome::kLog);
      CHECK(SameLog(direct, general_log));
    } else {
      ++declined;
      CHECK(IsClear(direct));
    }
  }
};

TEST_CASE("plain objects: the fast path agrees with the general parser on every line") {
  Agreement t;
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    std::string line = RandomLine(rng);
    CAPTURE(line);
    ParsedLog a, b, direct;
    std::string ea;
    ParseOutcome ob = t.Expect(line, t.fast->Parse(line, &a, &ea), ea, a, &b);
    t.Direct(ParsePlainJsonObject(line, &direct, &t.quotes), direct, ob, b);
  }
  // Both branches ran a lot: the test would prove nothing otherwise.
  CHECK(t.taken > 20000);
  CHECK(t.declined > 20000);
}

TEST_CASE("plain objects in a block: lines and logs as a split at '\\n' and the general parser give") {
  Agreement t;
  std::mt19937 rng(11);
  for (int round = 0; round < 20000; ++round) {
    // A block: a few lines, some ending in CRLF, some blank, the last one
    // without a newline now and then; mutated lines hold '\n' of their own.
    std::string block;
    int n = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) {
      block += rng() % 10 == 0 ? "" : RandomLine(rng);
      if (i + 1 < n || rng() % 3 != 0) block += rng() % 4 == 0 ? "\r\n" : "\n";
    }
    CAPTURE(block);
    std::string_view data = block;
    size_t pos = 0;
    while (pos < data.size()) {
      std::string_view rest = data.substr(pos);
      size_t want = LineLength(rest);
      ParsedLog a, b, direct;
      std::string ea;
      size_t len = 12345, direct_len = 12345;
      ParseOutcome oa = t.fast->ParseFirstLine(rest, &len, &a, &ea);
      REQUIRE(len == want);
      ParseOutcome ob = t.Expect(rest.substr(0, want), oa, ea, a, &b);
      bool took = ParsePlainJsonLine(rest, &direct_len, &direct, &t.quotes);
      if (took) CHECK(direct_len == want);
      t.Direct(took, direct, ob, b);
      pos = std::min(pos + len + 1, data.size());
    }
  }
  CHECK(t.taken > 10000);
  CHECK(t.declined > 10000);
}

TEST_CASE("plain objects: what the fast path takes and what it leaves") {
  std::vector<uint32_t> quotes;
  ParsedLog log;
  REQUIRE(ParsePlainJsonObject(R"({"level": "info", "__topic__": "t", "__tag__:env": "prod", "msg": "a b"})", &log,
                               &quotes));
  CHECK(log.contents == std::vector<KeyValue>{{"level", "info"}, {"msg", "a b"}});
  CHECK(log.topic == "t");
  CHECK(log.tags == std::vector<KeyValue>{{"env", "prod"}});
  for (std::string_view declined : {
           R"({"a":"x\"y"})",                 // an escape
           R"({"a":1})",                      // not a string value
           R"({"a":"x","b":"y"} x)",          // text after the object
           R"({"a" "x"})",                    // no colon
           R"({"a":"x",})",                   // trailing comma
           R"({"__time__":"soon","a":"b"})",  // AddField refuses it
           R"({"__topic__":"t"})",            // no content key
           "{\"a\":\"\xff\"}",                // not UTF-8
           "{}",
       }) {
    CAPTURE(declined);
    ParsedLog out;
    CHECK_FALSE(ParsePlainJsonObject(declined, &out, &quotes));
    CHECK(IsClear(out));
  }
  // A line longer than the fast path's limit is the general parser's.
  std::string longline = "{\"a\":\"" + std::string(70000, 'x') + "\"}";
  ParsedLog out;
  CHECK_FALSE(ParsePlainJsonObject(longline, &out, &quotes));
  CHECK(quotes.size() < 70000);
}
