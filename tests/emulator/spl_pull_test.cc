// SPL over stored LogGroups: what protobuf reads back from the reply, the
// bytes kept as stored, and the counts for the SPL headers.
#include <doctest/doctest.h>
#include <google/protobuf/unknown_field_set.h>

#include "emulator/spl_pull.h"
#include "sls.pb.h"

namespace slsflow::emulator::spl {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string Group(const std::vector<Fields>& logs, const std::string& topic = "app", bool with_ns = false) {
  sls::LogGroup g;
  uint32_t t = 1700000000;
  for (const Fields& fields : logs) {
    auto* log = g.add_logs();
    log->set_time(t++);
    if (with_ns) log->set_timens(123456789);
    for (auto& [k, v] : fields) {
      auto* c = log->add_contents();
      c->set_key(k);
      c->set_value(v);
    }
  }
  g.set_topic(topic);
  g.set_source("10.1.2.3");
  g.set_machineuuid("m-1");
  auto* tag = g.add_logtags();
  tag->set_key("__hostname__");
  tag->set_value("web-1");
  return g.SerializeAsString();
}

struct Ran {
  sls::LogGroupList list;
  std::string bytes;
  PullStats stats;
};

Ran Run(const std::string& query, const std::vector<std::string>& groups) {
  auto program = ParseSpl(query);
  REQUIRE_MESSAGE(program.ok(), program.status().message());
  std::vector<std::string_view> views(groups.begin(), groups.end());
  Ran r;
  Status st = RunOnGroups(*program, views, &r.bytes, &r.stats);
  REQUIRE_MESSAGE(st.ok(), st.message());
  REQUIRE(r.list.ParseFromString(r.bytes));
  return r;
}

std::string Render(const sls::Log& log) {
  std::string s;
  for (auto& c : log.contents()) s += (s.empty() ? "" : " ") + c.key() + "=" + c.value();
  return s;
}

const std::vector<Fields> kMixed = {
    {{"level", "ERROR"}, {"message", "disk full"}, {"host", "a"}},
    {{"level", "INFO"}, {"message", "ok"}, {"host", "b"}},
    {{"level", "ERROR"}, {"message", "timeout"}, {"host", "c"}},
};

}  // namespace

TEST_CASE("where keeps matching logs as stored, and the group around them") {
  std::vector<std::string> groups = {Group(kMixed, "one"), Group({{{"level", "INFO"}}}, "two"),
                                     Group({{{"level", "ERROR"}, {"message", "x"}}}, "three")};
  Ran r = Run("* | where level = 'ERROR'", groups);
  REQUIRE(r.list.loggroups_size() == 2);  // "two" had no match: not sent
  const sls::LogGroup& one = r.list.loggroups(0);
  CHECK(one.topic() == "one");
  CHECK(one.source() == "10.1.2.3");
  CHECK(one.machineuuid() == "m-1");
  REQUIRE(one.logtags_size() == 1);
  CHECK(one.logtags(0).value() == "web-1");
  REQUIRE(one.logs_size() == 2);
  sls::LogGroup original;
  REQUIRE(original.ParseFromString(groups[0]));
  // Kept logs are the stored ones, byte for byte.
  CHECK(one.logs(0).SerializeAsString() == original.logs(0).SerializeAsString());
  CHECK(one.logs(1).SerializeAsString() == original.logs(2).SerializeAsString());
  CHECK(r.list.loggroups(1).topic() == "three");

  CHECK(r.stats.raw_groups == 3);
  CHECK(r.stats.raw_lines == 5);
  CHECK(r.stats.result_lines == 3);
  CHECK(r.stats.result_groups == 2);
  CHECK(r.stats.failed_lines == 0);
  sls::LogGroupList before;
  for (auto& g : groups) REQUIRE(before.add_loggroups()->ParseFromString(g));
  CHECK(r.stats.raw_bytes == before.ByteSizeLong());
}

TEST_CASE("a group whose logs all match comes back byte for byte") {
  std::vector<std::string> groups = {Group(kMixed)};
  Ran r = Run("* | where host is not null", groups);
  REQUIRE(r.list.loggroups_size() == 1);
  CHECK(r.list.loggroups(0).SerializeAsString() == groups[0]);
  // `*` alone is the whole LogGroupList as stored.
  Ran all = Run("*", groups);
  sls::LogGroupList want;
  want.add_loggroups()->ParseFromString(groups[0]);
  CHECK(all.bytes == want.SerializeAsString());
  CHECK(all.stats.raw_bytes == all.bytes.size());
}

