#include "core/produce/record.h"

#include <doctest/doctest.h>

using namespace slsflow;

TEST_CASE("AddField routes the reserved keys consume writes") {
  ParsedLog log;
  CHECK(log.AddField("__time__", "1700000000").ok());
  CHECK(log.AddField("__time_ns__", "123").ok());
  CHECK(log.AddField("__topic__", "t").ok());
  CHECK(log.AddField("__source__", "s").ok());
  CHECK(log.AddField("__tag__:env", "prod").ok());
  CHECK(log.AddField("__hash_key__", "k").ok());
  CHECK(log.AddField("__shard__", "3").ok());
  CHECK(log.AddField("__cursor__", "MTIz").ok());
  CHECK(log.AddField("msg", "hi").ok());
  CHECK(log.has_time);
  CHECK(log.time == 1700000000u);
  CHECK(log.has_time_ns);
  CHECK(log.time_ns == 123u);
  CHECK(log.topic == "t");
  CHECK(log.source == "s");
  REQUIRE(log.tags.size() == 1);
  CHECK(log.tags[0].first == "env");
  CHECK(log.hash_key == "k");
  REQUIRE(log.contents.size() == 1);
  CHECK(log.contents[0].first == "msg");
}

TEST_CASE("bad times are refused, milliseconds become seconds") {
  ParsedLog log;
  CHECK_FALSE(log.AddField("__time__", "abc").ok());
  CHECK_FALSE(log.AddField("__time__", "").ok());
  CHECK_FALSE(log.AddField("__time_ns__", "1000000000").ok());
  CHECK(log.AddField("__time__", "1700000000123").ok());
  CHECK(log.time == 1700000000u);
  uint32_t t = 0;
  CHECK_FALSE(ParseUnixSeconds("-1", &t));
}

TEST_CASE("UTF-8 validation") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ascii that is longer than eight bytes"));
  CHECK(IsValidUtf8("h\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80"));
  CHECK(IsValidUtf8(std::string("nul\0inside", 10)));
  CHECK_FALSE(IsValidUtf8("\xff"));
  CHECK_FALSE(IsValidUtf8("abcdefgh\xc3"));        // truncated
  CHECK_FALSE(IsValidUtf8("\xc0\xaf"));            // overlong
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));        // surrogate
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));    // > U+10FFFF
  CHECK(ToValidUtf8("a\xff" "b") == "a\xef\xbf\xbd" "b");
  CHECK(ToValidUtf8("ok \xc3\xa9") == "ok \xc3\xa9");
}
