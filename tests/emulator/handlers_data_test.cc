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

std::string CursorOf(const EmuResponse& r) { return nlohmann::json::parse(r.body)["cursor"].get<std::string>(); }

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
      auto z = Get(*svc, "/logstores/app/shards/0?type=logs&cursor=" + c0, {{"Accept-Encoding", CompressTypeToken(type)}});
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

}  // namespace slsflow::emulator
