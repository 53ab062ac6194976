// PutLogs content rules (doc/protocol.md §10.4, §14): one case per rule,
// each with the status, code and what the message names.
#include "emulator/log_rules.h"

#include <doctest/doctest.h>

#include <cctype>
#include <random>

#include "emulator/loggroup_check.h"
#include "tests/emulator/log_rules_oracle.h"

#include "sls.pb.h"

namespace slsflow::emulator {
namespace {

constexpr int64_t kNow = 1795550000;

struct Group {
  sls::LogGroup g;
  sls::Log* Add(uint32_t time = kNow) {
    auto* log = g.add_logs();
    log->set_time(time);
    return log;
  }
  static void Content(sls::Log* log, const std::string& k, const std::string& v) {
    auto* c = log->add_contents();
    c->set_key(k);
    c->set_value(v);
  }
  std::string Bytes() const { return g.SerializeAsString(); }
};

std::string OneLog(const std::string& key, const std::string& value, uint32_t time = kNow) {
  Group g;
  Group::Content(g.Add(time), key, value);
  return g.Bytes();
}

// "<status> <code>", or "OK".
std::string Verdict(const std::string& raw, const EmulatorLimits& limits = {}) {
  Status st = CheckLogRules(raw, limits, kNow);
  if (st.ok()) return "OK";
  return std::to_string(st.http_status()) + " " + st.sls_code();
}

std::string Message(const std::string& raw, const EmulatorLimits& limits = {}) {
  return CheckLogRules(raw, limits, kNow).message();
}

}  // namespace

TEST_CASE("a well-formed group passes: keys of letters, digits and _, UTF-8 values, times in the window") {
  Group g;
  auto* log = g.Add();
  Group::Content(log, "level", "info");
  Group::Content(log, "_msg2", "h\xc3\xa9llo \xe4\xb8\xad \xf0\x9f\x98\x80");
  Group::Content(log, "empty", "");
  Group::Content(log, std::string(128, 'k'), std::string(1 << 20, 'v'));
  log->set_timens(999999999);
  Group::Content(g.Add(kNow - 168 * 3600), "k", "oldest accepted");
  Group::Content(g.Add(kNow + 15 * 60), "k", "latest accepted");
  g.g.set_topic(std::string(128, 't'));
  g.g.set_source("10.0.0.1");
  auto* tag = g.g.add_logtags();
  tag->set_key("__path__");  // tag keys follow no key rules
  tag->set_value("/var/log/a.log");
  CHECK(Verdict(g.Bytes()) == "OK");
  CHECK(Verdict("") == "OK");  // an empty group writes nothing and breaks nothing
}

TEST_CASE("content key: 128 bytes at most") {
  CHECK(Verdict(OneLog(std::string(129, 'k'), "v")) == "400 InvalidKey");
  CHECK(Message(OneLog(std::string(129, 'k'), "v")).find("129 bytes, more than 128") != std::string::npos);
  EmulatorLimits l;
  l.max_key_bytes = 4;
  CHECK(Verdict(OneLog("abcde", "v"), l) == "400 InvalidKey");
}

TEST_CASE("content key: letters, digits and underscore only, not empty") {
  for (const char* bad : {"a.b", "a-b", "a b", "a:b", "caf\xc3\xa9", "a\x01"}) {
    CAPTURE(bad);
    CHECK(Verdict(OneLog(bad, "v")) == "400 InvalidKey");
  }
  CHECK(Message(OneLog("a.b", "v")).find("log 0: content key 'a.b' has a character other than") == 0);
  CHECK(Verdict(OneLog("", "v")) == "400 InvalidKey");
  CHECK(Message(OneLog("a\x01", "v")).find("'a\\x01'") != std::string::npos);  // quoted printably
}

TEST_CASE("content key: not starting with a digit") {
  CHECK(Verdict(OneLog("1abc", "v")) == "400 InvalidKey");
  CHECK(Message(OneLog("1abc", "v")).find("starts with a digit") != std::string::npos);
  CHECK(Verdict(OneLog("a1", "v")) == "OK");
}

TEST_CASE("content key: not a name Log Service reserves") {
  for (const char* reserved :
       {"__time__", "__source__", "__topic__", "__partition_time__", "_extract_others_", "__extract_others__"}) {
    CAPTURE(reserved);
    CHECK(IsReservedContentKey(reserved));
    CHECK(Verdict(OneLog(reserved, "v")) == "400 InvalidKey");
  }
  CHECK(Message(OneLog("__time__", "v")).find("is reserved") != std::string::npos);
  CHECK(Verdict(OneLog("__tag__", "v")) == "OK");
  CHECK(Verdict(OneLog("__time", "v")) == "OK");
}

TEST_CASE("content value: 1 MiB at most") {
  CHECK(Verdict(OneLog("k", std::string((1 << 20) + 1, 'v'))) == "400 PostBodyInvalid");
  CHECK(Message(OneLog("k", std::string((1 << 20) + 1, 'v'))).find("1048577 bytes, more than 1048576") !=
        std::string::npos);
  EmulatorLimits l;
  l.max_value_bytes = 3;
  CHECK(Verdict(OneLog("k", "abcd"), l) == "400 PostBodyInvalid");
}

TEST_CASE("values, topic, source and tags must be UTF-8 unless told otherwise") {
  for (const char* bad : {"\xff", "\xc3", "\xc0\x80" /* overlong */, "\xed\xa0\x80" /* surrogate */,
                          "\xf4\x90\x80\x80" /* past U+10FFFF */, "abcdefgh\x80"}) {
    CAPTURE(bad);
    CHECK(Verdict(OneLog("k", bad)) == "400 InvalidEncoding");
  }
  CHECK(Message(OneLog("msg", "\xff")).find("log 0: the value of 'msg' is not UTF-8") == 0);
  Group topic;
  Group::Content(topic.Add(), "k", "v");
  topic.g.set_topic("\xff");
  CHECK(Verdict(topic.Bytes()) == "400 InvalidEncoding");
  Group tag;
  Group::Content(tag.Add(), "k", "v");
  tag.g.add_logtags()->set_key("t");
  tag.g.mutable_logtags(0)->set_value("\xfe");
  CHECK(Verdict(tag.Bytes()) == "400 InvalidEncoding");
  EmulatorLimits lenient;
  lenient.accept_invalid_utf8 = true;
  CHECK(Verdict(OneLog("k", "\xff\x00\xfe"), lenient) == "OK");
  CHECK(Verdict(topic.Bytes(), lenient) == "OK");
  CHECK(Verdict(tag.Bytes(), lenient) == "OK");
}

TEST_CASE("every log needs at least one content") {
  Group g;
  Group::Content(g.Add(), "k", "v");
  g.Add();
  CHECK(Verdict(g.Bytes()) == "400 PostBodyInvalid");
  CHECK(Message(g.Bytes()).find("log 1 has no contents") == 0);
}

TEST_CASE("log time: within [now - 168 h, now + 15 min], as configured") {
  CHECK(Verdict(OneLog("k", "v", kNow - 168 * 3600 - 1)) == "400 PostBodyInvalid");
  CHECK(Verdict(OneLog("k", "v", kNow + 15 * 60 + 1)) == "400 PostBodyInvalid");
  CHECK(Message(OneLog("k", "v", 1700000000)).find("post data time is out of range") == 0);
  EmulatorLimits l;
  l.max_log_age_s = 60;
  l.max_log_ahead_s = 0;  // unchecked
  CHECK(Verdict(OneLog("k", "v", kNow - 61), l) == "400 PostBodyInvalid");
  CHECK(Verdict(OneLog("k", "v", kNow + 86400 * 365), l) == "OK");
  l.max_log_age_s = 0;
  CHECK(Verdict(OneLog("k", "v", 1), l) == "OK");
}

TEST_CASE("TimeNs must be a nanosecond part") {
  Group g;
  auto* log = g.Add();
  Group::Content(log, "k", "v");
  log->set_timens(1000000000);
  CHECK(Verdict(g.Bytes()) == "400 InvalidTimestamp");
}

TEST_CASE("topic and source: 128 bytes at most") {
  Group g;
  Group::Content(g.Add(), "k", "v");
  g.g.set_topic(std::string(129, 't'));
  CHECK(Verdict(g.Bytes()) == "400 PostBodyInvalid");
  CHECK(Message(g.Bytes()).find("topic is 129 bytes") == 0);
  g.g.set_topic("t");
  g.g.set_source(std::string(129, 's'));
  CHECK(Verdict(g.Bytes()) == "400 PostBodyInvalid");
}

TEST_CASE("logs per request: unlimited by default, the configured count otherwise") {
  Group g;
  for (int i = 0; i < 5000; ++i) Group::Content(g.Add(), "k", "v");
  CHECK(Verdict(g.Bytes()) == "OK");
  EmulatorLimits l;
  l.max_logs_per_request = 4096;
  CHECK(Verdict(g.Bytes(), l) == "400 PostBodyTooLarge");
  CHECK(Message(g.Bytes(), l).find("more than 4096 logs") == 0);
}

TEST_CASE("the last occurrence of a singular field decides, as protobuf reads it") {
  Group g;
  Group::Content(g.Add(), "k", "v");
  // A second Time (field 1) appended to the log: protobuf keeps the later.
  std::string raw = g.Bytes();
  sls::LogGroup old_then_new;
  REQUIRE(old_then_new.ParseFromString(raw));
  std::string log = old_then_new.logs(0).SerializeAsString();
  sls::Log first_old;
  first_old.set_time(1);
  std::string patched_log = first_old.SerializeAsString() + log;  // time 1, then kNow
  std::string group = std::string("\x0a", 1) + static_cast<char>(patched_log.size()) + patched_log;
  CHECK(Verdict(group) == "OK");
}

}  // namespace slsflow::emulator