TEST_CASE("project and extend rewrite the logs: fields as asked, time and TimeNs kept") {
  std::vector<std::string> groups = {Group(kMixed, "t", /*with_ns=*/true)};
  Ran r = Run("* | where level = 'ERROR' | project level, message", groups);
  REQUIRE(r.list.loggroups_size() == 1);
  const sls::LogGroup& g = r.list.loggroups(0);
  REQUIRE(g.logs_size() == 2);
  CHECK(Render(g.logs(0)) == "level=ERROR message=disk full");
  CHECK(Render(g.logs(1)) == "level=ERROR message=timeout");
  CHECK(g.logs(0).time() == 1700000000);
  CHECK(g.logs(1).time() == 1700000002);
  CHECK(g.logs(1).has_timens());
  CHECK(g.logs(1).timens() == 123456789);
  CHECK(g.topic() == "t");
  CHECK(g.logtags_size() == 1);

  Ran e =
      Run("* | extend n = cast(1 as bigint) + 1, d = 0.5, ok = host = 'a', host = cast(missing as varchar) "
          "| project-away message",
          {Group(kMixed)});
  const sls::LogGroup& eg = e.list.loggroups(0);
  REQUIRE(eg.logs_size() == 3);
  CHECK(Render(eg.logs(0)) == "level=ERROR n=2 d=0.5 ok=true");
  CHECK(Render(eg.logs(1)) == "level=INFO n=2 d=0.5 ok=false");
  CHECK_FALSE(eg.logs(0).has_timens());
}

TEST_CASE("a log projected down to nothing is still a log (time only)") {
  Ran r = Run("* | project nothere", {Group(kMixed)});
  REQUIRE(r.list.loggroups_size() == 1);
  REQUIRE(r.list.loggroups(0).logs_size() == 3);
  CHECK(r.list.loggroups(0).logs(0).contents_size() == 0);
  CHECK(r.stats.result_lines == 3);
}

TEST_CASE("runtime failures are counted and the failed logs left out") {
  std::vector<Fields> logs = {{{"bytes", "15000"}}, {{"bytes", "-"}}, {{"bytes", "9"}}, {{"other", "x"}}};
  Ran r = Run("* | where cast(bytes as bigint) > 100", {Group(logs)});
  REQUIRE(r.list.loggroups_size() == 1);
  REQUIRE(r.list.loggroups(0).logs_size() == 1);
  CHECK(Render(r.list.loggroups(0).logs(0)) == "bytes=15000");
  CHECK(r.stats.raw_lines == 4);
  CHECK(r.stats.result_lines == 1);
  CHECK(r.stats.failed_lines == 1);
}

TEST_CASE("nothing left: an empty list, the counts still say what was read") {
  Ran r = Run("* | where level = 'FATAL'", {Group(kMixed), Group(kMixed)});
  CHECK(r.bytes.empty());
  CHECK(r.stats.raw_groups == 2);
  CHECK(r.stats.raw_lines == 6);
  CHECK(r.stats.result_lines == 0);
  CHECK(r.stats.result_groups == 0);
  Ran none = Run("* | where level = 'ERROR'", {});
  CHECK(none.bytes.empty());
  CHECK(none.stats.raw_groups == 0);
  // A stored group without logs has nothing to send.
  sls::LogGroup empty;
  empty.set_topic("t");
  Ran e = Run("*", {empty.SerializeAsString()});
  CHECK(e.bytes.empty());
  CHECK(e.stats.raw_groups == 1);
}

TEST_CASE("fields we do not know stay in the group as stored, in their place") {
  auto make = [](const std::vector<const char*>& levels) {
    sls::LogGroup g;
    for (const char* level : levels) {
      auto* log = g.add_logs();
      log->set_time(1);
      auto* c = log->add_contents();
      c->set_key("level");
      c->set_value(level);
    }
    g.set_topic("t");
    return g.SerializeAsString();
  };
  // Field 9 (varint 7) and field 10 (bytes "zz"), as a newer writer might add.
  const std::string unknown("\x48\x07\x52\x02zz", 6);
  Ran r = Run("* | where level = 'ERROR'", {make({"ERROR", "INFO", "ERROR"}) + unknown});
  const std::string want = make({"ERROR", "ERROR"}) + unknown;
  REQUIRE(want.size() < 128);
  CHECK(r.bytes == std::string("\x0a") + static_cast<char>(want.size()) + want);
  REQUIRE(r.list.loggroups_size() == 1);
  CHECK(r.list.loggroups(0).GetReflection()->GetUnknownFields(r.list.loggroups(0)).field_count() == 2);
}

TEST_CASE("a group that does not decode is corruption, not a partial reply") {
  auto program = ParseSpl("* | where a = 'b'");
  REQUIRE(program.ok());
  std::string list;
  PullStats stats;
  std::vector<std::string_view> bad = {std::string_view("\x0a\x05\x08", 3)};
  Status st = RunOnGroups(*program, bad, &list, &stats);
  CHECK(st.kind() == ErrorKind::kCorruption);
}

}  // namespace slsflow::emulator::spl
