#include "core/consume/request.h"

#include <doctest/doctest.h>

namespace slsflow {
namespace {

TEST_CASE("left-out flags take the recorded values; different explicit values are named") {
  RequestFlags recorded = {{"--from", "yesterday"}, {"--to", "today"}, {"--format", "jsonl"}, {"--grep", ""}};
  auto same = MergeRequest(recorded, {{"--from", "yesterday"}});
  CHECK(same.differences.empty());
  CHECK(same.flags.at("--to") == "today");
  auto other = MergeRequest(recorded, {{"--to", "-1h"}, {"--grep", "a"}});
  REQUIRE(other.differences.size() == 2);
  CHECK(other.differences[0] == "--to was 'today', now '-1h'");
  CHECK(other.differences[1] == "--grep was '', now 'a'");
  // A state without a recorded request takes whatever is given.
  CHECK(MergeRequest({}, {{"--from", "end"}}).differences.empty());
}

TEST_CASE("parsing fills and records the defaults, and keeps relative times as typed") {
  RequestFlags f = {{"--to", "today"}};
  auto r = ParseRequest(&f, RequestDefaults{}, 1765000000);
  REQUIRE(r.ok());
  CHECK(f.at("--from") == "begin");  // a bounded run starts at the beginning
  CHECK(f.at("--to") == "today");
  CHECK(f.at("--format") == "jsonl");
  CHECK(r->to_unix == 1765000000 - 1765000000 % 86400);
  CHECK(f.count("--where") == 1);  // every request flag is recorded
  RequestFlags follow;
  REQUIRE(ParseRequest(&follow, RequestDefaults{}, 1765000000).ok());
  CHECK(follow.at("--from") == "end");
  RequestFlags raw = {{"--field", "msg"}, {"--grep", "a\nb"}, {"--fields", "x,y"}};
  auto p = ParseRequest(&raw, RequestDefaults{"pretty", ""}, 0);
  REQUIRE(p.ok());
  CHECK(p->format.format == "raw");
  CHECK(p->greps == std::vector<std::string>{"a", "b"});
  CHECK(p->format.fields == std::vector<std::string>{"x", "y"});
}

TEST_CASE("bad request values are usage errors naming the flag") {
  for (RequestFlags f :
       {RequestFlags{{"--from", "soon"}}, RequestFlags{{"--to", "begin"}}, RequestFlags{{"--last", "x"}},
        RequestFlags{{"--shards", "a"}}, RequestFlags{{"--from", "2000"}, {"--to", "1000"}}}) {
    auto r = ParseRequest(&f, RequestDefaults{}, 1765000000);
    CHECK(r.status().ExitCode() == 2);
  }
}

TEST_CASE("values survive the trip through one string") {
  CHECK(SplitValues(JoinValues({"a", "", "c"}, '\n'), '\n') == std::vector<std::string>{"a", "", "c"});
  CHECK(SplitValues("", ',').empty());
  CHECK(DescribeRequest({{"--from", "begin"}, {"--to", ""}}, {"--from", "--to"}) == "--from begin");
}

}  // namespace
}  // namespace slsflow
