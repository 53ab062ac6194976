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
