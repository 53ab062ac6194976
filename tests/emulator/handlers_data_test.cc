// GetCursor / GetCursorTime / PullLogs through Service::Handle.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/sls/codec.h"
#include "emulator/cursor.h"
#include "tests/emulator/emu_test_util.h"

namespace slsflow::emulator {
using test::MakeLogGroup;
using test::MakeReq;
using test::MakeService;

namespace {

constexpr int64_t kT0 = 1795550000LL * 1000000;

EmuResponse Get(Service& svc, const std::string& target, HeaderList extra = {}) {
  auto req = MakeReq(svc, "GET", target, "", std::move(extra));
  return svc.Handle(req);
}

std::string HeaderOf(const EmuResponse& r, const std::string& name) {
  for (auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

std::string CursorOf(const EmuResponse& r) {
  return nlohmann::json::parse(r.body)["cursor"].get<std::string>();
}

// Puts `n` groups into shard 0, one second apart.
void Fill(Service& svc, int64_t* now, int n, std::vector<std::string>* groups) {
  for (int i = 0; i < n; ++i) {
    std::string g = MakeLogGroup(2, "topic-" + std::to_string(i));
    auto req = MakeReq(svc, "POST", "/logstores/app/shards/0", g);
    REQUIRE(svc.Handle(req).status == 200);
    groups->push_back(g);
    *now += 1000000;
  }
}

}  // namespace

TEST_CASE("GetCursor begin/end/time and GetCursorTime") {
  int64_t now = kT0;
  auto svc = MakeService(2, &now);
  std::vector<std::string> groups;
  Fill(*svc, &now, 5, &groups);
  CHECK(CursorOf(Get(*svc, "/logstores/app/shards/0?type=cursor&from=begin")) == EncodeCursor(0));
  CHECK(CursorOf(Get(*svc, "/logstores/app/shards/0?type=cursor&from=end")) == EncodeCursor(5));
  // By receive time: the first group received at or after that second.
  int64_t t2 = kT0 / 1000000 + 2;
  CHECK(CursorOf(Get(*svc, "/logstores/app/shards/0?from=" + std::to_string(t2) + "&type=cursor")) == EncodeCursor(2));
  CHECK(CursorOf(Get(*svc, "/logstores/app/shards/0?type=cursor&from=1")) == EncodeCursor(0));
  CHECK(CursorOf(Get(*svc, "/logstores/app/shards/0?type=cursor&from=99999999999")) == EncodeCursor(5));
  CHECK(Get(*svc, "/logstores/app/shards/0?type=cursor&from=yesterday").status == 400);
  CHECK(Get(*svc, "/logstores/app/shards/9?type=cursor&from=begin").body.find("ShardNotExist") != std::string::npos);

  auto ct = Get(*svc, "/logstores/app/shards/0?type=cursor_time&cursor=" + PercentEncode(EncodeCursor(3)));
  REQUIRE(ct.status == 200);
  CHECK(nlohmann::json::parse(ct.body)["cursor_time"] == t2 + 1);
  CHECK(Get(*svc, "/logstores/app/shards/0?type=cursor_time&cursor=bogus").status == 400);
}

TEST_CASE("PullLogs honours count and end_cursor and answers in the codec asked for") {
  int64_t now = kT0;
  auto svc = MakeService(2, &now);
  std::vector<std::string> groups;
  Fill(*svc, &now, 5, &groups);
  std::string c0 = PercentEncode(EncodeCursor(0));

  auto r = Get(*svc, "/logstores/app/shards/0?type=log&cursor=" + c0 + "&count=2", {{"Accept-Encoding", ""}});
  REQUIRE(r.status == 200);
  CHECK(HeaderOf(r, "x-log-count") == "2");
  CHECK(HeaderOf(r, "x-log-cursor") == EncodeCursor(2));
  CHECK(HeaderOf(r, "x-log-compresstype") == "<absent>");
  CHECK(HeaderOf(r, "x-log-end-of-cursor") == "0");
  CHECK(HeaderOf(r, "x-log-bodyrawsize") == std::to_string(r.body.size()));
  sls::LogGroupList list;
  REQUIRE(list.ParseFromString(r.body));
  REQUIRE(list.loggroups_size() == 2);
  CHECK(list.loggroups(1).SerializeAsString() == groups[1]);

  for (auto type : {CompressType::kLz4, CompressType::kZstd, CompressType::kDeflate}) {
    for (int pass = 0; pass < 2; ++pass) {  // the second pass is served from the cache
      auto z =
          Get(*svc, "/logstores/app/shards/0?type=logs&cursor=" + c0, {{"Accept-Encoding", CompressTypeToken(type)}});
      REQUIRE(z.status == 200);
      CHECK(HeaderOf(z, "x-log-compresstype") == CompressTypeToken(type));
      CHECK(HeaderOf(z, "x-log-count") == "5");
      CHECK(HeaderOf(z, "x-log-end-of-cursor") == "1");
      std::string raw;
      size_t raw_size = std::stoul(HeaderOf(z, "x-log-bodyrawsize"));
      REQUIRE(Decompress(type, z.body, raw_size, &raw).ok());
      sls::LogGroupList all;
      REQUIRE(all.ParseFromString(raw));
      CHECK(all.loggroups_size() == 5);
    }
  }

  auto bounded = Get(*svc, "/logstores/app/shards/0?type=log&count=100&cursor=" + PercentEncode(EncodeCursor(1)) +
                               "&end_cursor=" + PercentEncode(EncodeCursor(3)));
  CHECK(HeaderOf(bounded, "x-log-count") == "2");
  CHECK(HeaderOf(bounded, "x-log-cursor") == EncodeCursor(3));

  // At the end: nothing, and the same cursor back.
  auto at_end = Get(*svc, "/logstores/app/shards/0?type=log&count=10&cursor=" + PercentEncode(EncodeCursor(5)),
                    {{"Accept-Encoding", "lz4"}});
  CHECK(at_end.status == 200);
  CHECK(HeaderOf(at_end, "x-log-count") == "0");
  CHECK(HeaderOf(at_end, "x-log-cursor") == EncodeCursor(5));
  CHECK(HeaderOf(at_end, "x-log-bodyrawsize") == "0");
}

TEST_CASE("PullLogs rejects bad count and cursors") {
  int64_t now = kT0;
  auto svc = MakeService(1, &now);
  std::string c0 = PercentEncode(EncodeCursor(0));
  for (const char* count : {"0", "1001", "-5", "99999999999999999999", "ten"}) {
    auto r = Get(*svc, std::string("/logstores/app/shards/0?type=log&cursor=") + c0 + "&count=" + count);
    CHECK(r.status == 400);
    CHECK(r.body.find("ParameterInvalid") != std::string::npos);
  }
  auto bad = Get(*svc, "/logstores/app/shards/0?type=log&count=10&cursor=%21%21%21");
  CHECK(bad.status == 400);
  CHECK(bad.body.find("InvalidCursor") != std::string::npos);
  auto beyond = Get(*svc, "/logstores/app/shards/0?type=log&count=10&cursor=" + PercentEncode(EncodeCursor(7)));
  CHECK(beyond.body.find("InvalidCursor") != std::string::npos);
  CHECK(Get(*svc, "/logstores/app/shards/0?type=log&count=10").status == 400);
}

TEST_CASE("a huge pull reply is cut at a group boundary") {
  int64_t now = kT0;
  auto svc = MakeService(1, &now);
  std::string big = MakeLogGroup(4, "t", 1u << 20);  // ~4 MiB
  for (int i = 0; i < 6; ++i) {
    auto req = MakeReq(*svc, "POST", "/logstores/app/shards/0", big);
    REQUIRE(svc->Handle(req).status == 200);
  }
  auto r = Get(*svc, "/logstores/app/shards/0?type=log&count=1000&cursor=" + PercentEncode(EncodeCursor(0)));
  REQUIRE(r.status == 200);
  int n = std::stoi(HeaderOf(r, "x-log-count"));
  CHECK(n >= 1);
  CHECK(n < 6);
  CHECK(HeaderOf(r, "x-log-cursor") == EncodeCursor(static_cast<uint64_t>(n)));
}

namespace {

// A group of logs with a level and a message each.
std::string LevelGroup(const std::vector<std::pair<std::string, std::string>>& logs) {
  sls::LogGroup g;
  for (auto& [level, message] : logs) {
    auto* log = g.add_logs();
    log->set_time(1700000000);
    auto* c = log->add_contents();
    c->set_key("level");
    c->set_value(level);
    c = log->add_contents();
    c->set_key("message");
    c->set_value(message);
    c = log->add_contents();
    c->set_key("host");
    c->set_value("web-1");
  }
  g.set_topic("t");
  return g.SerializeAsString();
}

std::string Query(const std::string& spl) {
  return "&query=" + PercentEncode(spl) + "&pullMode=scan_on_stream";
}

}  // namespace

TEST_CASE("PullLogs with query= filters and reshapes, and says so in the SPL headers") {
  int64_t now = kT0;
  auto svc = MakeService(1, &now);
  for (const std::string& g : {LevelGroup({{"ERROR", "disk full"}, {"INFO", "ok"}}), LevelGroup({{"INFO", "fine"}}),
                               LevelGroup({{"WARN", "slow"}, {"ERROR", "timeout"}})}) {
    auto req = MakeReq(*svc, "POST", "/logstores/app/shards/0", g);
    REQUIRE(svc->Handle(req).status == 200);
  }
  const std::string c0 = PercentEncode(EncodeCursor(0));
  for (auto codec : {CompressType::kNone, CompressType::kLz4, CompressType::kZstd}) {
    CAPTURE(CompressTypeToken(codec));
    auto r = Get(*svc,
                 "/logstores/app/shards/0?type=log&count=100&cursor=" + c0 +
                     Query("* | where level = 'ERROR' | project level, message"),
                 {{"Accept-Encoding", CompressTypeToken(codec)}});
    REQUIRE(r.status == 200);
    // The cursor moves past every group read, whether or not any log survived.
    CHECK(HeaderOf(r, "x-log-cursor") == EncodeCursor(3));
    CHECK(HeaderOf(r, "x-log-count") == "2");
    CHECK(HeaderOf(r, "x-log-end-of-cursor") == "1");
    CHECK(HeaderOf(r, "x-log-rawdatacount") == "3");
    CHECK(HeaderOf(r, "x-log-rawdatalines") == "5");
    CHECK(HeaderOf(r, "x-log-resultlines") == "2");
    CHECK(HeaderOf(r, "x-log-failedlines") == "0");
    CHECK(std::stoul(HeaderOf(r, "x-log-rawdatasize")) > std::stoul(HeaderOf(r, "x-log-bodyrawsize")));
    std::string raw = r.body;
    if (codec != CompressType::kNone) {
      CHECK(HeaderOf(r, "x-log-compresstype") == CompressTypeToken(codec));
      REQUIRE(Decompress(codec, r.body, std::stoul(HeaderOf(r, "x-log-bodyrawsize")), &raw).ok());
    }
    CHECK(HeaderOf(r, "x-log-bodyrawsize") == std::to_string(raw.size()));
    sls::LogGroupList list;
    REQUIRE(list.ParseFromString(raw));
    REQUIRE(list.loggroups_size() == 2);
    for (int i = 0; i < 2; ++i) {
      REQUIRE(list.loggroups(i).logs_size() == 1);
      const sls::Log& log = list.loggroups(i).logs(0);
      REQUIRE(log.contents_size() == 2);
      CHECK(log.contents(0).key() == "level");
      CHECK(log.contents(0).value() == "ERROR");
      CHECK(log.contents(1).key() == "message");
    }
    CHECK(list.loggroups(0).logs(0).contents(1).value() == "disk full");
    CHECK(list.loggroups(1).logs(0).contents(1).value() == "timeout");
  }

  // Without pullMode as well; and a query nothing matches: an empty raw
  // reply that still moves the cursor, with the counts.
  auto none = Get(
      *svc,
      "/logstores/app/shards/0?type=log&count=2&cursor=" + c0 + "&query=" + PercentEncode("* | where level = 'FATAL'"),
      {{"Accept-Encoding", "lz4"}});
  REQUIRE(none.status == 200);
  CHECK(HeaderOf(none, "x-log-cursor") == EncodeCursor(2));
  CHECK(HeaderOf(none, "x-log-count") == "0");
  CHECK(HeaderOf(none, "x-log-bodyrawsize") == "0");
  CHECK(HeaderOf(none, "x-log-compresstype") == "<absent>");
  CHECK(HeaderOf(none, "x-log-rawdatacount") == "2");
  CHECK(HeaderOf(none, "x-log-rawdatalines") == "3");
  CHECK(HeaderOf(none, "x-log-resultlines") == "0");
  CHECK(none.body.empty());

  // Failed logs are counted.
  auto failed =
      Get(*svc, "/logstores/app/shards/0?type=log&cursor=" + c0 + Query("* | where cast(message as bigint) > 0"));
  CHECK(failed.status == 200);
  CHECK(HeaderOf(failed, "x-log-failedlines") == "5");
  CHECK(HeaderOf(failed, "x-log-resultlines") == "0");

  // No query: no SPL headers, every group as stored.
  auto plain = Get(*svc, "/logstores/app/shards/0?type=log&cursor=" + c0 + "&query=&pullMode=scan_on_stream");
  CHECK(HeaderOf(plain, "x-log-count") == "3");
  CHECK(HeaderOf(plain, "x-log-rawdatacount") == "<absent>");
  CHECK(HeaderOf(plain, "x-log-resultlines") == "<absent>");
}

TEST_CASE("PullLogs refuses a query it cannot run: 400 ParameterInvalid naming the part, never unfiltered data") {
  int64_t now = kT0;
  auto svc = MakeService(1, &now);
  auto put = MakeReq(*svc, "POST", "/logstores/app/shards/0", LevelGroup({{"ERROR", "x"}}));
  REQUIRE(svc->Handle(put).status == 200);
  const std::string c0 = PercentEncode(EncodeCursor(0));
  struct Case {
    const char* query;
    const char* message;
  };
  const Case cases[] = {
      {"* | parse-json body", "invalid query: line 1:5: the command parse-json is not supported by slsflow emulator"},
      {"* | where upper(level) = 'ERROR'", "invalid query: line 1:11: the function upper() is not supported"},
      {"* | where level = 'ERROR", "invalid query: line 1:19: the string starting here has no closing '"},
      {"* | where level", "invalid query: line 1:5: where needs a condition that is true or false"},
      {"level:ERROR", "invalid query: line 1:6: unexpected ':'"},
      {"   ", "invalid query: the query is empty"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.query);
    auto r = Get(*svc, "/logstores/app/shards/0?type=log&cursor=" + c0 + Query(c.query), {{"Accept-Encoding", "lz4"}});
    CHECK(r.status == 400);
    auto j = nlohmann::json::parse(r.body);
    CHECK(j["errorCode"] == "ParameterInvalid");
    CHECK(j["errorMessage"].get<std::string>().find(c.message) == 0);
    CHECK(HeaderOf(r, "x-log-cursor") == "<absent>");
  }
  // Even on an empty range: the query is checked before any data is read.
  auto at_end = Get(
      *svc, "/logstores/app/shards/0?type=log&cursor=" + PercentEncode(EncodeCursor(1)) + Query("* | stats count(*)"));
  CHECK(at_end.status == 400);
  // A stored processor is not something the emulator has.
  auto proc = Get(*svc, "/logstores/app/shards/0?type=log&cursor=" + c0 + "&processor=my-spl");
  CHECK(proc.status == 400);
  CHECK(proc.body.find("processor my-spl is not supported by slsflow emulator; send the SPL itself as query=") !=
        std::string::npos);
}

TEST_CASE("the pull cache serves pulls without a query and is left alone by pulls with one") {
  int64_t now = kT0;
  auto svc = MakeService(1, &now);
  auto put = MakeReq(*svc, "POST", "/logstores/app/shards/0", LevelGroup({{"ERROR", "x"}, {"INFO", "y"}}));
  REQUIRE(svc->Handle(put).status == 200);
  const std::string target = "/logstores/app/shards/0?type=log&cursor=" + PercentEncode(EncodeCursor(0));
  auto spl = Get(*svc, target + Query("* | where level = 'ERROR'"), {{"Accept-Encoding", "lz4"}});
  REQUIRE(spl.status == 200);
  CHECK(svc->pull_cache().bytes() == 0);
  auto plain = Get(*svc, target, {{"Accept-Encoding", "lz4"}});
  REQUIRE(plain.status == 200);
  const size_t cached = svc->pull_cache().bytes();
  CHECK(cached > 0);
  // Same range and codec with a query: not the cached (unfiltered) body.
  auto again = Get(*svc, target + Query("* | where level = 'ERROR'"), {{"Accept-Encoding", "lz4"}});
  CHECK(again.body == spl.body);
  CHECK(again.body != plain.body);
  CHECK(HeaderOf(again, "x-log-resultlines") == "1");
  CHECK(svc->pull_cache().bytes() == cached);
}

}  // namespace slsflow::emulator
