#include "core/produce/dead_letter.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/produce/encoder.h"
#include "core/produce/parser.h"
#include "tests/produce_reference.h"
#include "tests/test_util.h"

using namespace slsflow;

TEST_CASE("JSON values: escapes, control characters, and base64 for bytes") {
  std::string out;
  AppendJsonValue(&out, std::string("a\"b\\c\n\t\x01\x7f \xc3\xa9"));
  CHECK(out == "\"a\\\"b\\\\c\\n\\t\\u0001\x7f \xc3\xa9\"");
  out.clear();
  AppendJsonValue(&out, "\xff\x00");
  CHECK(out == R"({"base64":"/w=="})");
}

TEST_CASE("dead letters replay through the jsonl parser to the same logs") {
  std::vector<ReferenceLog> logs = {
      {1700000000, 42, true, {{"msg", "hello \"x\"\n"}, {"bin", std::string("\xff\x00\x01", 3)}, {"e", ""}}},
      {1700000001, 0, false, {{"k", "\xe4\xb8\xad"}}},
  };
  GroupMeta meta{"tp", "src", {{"env", "prod"}}};
  std::string group = EncodeWithProtobuf(logs, meta);
  std::string text;
  auto n = LogGroupToJsonl(group, &text);
  REQUIRE(n.ok());
  CHECK(*n == 2);
  auto parser = MakeJsonlParser();
  size_t pos = 0;
  for (const auto& want : logs) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    CHECK(nlohmann::json::accept(line));
    ParsedLog got;
    std::string err;
    REQUIRE(parser->Parse(line, &got, &err) == ParseOutcome::kLog);
    CHECK(got.time == want.time);
    CHECK(got.has_time_ns == want.with_time_ns);
    CHECK(got.topic == "tp");
    CHECK(got.source == "src");
    REQUIRE(got.tags.size() == 1);
    REQUIRE(got.contents.size() == want.contents.size());
    for (size_t i = 0; i < want.contents.size(); ++i) {
      CHECK(got.contents[i].first == want.contents[i].first);
      CHECK(got.contents[i].second == want.contents[i].second);
    }
  }
}

TEST_CASE("the sink appends to its file") {
  std::string dir = test::MakeTempDir("produce-dl");
  DeadLetterSink sink(Env::Default(), dir + "/dead.jsonl");
  std::string group = EncodeWithProtobuf({{1, 0, false, {{"a", "b"}}}}, {});
  REQUIRE(sink.Write(group, "").ok());
  REQUIRE(sink.Write(group, "ServerBusy: try later (HTTP 503)").ok());
  REQUIRE(sink.Close().ok());
  std::string text = test::ReadFileOrDie(dir + "/dead.jsonl");
  CHECK(text ==
        "{\"__time__\":1,\"__topic__\":\"\",\"__source__\":\"\",\"a\":\"b\"}\n"
        "{\"__time__\":1,\"__topic__\":\"\",\"__source__\":\"\",\"a\":\"b\","
        "\"__dead_letter_reason__\":\"ServerBusy: try later (HTTP 503)\"}\n");
}

TEST_CASE("a reason replays away: the jsonl parser drops __dead_letter_reason__") {
  std::string group = EncodeWithProtobuf({{1700000000, 0, false, {{"a", "b"}}}}, {});
  std::string text;
  REQUIRE(LogGroupToJsonl(group, &text, "InvalidKey: bad key (HTTP 400)").ok());
  CHECK(text.find("\"__dead_letter_reason__\":\"InvalidKey: bad key (HTTP 400)\"") != std::string::npos);
  auto parser = MakeJsonlParser();
  ParsedLog got;
  std::string err;
  std::string line = text.substr(0, text.size() - 1);  // the parsed log's views point into it
  REQUIRE(parser->Parse(line, &got, &err) == ParseOutcome::kLog);
  REQUIRE(got.contents.size() == 1);
  CHECK(got.contents[0].first == "a");
}
