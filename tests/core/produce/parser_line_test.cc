#include <doctest/doctest.h>

#include "core/produce/parser.h"

using namespace slsflow;

TEST_CASE("line mode puts the whole line under --key") {
  auto p = MakeParser({"line", "msg", ""});
  REQUIRE(p.ok());
  ParsedLog log;
  std::string err;
  CHECK((*p)->Parse("a \"quoted\"\ttab", &log, &err) == ParseOutcome::kLog);
  REQUIRE(log.contents.size() == 1);
  CHECK(log.contents[0].first == "msg");
  CHECK(log.contents[0].second == "a \"quoted\"\ttab");
  log.Clear();
  CHECK((*p)->Parse("", &log, &err) == ParseOutcome::kLog);  // an empty line is an empty value
  CHECK(log.contents[0].second.empty());
  log.Clear();
  CHECK((*p)->Parse("bin\xff\xfe", &log, &err) == ParseOutcome::kInvalid);
  CHECK(err.find("UTF-8") != std::string::npos);
}

TEST_CASE("MakeParser refuses unknown modes and regex without a pattern") {
  CHECK(MakeParser({"xml", "content", ""}).status().kind() == ErrorKind::kUsage);
  CHECK(MakeParser({"regex", "content", ""}).status().kind() == ErrorKind::kUsage);
  CHECK(MakeParser({"line", "", ""}).status().kind() == ErrorKind::kUsage);
}
