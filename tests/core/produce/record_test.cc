#include "core/produce/record.h"

#include <doctest/doctest.h>

#include "core/produce/parser.h"

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
  CHECK_FALSE(IsValidUtf8("abcdefgh\xc3"));      // truncated
  CHECK_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  CHECK(ToValidUtf8("a\xff"
                    "b") ==
        "a\xef\xbf\xbd"
        "b");
  CHECK(ToValidUtf8("ok \xc3\xa9") == "ok \xc3\xa9");
}

namespace {

constexpr int64_t kNow = 1800000000;

ParsedLog LogWith(std::string_view key, std::string_view value) {
  ParsedLog log;
  log.time = static_cast<uint32_t>(kNow);
  log.has_time = true;
  log.contents.emplace_back(key, value);
  return log;
}

std::string Why(const ParsedLog& log) {
  std::string why;
  return LogWithinLimits(log, kNow, &why) ? std::string() : why;
}

}  // namespace

TEST_CASE("content keys: 1..128 bytes of letters, digits and '_', no leading digit, none reserved") {
  CHECK(Why(LogWith("level", "x")).empty());
  CHECK(Why(LogWith("_a1", "x")).empty());
  CHECK(Why(LogWith("__receive_time__", "x")).empty());
  CHECK(Why(LogWith(std::string(128, 'k'), "x")).empty());
  CHECK(Why(LogWith(std::string(129, 'k'), "x")).find("129 bytes") != std::string::npos);
  CHECK(Why(LogWith("1abc", "x")).find("starts with a digit") != std::string::npos);
  CHECK(Why(LogWith("a.b", "x")).find("other than letters, digits and '_'") != std::string::npos);
  CHECK(Why(LogWith("a-b", "x")) != "");
  CHECK(Why(LogWith("caf\xc3\xa9", "x")) != "");
  CHECK(Why(LogWith("", "x")).find("empty") != std::string::npos);
  for (const char* reserved :
       {"__time__", "__topic__", "__source__", "__partition_time__", "_extract_others_", "__extract_others__"})
    CHECK(Why(LogWith(reserved, "x")).find("reserved") != std::string::npos);
  CHECK(ContentKeyProblem("ok_key").empty());
  CHECK(ContentKeyProblem("bad\x01key").find("\\x01") != std::string::npos);
}

TEST_CASE("values: at most 1 MiB, UTF-8 checked where the parser did not") {
  std::string mib(kMaxValueBytes, 'v');
  CHECK(Why(LogWith("k", mib)).empty());
  std::string over = mib + "v";
  CHECK(Why(LogWith("k", over)).find("1 MiB") != std::string::npos);
  ParsedLog bin = LogWith("k", "\xff\xfe");
  CHECK(Why(bin).empty());  // the parsers check UTF-8 of text; only decoded bytes are checked here
  bin.has_binary = true;
  CHECK(Why(bin).find("not UTF-8") != std::string::npos);
  ParsedLog good_bin = LogWith("k", "caf\xc3\xa9\x00");
  good_bin.has_binary = true;
  CHECK(Why(good_bin).empty());
}

TEST_CASE("a log needs a content, a short topic and source, and a time within [-168 h, +15 min]") {
  ParsedLog empty;
  empty.time = static_cast<uint32_t>(kNow);
  CHECK(Why(empty).find("no content") != std::string::npos);
  ParsedLog meta = LogWith("k", "v");
  meta.has_topic = true;
  std::string long_topic(129, 't');
  meta.topic = long_topic;
  REQUIRE(meta.topic.size() == 129);
  CHECK(Why(meta).find("__topic__") != std::string::npos);
  ParsedLog t = LogWith("k", "v");
  t.time = static_cast<uint32_t>(kNow - 168 * 3600);
  CHECK(Why(t).empty());
  t.time -= 1;
  CHECK(Why(t).find("168 hours") != std::string::npos);
  t.time = static_cast<uint32_t>(kNow + 15 * 60);
  CHECK(Why(t).empty());
  t.time += 1;
  CHECK(Why(t).find("15 minutes") != std::string::npos);
}

TEST_CASE("the dead-letter reason key is dropped on input, so dead letters replay unchanged") {
  ParsedLog log;
  CHECK(log.AddField("__dead_letter_reason__", "InvalidKey: ...").ok());
  CHECK(log.contents.empty());
}

TEST_CASE("fixed keys are checked once: ContentKeysOk, and keys_checked spares the per-log check") {
  CHECK(ContentKeysOk({"__time__", "__time_ns__", "__topic__", "__tag__:env", "msg", "_id"}));
  CHECK_FALSE(ContentKeysOk({"__time__", "a.b"}));
  CHECK_FALSE(ContentKeysOk({"__partition_time__"}));  // a content key, and reserved
  CHECK_FALSE(ContentKeysOk({"9lives"}));
  auto line = MakeLineParser("content");
  ParsedLog log;
  std::string err;
  REQUIRE(line->Parse("x", &log, &err) == ParseOutcome::kLog);
  CHECK(log.keys_checked);
  auto bad = MakeLineParser("a.b");
  REQUIRE(bad->Parse("x", &log, &err) == ParseOutcome::kLog);
  CHECK_FALSE(log.keys_checked);
  log.time = static_cast<uint32_t>(kNow);
  CHECK(Why(log).find("'a.b'") != std::string::npos);
}

TEST_CASE("CheckedKeys: keys that repeat are compared, new ones checked, bad ones left to the limits check") {
  CheckedKeys cache;
  auto log_with = [](std::vector<std::string_view> keys) {
    ParsedLog log;
    log.time = static_cast<uint32_t>(kNow);
    for (auto k : keys) log.contents.emplace_back(k, "v");
    return log;
  };
  std::string long_key(12, 'k'), same_long(12, 'k'), other_long = std::string(11, 'k') + "j";
  ParsedLog a = log_with({"msg", "level", long_key});
  cache.Check(&a);
  CHECK(a.keys_checked);
  ParsedLog b = log_with({"msg", "level", same_long});  // equal bytes elsewhere in memory
  cache.Check(&b);
  CHECK(b.keys_checked);
  ParsedLog c = log_with({"msg", "level", other_long});  // differs in the last byte only
  cache.Check(&c);
  CHECK(c.keys_checked);
  ParsedLog bad = log_with({"msg", "a.b"});
  cache.Check(&bad);
  CHECK_FALSE(bad.keys_checked);
  CHECK(Why(bad).find("'a.b'") != std::string::npos);
  ParsedLog bad_again = log_with({"msg", "lev.l"});  // a bad key set is never cached
  cache.Check(&bad_again);
  CHECK_FALSE(bad_again.keys_checked);
  ParsedLog shorter = log_with({"msg", "levek", other_long});  // same lengths, one byte off
  cache.Check(&shorter);
  CHECK(shorter.keys_checked);
  ParsedLog sneaky = log_with({"msg", "leve.", other_long});
  cache.Check(&sneaky);
  CHECK_FALSE(sneaky.keys_checked);
}
