#include "core/consume/filter.h"

#include <doctest/doctest.h>

#include <string>

#include "sls.pb.h"
#include "tests/loggroup_view_util.h"

namespace slsflow {
namespace {

struct KV {
  std::string key;
  std::string value;
};

sls::LogGroup ProtoGroup(std::string topic, std::string source, const std::vector<KV>& tags,
                         const std::vector<std::vector<KV>>& logs) {
  sls::LogGroup g;
  g.set_topic(topic);
  g.set_source(source);
  for (const KV& t : tags) {
    auto* tag = g.add_logtags();
    tag->set_key(t.key);
    tag->set_value(t.value);
  }
  for (const auto& contents : logs) {
    auto* log = g.add_logs();
    log->set_time(1);
    for (const KV& c : contents) {
      auto* kv = log->add_contents();
      kv->set_key(c.key);
      kv->set_value(c.value);
    }
  }
  return g;
}

// The filter reads groups as consume decodes them: in place.
test::GroupView Group(std::string topic, std::string source, const std::vector<KV>& tags,
                      const std::vector<std::vector<KV>>& logs) {
  return test::GroupView(ProtoGroup(std::move(topic), std::move(source), tags, logs));
}

LogFilter Make(const std::vector<std::string>& greps, const std::vector<std::string>& wheres) {
  Result<LogFilter> f = LogFilter::Create(greps, wheres);
  REQUIRE_MESSAGE(f.ok(), f.status().ToString());
  return std::move(f).value();
}

const test::GroupView kWeb = Group("web", "10.0.0.1", {{"host", "h1"}, {"env", "prod"}},
                                   {{{"level", "ERROR"}, {"message", "disk full on /dev/sda"}},
                                    {{"level", "INFO"}, {"message", "started in 20ms"}},
                                    {{"message", "no level here"}}});

TEST_CASE("filter: empty filter matches everything") {
  LogFilter f = Make({}, {});
  CHECK(f.empty());
  CHECK_FALSE(f.has_log_conditions());
  CHECK(f.MatchGroup(kWeb));
  for (int i = 0; i < kWeb.get().logs_size(); ++i) CHECK(f.MatchLog(kWeb, i));
}

TEST_CASE("filter: topic, source and tags are decided per group") {
  CHECK(Make({}, {"topic=web"}).MatchGroup(kWeb));
  CHECK(Make({}, {"__topic__=web"}).MatchGroup(kWeb));
  CHECK_FALSE(Make({}, {"topic=api"}).MatchGroup(kWeb));
  CHECK(Make({}, {"topic!=api"}).MatchGroup(kWeb));
  CHECK_FALSE(Make({}, {"topic!=web"}).MatchGroup(kWeb));
  CHECK(Make({}, {"source=10.0.0.1"}).MatchGroup(kWeb));
  CHECK_FALSE(Make({}, {"__source__=10.0.0.2"}).MatchGroup(kWeb));
  CHECK(Make({}, {"tag:host=h1"}).MatchGroup(kWeb));
  CHECK(Make({}, {"__tag__:env=prod"}).MatchGroup(kWeb));
  CHECK_FALSE(Make({}, {"tag:host=h2"}).MatchGroup(kWeb));
  CHECK_FALSE(Make({}, {"tag:missing=x"}).MatchGroup(kWeb));
  CHECK(Make({}, {"tag:missing!=x"}).MatchGroup(kWeb));
  CHECK(Make({}, {"tag:host!=h2"}).MatchGroup(kWeb));
  CHECK_FALSE(Make({}, {"tag:host!=h1"}).MatchGroup(kWeb));
  // An empty topic is matched by "topic=".
  const test::GroupView bare = Group("", "", {}, {{{"a", "b"}}});
  CHECK(Make({}, {"topic="}).MatchGroup(bare));
  CHECK_FALSE(Make({}, {"topic="}).MatchGroup(kWeb));
  // Group-only filters have no per-log part.
  LogFilter f = Make({}, {"topic=web", "tag:host=h1"});
  CHECK_FALSE(f.empty());
  CHECK_FALSE(f.has_log_conditions());
  CHECK(f.MatchGroup(kWeb));
  CHECK_FALSE(Make({}, {"topic=web", "tag:host=h2"}).MatchGroup(kWeb));  // AND
}

TEST_CASE("filter: content fields per log, with != and missing keys") {
  LogFilter eq = Make({}, {"level=ERROR"});
  CHECK(eq.has_log_conditions());
  CHECK(eq.MatchGroup(kWeb));
  CHECK(eq.MatchLog(kWeb, 0));
  CHECK_FALSE(eq.MatchLog(kWeb, 1));
  CHECK_FALSE(eq.MatchLog(kWeb, 2));  // missing key never equals

  LogFilter ne = Make({}, {"level!=ERROR"});
  CHECK_FALSE(ne.MatchLog(kWeb, 0));
  CHECK(ne.MatchLog(kWeb, 1));
  CHECK(ne.MatchLog(kWeb, 2));  // missing key is "not equal"

  // field: reaches a content key named like a group field; values may hold '='.
  const test::GroupView g = Group("t", "s", {}, {{{"topic", "billing"}, {"q", "a=b"}}});
  CHECK(Make({}, {"field:topic=billing"}).MatchLog(g, 0));
  CHECK_FALSE(Make({}, {"topic=billing"}).MatchGroup(g));
  CHECK(Make({}, {"q=a=b"}).MatchLog(g, 0));
  CHECK(Make({}, {"field:q!=a"}).MatchLog(g, 0));
  // AND across flags.
  CHECK(Make({}, {"level=ERROR", "message=disk full on /dev/sda"}).MatchLog(kWeb, 0));
  CHECK_FALSE(Make({}, {"level=ERROR", "message=x"}).MatchLog(kWeb, 0));
}

TEST_CASE("filter: --grep matches any content value") {
  LogFilter f = Make({"disk|started"}, {});
  CHECK(f.has_log_conditions());
  CHECK(f.MatchLog(kWeb, 0));
  CHECK(f.MatchLog(kWeb, 1));
  CHECK_FALSE(f.MatchLog(kWeb, 2));
  CHECK(Make({"^ERROR$"}, {}).MatchLog(kWeb, 0));  // the level value
  CHECK_FALSE(Make({"^ERROR$"}, {}).MatchLog(kWeb, 1));
  CHECK(Make({"[0-9]+ms"}, {}).MatchLog(kWeb, 1));
  CHECK(Make({"no level"}, {}).MatchLog(kWeb, 2));     // literal fast path
  CHECK_FALSE(Make({"level"}, {}).MatchLog(kWeb, 0));  // keys are not searched
  // Several greps: all must match (each in any value).
  CHECK(Make({"ERROR", "sda"}, {}).MatchLog(kWeb, 0));
  CHECK_FALSE(Make({"ERROR", "started"}, {}).MatchLog(kWeb, 0));
  // Topic/source/tags are not searched by grep.
  CHECK_FALSE(Make({"web"}, {}).MatchLog(kWeb, 0));
  // Grep and where combine.
  CHECK(Make({"disk"}, {"level=ERROR"}).MatchLog(kWeb, 0));
  CHECK_FALSE(Make({"disk"}, {"level=INFO"}).MatchLog(kWeb, 0));
}

TEST_CASE("filter: grep sees the whole value, NULs and bytes included") {
  const test::GroupView g = Group("", "", {}, {{{"v", std::string("abc\0def", 7)}}, {{"v", ""}}, {{"v", "日志 \xFF"}}});
  CHECK(Make({"def"}, {}).MatchLog(g, 0));    // after the NUL, literal path
  CHECK(Make({"de+f$"}, {}).MatchLog(g, 0));  // after the NUL, regex path
  CHECK(Make({"^$"}, {}).MatchLog(g, 1));
  CHECK_FALSE(Make({"^$"}, {}).MatchLog(g, 0));
  CHECK(Make({"日志"}, {}).MatchLog(g, 2));
  // '$' anchors at the value's real end, after the embedded NUL.
  CHECK_FALSE(Make({"^abc$"}, {}).MatchLog(g, 0));
}

TEST_CASE("filter: bad input is a usage error") {
  for (const char* where : {"topic", "=x", "!=x", "tag:=v", "field:=v", "__tag__:=v", "", "__time__=1", "__shard__=0",
                            "__cursor__!=x", "__time_ns__=0", "__logstore__=app"}) {
    INFO(where);
    Result<LogFilter> f = LogFilter::Create({}, {where});
    REQUIRE_FALSE(f.ok());
    CHECK(f.status().kind() == ErrorKind::kUsage);
  }
  for (const char* grep : {"(", "[a-", "a{1", "*?+("}) {
    INFO(grep);
    Result<LogFilter> f = LogFilter::Create({grep}, {});
    REQUIRE_FALSE(f.ok());
    CHECK(f.status().kind() == ErrorKind::kUsage);
    CHECK(f.status().message().find("--grep") != std::string::npos);
  }
}

TEST_CASE("filter: movable, and a moved filter still works") {
  LogFilter a = Make({"disk"}, {"topic=web"});
  LogFilter b = std::move(a);
  CHECK(b.MatchGroup(kWeb));
  CHECK(b.MatchLog(kWeb, 0));
  LogFilter c;
  c = std::move(b);
  CHECK_FALSE(c.MatchLog(kWeb, 1));
  // The moved-from one is an empty filter, not a crash.
  CHECK(b.empty());  // NOLINT(bugprone-use-after-move)
  CHECK(b.MatchGroup(kWeb));
  CHECK(b.MatchLog(kWeb, 1));
}

}  // namespace
}  // namespace slsflow
