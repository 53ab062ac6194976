#include <doctest/doctest.h>

#include "core/produce/parser.h"

using namespace slsflow;

namespace {

struct Parsed {
  ParseOutcome outcome;
  ParsedLog log;
  std::string error;
};

Parsed Run(std::string_view line) {
  static auto parser = MakeJsonlParser();
  Parsed p;
  p.outcome = parser->Parse(line, &p.log, &p.error);
  return p;
}

std::string Value(const ParsedLog& log, std::string_view key) {
  for (auto& kv : log.contents)
    if (kv.first == key) return std::string(kv.second);
  return "<missing>";
}

}  // namespace

TEST_CASE("jsonl: strings, escapes, unicode and non-string values") {
  auto p = Run(
      R"({"a":"x","b":"tab\there \"q\" \\ \u00e9\ud83d\ude00","n":12.5e3,"t":true,"z":null,"o":{"k":[1,2]},"e":""})");
  REQUIRE(p.outcome == ParseOutcome::kLog);
  CHECK(Value(p.log, "a") == "x");
  CHECK(Value(p.log, "b") == "tab\there \"q\" \\ \xc3\xa9\xf0\x9f\x98\x80");
  CHECK(Value(p.log, "n") == "12.5e3");
  CHECK(Value(p.log, "t") == "true");
  CHECK(Value(p.log, "z") == "null");
  CHECK(Value(p.log, "o") == R"({"k":[1,2]})");
  CHECK(Value(p.log, "e") == "");
  CHECK(p.log.contents.size() == 7);
}

TEST_CASE("jsonl: reserved keys as consume writes them") {
  auto p = Run(R"({"__time__":1700000000,"__time_ns__":5,"__topic__":"tp","__source__":"10.0.0.1",)"
               R"("__tag__:env":"prod","__shard__":2,"__cursor__":"MQ==","msg":"m"})");
  REQUIRE(p.outcome == ParseOutcome::kLog);
  CHECK(p.log.time == 1700000000u);
  CHECK(p.log.time_ns == 5u);
  CHECK(p.log.topic == "tp");
  CHECK(p.log.source == "10.0.0.1");
  REQUIRE(p.log.tags.size() == 1);
  CHECK(p.log.tags[0].second == "prod");
  REQUIRE(p.log.contents.size() == 1);
  CHECK(Value(p.log, "msg") == "m");
}

TEST_CASE("jsonl: {base64} and {hex} objects are decoded to bytes") {
  auto p = Run(R"({"b":{"base64":"/wAB"},"h":{"hex":"ff0001"},"notbin":{"base64":"x","y":1}})");
  REQUIRE(p.outcome == ParseOutcome::kLog);
  CHECK(Value(p.log, "b") == std::string("\xff\x00\x01", 3));
  CHECK(Value(p.log, "h") == std::string("\xff\x00\x01", 3));
  CHECK(Value(p.log, "notbin") == R"({"base64":"x","y":1})");
  CHECK(Run(R"({"b":{"base64":"!!"}})").outcome == ParseOutcome::kInvalid);
  CHECK(Run(R"({"b":{"hex":"f"}})").outcome == ParseOutcome::kInvalid);
}

TEST_CASE("jsonl: invalid lines say why") {
  for (const char* bad : {"{", "[1]", "{\"a\":}", "{\"a\":\"x\"} trailing", "{\"a\":\"\\q\"}", "{\"a\":\"\\ud800\"}",
                          "{a:1}", "{\"a\":01}", "{\"a\":tru}", "not json", "{\"a\":\"ctl\x01\"}"}) {
    auto p = Run(bad);
    INFO(bad);
    CHECK(p.outcome == ParseOutcome::kInvalid);
    CHECK(!p.error.empty());
  }
  CHECK(Run("   ").outcome == ParseOutcome::kSkip);
  CHECK(Run("{\"a\":\"\xff\"}").outcome == ParseOutcome::kInvalid);
  // Valid JSON without content keys is a log for the limits check to refuse.
  auto empty = Run("{}");
  CHECK(empty.outcome == ParseOutcome::kLog);
  CHECK(empty.log.contents.empty());
  CHECK(Run(R"({"__topic__":"t"})").outcome == ParseOutcome::kLog);
  std::string deep(100, '[');
  CHECK(Run("{\"a\":" + deep + "}").outcome == ParseOutcome::kInvalid);
}

TEST_CASE("jsonl: UTF-8 is checked inside every string, ASCII or not, at any alignment") {
  for (size_t pad = 0; pad < 40; ++pad) {
    std::string p(pad, 'a');
    INFO(pad);
    std::string line = "{\"k\":\"" + p + "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80" + p + "\"}";  // views point into it
    auto ok = Run(line);
    REQUIRE(ok.outcome == ParseOutcome::kLog);
    CHECK(Value(ok.log, "k") == p + "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80" + p);
    CHECK(Run("{\"k\":\"" + p + "\xff" + p + "\"}").outcome == ParseOutcome::kInvalid);
    CHECK(Run("{\"k\":\"" + p + "\\n\xc3" + p + "\"}").outcome == ParseOutcome::kInvalid);      // escaped path
    CHECK(Run("{\"k\":{\"x\":\"" + p + "\xed\xa0\x80\"}}").outcome == ParseOutcome::kInvalid);  // nested
    CHECK(Run("{\"" + p + "\xfe\":\"v\"}").outcome == ParseOutcome::kInvalid);                  // key
    CHECK(Run("{\"k\":\"" + p + "\x1f\"}").outcome == ParseOutcome::kInvalid);                  // control
  }
  CHECK(Run("{\"a\":1\xc3\xa9}").outcome == ParseOutcome::kInvalid);
}

TEST_CASE("jsonl: escaped values survive arena use by later fields") {
  std::string line = "{";
  for (int i = 0; i < 50; ++i) line += "\"k" + std::to_string(i) + "\":\"v\\n" + std::to_string(i) + "\",";
  line.back() = '}';
  auto p = Run(line);
  REQUIRE(p.outcome == ParseOutcome::kLog);
  REQUIRE(p.log.contents.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(p.log.contents[static_cast<size_t>(i)].second == "v\n" + std::to_string(i));
}
