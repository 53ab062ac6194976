#include <doctest/doctest.h>

#include "core/produce/parser.h"

using namespace slsflow;

TEST_CASE("named groups become positional groups with names") {
  auto t = TranslateRegex(R"((?P<ip>\S+) (?:-|x) (?<user>\w+) \d+ [\d.]+)");
  REQUIRE(t.ok());
  CHECK(t->ere == R"((\S+) (-|x) (\w+) [0-9]+ [0-9.]+)");
  REQUIRE(t->names.size() == 3);
  CHECK(t->names[0] == "ip");
  CHECK(t->names[1] == "");
  CHECK(t->names[2] == "user");
  CHECK(TranslateRegex("(a)").status().kind() == ErrorKind::kUsage);  // no named group
  CHECK(TranslateRegex("(?=x)(?P<a>b)").status().kind() == ErrorKind::kUsage);
  CHECK(TranslateRegex("(?P<a>[x)").status().kind() == ErrorKind::kUsage);
}

TEST_CASE("regex parser extracts an nginx line") {
  auto p = MakeRegexParser(R"re(^(?P<remote_addr>\S+) - (?P<remote_user>\S+) \[(?P<time_local>[^]]+)\] )re"
                           R"re("(?P<request>[^"]*)" (?P<status>\d+) (?P<bytes>\d+)$)re");
  REQUIRE(p.ok());
  ParsedLog log;
  std::string err;
  std::string line = R"x(10.0.0.1 - - [25/Nov/2026:10:00:00 +0000] "GET /a?b=c HTTP/1.1" 200 512)x";
  REQUIRE((*p)->Parse(line, &log, &err) == ParseOutcome::kLog);
  REQUIRE(log.contents.size() == 6);
  CHECK(log.contents[0].second == "10.0.0.1");
  CHECK(log.contents[2].first == "time_local");
  CHECK(log.contents[2].second == "25/Nov/2026:10:00:00 +0000");
  CHECK(log.contents[3].second == "GET /a?b=c HTTP/1.1");
  CHECK(log.contents[5].second == "512");
  log.Clear();
  CHECK((*p)->Parse("garbage", &log, &err) == ParseOutcome::kInvalid);
}

TEST_CASE("regex matches inside a buffer without a terminating NUL") {
  auto p = MakeRegexParser(R"((?P<word>[a-z]+))");
  REQUIRE(p.ok());
  std::string buf = "abc123";
  ParsedLog log;
  std::string err;
  REQUIRE((*p)->Parse(std::string_view(buf).substr(0, 2), &log, &err) == ParseOutcome::kLog);
  CHECK(log.contents[0].second == "ab");
}

TEST_CASE("a __time__ group sets the log time") {
  auto p = MakeRegexParser(R"((?P<__time__>[0-9]+) (?P<msg>.*))");
  REQUIRE(p.ok());
  ParsedLog log;
  std::string err;
  REQUIRE((*p)->Parse("1700000000 hello", &log, &err) == ParseOutcome::kLog);
  CHECK(log.has_time);
  CHECK(log.time == 1700000000u);
  CHECK(log.contents.size() == 1);
}
