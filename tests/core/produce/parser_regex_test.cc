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

TEST_CASE("PCRE escapes become their POSIX spelling, in and out of brackets") {
  auto t = TranslateRegex(R"((?P<a>\D+)\t[\d\s\w\t.][[:alpha:]_]+\.\b)");
  REQUIRE_MESSAGE(t.ok(), t.status().ToString());
  CHECK(t->ere == "([^0-9]+)\t[0-9[:space:][:alnum:]_\t.][[:alpha:]_]+\\.\\b");
  // ']' first in a bracket (also after '^') is a literal, not its end; an
  // escaped ']' inside one means the character.
  t = TranslateRegex(R"((?P<a>[]x]+)(?P<b>[^]y]*)(?P<c>[\]]))");
  REQUIRE_MESSAGE(t.ok(), t.status().ToString());
  CHECK(t->ere == "([]x]+)([^]y]*)([]])");
  // Names may hold the characters of tag keys.
  t = TranslateRegex(R"((?P<__tag__:host.name-1>\S+))");
  REQUIRE(t.ok());
  CHECK(t->names[0] == "__tag__:host.name-1");
}

TEST_CASE("what POSIX ERE cannot do is a usage error that says what is wrong") {
  struct Case {
    const char* pattern;
    const char* says;
  } cases[] = {
      {R"((?P<a>x)\)", "trailing backslash"},
      {R"((?P<a>\p{L}))", "escape \\p is not supported by POSIX ERE"},
      {R"((?P<a>\1))", "escape \\1 is not supported"},
      {R"((?P<a>[\S]))", "\\S inside [...] is not supported; write the class out"},
      {R"((?P<a>[[:alpha]))", "unterminated [: class"},
      {R"((?P<>x))", "bad group name at offset 0"},
      {R"(x(?P<a b>y))", "bad group name at offset 1"},
      {R"((?P<a>x)(?!y))", "only (?P<name>...), (?<name>...) and (?:...) groups are supported"},
      {R"((?:x)(y))", "needs at least one named group"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.pattern);
    auto t = TranslateRegex(c.pattern);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().kind() == ErrorKind::kUsage);
    CHECK(t.status().message().find(c.says) != std::string::npos);
    CHECK(t.status().ExitCode() == 2);
  }
}

TEST_CASE("a pattern that translates but does not compile names the translated ERE") {
  auto p = MakeRegexParser(R"((?P<n>x{3,1}))");
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().kind() == ErrorKind::kUsage);
  CHECK(p.status().message().find("--regex does not compile as POSIX ERE ((x{3,1})): ") == 0);
  CHECK(MakeRegexParser("(?P<a>x").status().kind() == ErrorKind::kUsage);  // unbalanced
}

TEST_CASE("regex: a group that did not take part adds no field; unnamed groups add none") {
  auto p = MakeRegexParser(R"(^(x)?(?P<opt>[0-9]+:)?(?P<msg>.*)$)");
  REQUIRE(p.ok());
  ParsedLog log;
  std::string err;
  REQUIRE((*p)->Parse("hello", &log, &err) == ParseOutcome::kLog);
  REQUIRE(log.contents.size() == 1);
  CHECK(log.contents[0] == KeyValue("msg", "hello"));
  log.Clear();
  REQUIRE((*p)->Parse("x42:hi", &log, &err) == ParseOutcome::kLog);
  REQUIRE(log.contents.size() == 2);
  CHECK(log.contents[0] == KeyValue("opt", "42:"));
  CHECK(log.contents[1] == KeyValue("msg", "hi"));
}

TEST_CASE("regex: lines it cannot use are refused with the reason, and the parser goes on") {
  auto p = MakeRegexParser(R"((?P<__time__>\S+) (?P<__topic__>\S*) ?(?P<msg>[a-z]+)?)");
  REQUIRE(p.ok());
  ParsedLog log;
  std::string err;
  CHECK((*p)->Parse("\xff\xfe 1", &log, &err) == ParseOutcome::kInvalid);
  CHECK(err == "not valid UTF-8");
  log.Clear();
  CHECK((*p)->Parse("soon t hi", &log, &err) == ParseOutcome::kInvalid);
  CHECK(err == "__time__ is not unix seconds: 'soon'");
  log.Clear();
  CHECK((*p)->Parse("1700000000 t ", &log, &err) == ParseOutcome::kInvalid);
  CHECK(err == "no named group matched a content key");
  log.Clear();
  CHECK((*p)->Parse("nospace", &log, &err) == ParseOutcome::kInvalid);
  CHECK(err == "the line does not match --regex");
  log.Clear();
  REQUIRE((*p)->Parse("1700000000 t hi", &log, &err) == ParseOutcome::kLog);
  CHECK(log.topic == "t");
  CHECK(log.contents[0] == KeyValue("msg", "hi"));
}

TEST_CASE("regex: group names that break the SLS key rule are not vouched for") {
  auto p = MakeRegexParser(R"((?P<1st>\S+) (?P<host.name>\S+))");
  REQUIRE(p.ok());
  ParsedLog log;
  std::string err;
  REQUIRE((*p)->Parse("a b", &log, &err) == ParseOutcome::kLog);
  CHECK(log.contents.size() == 2);
  CHECK_FALSE(log.keys_checked);
}