namespace slsflow::emulator {
using test::OracleAccepts;

TEST_CASE("CheckLogRules agrees with the rules applied to protobuf's parse, on mutated groups") {
  std::mt19937 rng(4242);
  Group base;
  for (int i = 0; i < 4; ++i) {
    auto* log = base.Add(static_cast<uint32_t>(kNow - 100 * i));
    Group::Content(log, "key_" + std::to_string(i), "v\xc3\xa9 " + std::to_string(i));
    Group::Content(log, "msg", "hello");
    log->set_timens(static_cast<uint32_t>(i * 1000));
  }
  base.g.set_topic("topic");
  base.g.set_source("10.0.0.1");
  auto* tag = base.g.add_logtags();
  tag->set_key("env");
  tag->set_value("prod");
  const std::string raw = base.Bytes();
  EmulatorLimits limits;
  limits.max_key_bytes = 6;  // so that mutations reach the size rules too
  limits.max_value_bytes = 8;
  limits.max_topic_bytes = 8;
  limits.max_log_age_s = 3600;
  REQUIRE(CheckLogRules(raw, limits, kNow).ok());
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 30000; ++i) {
    std::string s = raw;
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      size_t pos = rng() % s.size();
      switch (rng() % 5) {
        case 0:
          s[pos] = static_cast<char>(rng());
          break;
        case 1:
          s[pos] = static_cast<char>(s[pos] ^ (1 << (rng() % 8)));
          break;
        case 2:
          s.erase(pos, 1 + rng() % 4);
          break;
        case 3:
          s.insert(pos, 1, static_cast<char>(rng()));
          break;
        case 4:
          s.insert(pos, s.substr(rng() % s.size(), 1 + rng() % 6));
          break;
      }
    }
    limits.accept_invalid_utf8 = (i % 7 == 0);
    uint32_t n = 0;
    if (!CheckLogGroup(s, &n)) continue;  // the wire check's own test covers these
    const bool mine = CheckLogRules(s, limits, kNow).ok();
    REQUIRE_MESSAGE(mine == OracleAccepts(s, limits, kNow), "mutation " << i);
    (mine ? accepted : rejected)++;
  }
  CHECK(accepted > 100);  // both outcomes are exercised
  CHECK(rejected > 1000);
}

}  // namespace slsflow::emulator
