#include <doctest/doctest.h>

#include "core/produce/parser.h"

using namespace slsflow;

TEST_CASE("csv: header, quotes, doubled quotes, empty fields, CRLF") {
  auto p = MakeCsvParser();
  ParsedLog log;
  std::string err;
  CHECK(p->Parse("a,b,c\r", &log, &err) == ParseOutcome::kSkip);
  log.Clear();
  REQUIRE(p->Parse(R"(1,"x,""y""",)", &log, &err) == ParseOutcome::kLog);
  REQUIRE(log.contents.size() == 3);
  CHECK(log.contents[0] == KeyValue("a", "1"));
  CHECK(log.contents[1] == KeyValue("b", "x,\"y\""));
  CHECK(log.contents[2] == KeyValue("c", ""));
  log.Clear();
  CHECK(p->Parse("1,2", &log, &err) == ParseOutcome::kInvalid);
  CHECK(err.find("2 fields") != std::string::npos);
  log.Clear();
  CHECK(p->Parse("1,x\"y,3", &log, &err) == ParseOutcome::kInvalid);
}

TEST_CASE("csv: a quoted field may span lines") {
  auto p = MakeCsvParser();
  ParsedLog log;
  std::string err;
  CHECK(p->Parse("k,v", &log, &err) == ParseOutcome::kSkip);
  log.Clear();
  CHECK(p->Parse("1,\"first", &log, &err) == ParseOutcome::kNeedMore);
  CHECK(p->Pending());
  log.Clear();
  CHECK(p->Parse("second", &log, &err) == ParseOutcome::kNeedMore);
  log.Clear();
  REQUIRE(p->Parse("third\"", &log, &err) == ParseOutcome::kLog);
  CHECK(log.contents[1].second == "first\nsecond\nthird");
  CHECK_FALSE(p->Pending());
}

TEST_CASE("csv: __time__ column and blank lines") {
  auto p = MakeCsvParser();
  ParsedLog log;
  std::string err;
  CHECK(p->Parse("__time__,msg", &log, &err) == ParseOutcome::kSkip);
  CHECK(p->Parse("", &log, &err) == ParseOutcome::kSkip);
  log.Clear();
  REQUIRE(p->Parse("1700000000,hi", &log, &err) == ParseOutcome::kLog);
  CHECK(log.time == 1700000000u);
  CHECK(log.contents.size() == 1);
}

namespace {

// Feeds `lines` to a fresh parser after `header`, returning each outcome.
struct CsvRun {
  std::unique_ptr<Parser> parser = MakeCsvParser();
  ParsedLog log;
  std::string err;
  explicit CsvRun(std::string_view header) { REQUIRE(parser->Parse(header, &log, &err) == ParseOutcome::kSkip); }
  ParseOutcome Feed(std::string_view line) {
    log.Clear();
    err.clear();
    return parser->Parse(line, &log, &err);
  }
};

}  // namespace

TEST_CASE("csv: a malformed record is refused with its column, and the next record is still read") {
  CsvRun run("k,v");
  CHECK(run.Feed(R"("a"b,2)") == ParseOutcome::kInvalid);
  CHECK(run.err == "text after a closing quote at column 4");
  CHECK(run.Feed(R"(x,y"z)") == ParseOutcome::kInvalid);
  CHECK(run.err == "a quote inside an unquoted field at column 3");
  REQUIRE(run.Feed("good,1") == ParseOutcome::kLog);
  CHECK(run.log.contents[0] == KeyValue("k", "good"));
  CHECK(run.log.contents[1] == KeyValue("v", "1"));
}

TEST_CASE("csv: invalid UTF-8 is refused, also when it arrives inside a multi-line record") {
  CsvRun run("k,v");
  CHECK(run.Feed("a,\xff\xfe") == ParseOutcome::kInvalid);
  CHECK(run.err == "not valid UTF-8");
  CHECK_FALSE(run.parser->Pending());

  CHECK(run.Feed("b,\"starts") == ParseOutcome::kNeedMore);
  CHECK(run.parser->Pending());
  CHECK(run.Feed("bad \xc3\x28 byte\"") == ParseOutcome::kInvalid);
  CHECK(run.err == "not valid UTF-8");
  // The broken record is dropped whole: the next line starts a new one
  // instead of being glued to its remains.
  CHECK_FALSE(run.parser->Pending());
  REQUIRE(run.Feed("c,3") == ParseOutcome::kLog);
  CHECK(run.log.contents[0] == KeyValue("k", "c"));
}

TEST_CASE("csv: a multi-line record that turns out malformed ends there") {
  CsvRun run("k,v");
  CHECK(run.Feed("1,\"open") == ParseOutcome::kNeedMore);
  CHECK(run.Feed("closed\"junk") == ParseOutcome::kInvalid);
  CHECK(run.err.find("text after a closing quote") == 0);
  CHECK_FALSE(run.parser->Pending());
  REQUIRE(run.Feed("2,fine") == ParseOutcome::kLog);
  CHECK(run.log.contents[1] == KeyValue("v", "fine"));
}

TEST_CASE("csv: CRLF inside a quoted multi-line field keeps only the newline") {
  CsvRun run("k,v\r");
  CHECK(run.Feed("1,\"first\r") == ParseOutcome::kNeedMore);
  REQUIRE(run.Feed("second\"\r") == ParseOutcome::kLog);
  CHECK(run.log.contents[1] == KeyValue("v", "first\nsecond"));
}

TEST_CASE("csv: a header may span lines and may end in an empty column") {
  auto p = MakeCsvParser();
  ParsedLog log;
  std::string err;
  CHECK(p->Parse("\"multi", &log, &err) == ParseOutcome::kNeedMore);
  CHECK(p->Parse("line\",b,", &log, &err) == ParseOutcome::kSkip);
  log.Clear();
  REQUIRE(p->Parse(R"("x",y,)", &log, &err) == ParseOutcome::kLog);
  REQUIRE(log.contents.size() == 3);
  CHECK(log.contents[0] == KeyValue("multi\nline", "x"));
  CHECK(log.contents[2] == KeyValue("", ""));
  // Those keys break the SLS key rule: the parser must not vouch for them,
  // so the later check refuses the log instead of the server.
  CHECK_FALSE(log.keys_checked);
}

TEST_CASE("csv: keys are vouched for once when the header is clean") {
  CsvRun run("__time__,level,msg");
  REQUIRE(run.Feed("1700000000,info,hi") == ParseOutcome::kLog);
  CHECK(run.log.keys_checked);
  CHECK(run.log.has_time);
}

TEST_CASE("csv: a bad __time__ or a record with only reserved columns is refused with the reason") {
  CsvRun run("__time__,msg");
  CHECK(run.Feed("yesterday,hi") == ParseOutcome::kInvalid);
  CHECK(run.err == "__time__ is not unix seconds: 'yesterday'");

  CsvRun only_time("__time__,__topic__");
  CHECK(only_time.Feed("1700000000,t") == ParseOutcome::kInvalid);
  CHECK(only_time.err == "no content columns");
}

TEST_CASE("csv: too many fields is refused like too few") {
  CsvRun run("a,b");
  CHECK(run.Feed("1,2,3") == ParseOutcome::kInvalid);
  CHECK(run.err == "the record has 3 fields but the header has 2");
  CHECK(run.Feed("\"1,2\"") == ParseOutcome::kInvalid);  // one quoted field, not two
  CHECK(run.err == "the record has 1 fields but the header has 2");
}
