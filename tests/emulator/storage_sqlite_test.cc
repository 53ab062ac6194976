// Acceptance 4: with a data dir, acknowledged writes, shards, consumer
// groups and checkpoints survive a restart.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "emulator/cursor.h"
#include "tests/emulator/emu_test_util.h"
#include "tests/test_util.h"

namespace slsflow::emulator {
using nlohmann::json;
using test::MakeLogGroup;
using test::MakeReq;
using test::MakeService;

namespace {

std::unique_ptr<Service> Open(const std::string& dir, int64_t* now) {
  auto storage = OpenSqliteStorage(dir);
  REQUIRE_MESSAGE(storage.ok(), storage.status().ToString());
  auto svc = MakeService(2, now, std::move(storage).value());
  REQUIRE(svc);
  return svc;
}

EmuResponse Do(Service& svc, const std::string& method, const std::string& target, const std::string& body = "") {
  auto req = MakeReq(svc, method, target, body);
  return svc.Handle(req);
}

}  // namespace

TEST_CASE("data, shards, consumer groups and checkpoints survive a restart") {
  std::string dir = slsflow::test::MakeTempDir("emu-sqlite");
  int64_t now = 1795550000LL * 1000000;
  std::vector<std::string> written;
  {
    auto svc = Open(dir, &now);
    for (int i = 0; i < 20; ++i) {
      std::string g = MakeLogGroup(1 + i % 3, "topic-" + std::to_string(i));
      REQUIRE(Do(*svc, "POST", "/logstores/app/shards/lb", g).status == 200);
      written.push_back(g);
      now += 1000;
    }
    REQUIRE(Do(*svc, "POST", "/logstores/app/shards/1?action=split&key=c0000000000000000000000000000000").status ==
            200);
    REQUIRE(Do(*svc, "POST", "/logstores/app/shards/3", MakeLogGroup(1, "after-split")).status == 200);
    REQUIRE(Do(*svc, "POST", "/logstores/app/consumergroups", R"({"consumerGroup":"cg","timeout":33,"order":true})")
                .status == 200);
    std::string body = json({{"shard", 0}, {"checkpoint", EncodeCursor(4)}}).dump();
    REQUIRE(Do(*svc, "POST", "/logstores/app/consumergroups/cg?type=checkpoint&consumer=c1&forceSuccess=true", body)
                .status == 200);
    REQUIRE(Do(*svc, "POST", "/logstores", R"({"logstoreName":"second","shardCount":3})").status == 200);
    REQUIRE(Do(*svc, "POST", "/logstores", R"({"logstoreName":"gone","shardCount":1})").status == 200);
    REQUIRE(Do(*svc, "DELETE", "/logstores/gone").status == 200);
  }
  now += 60LL * 1000000;
  auto svc = Open(dir, &now);
  json shards = json::parse(Do(*svc, "GET", "/logstores/app/shards").body);
  REQUIRE(shards.size() == 4);
  CHECK(shards[1]["status"] == "readonly");
  CHECK(shards[3]["inclusiveBeginKey"] == "c0000000000000000000000000000000");

  // Every acknowledged group, byte for byte, in order: lb alternated 0, 1.
  for (int shard = 0; shard < 2; ++shard) {
    auto r = Do(*svc, "GET",
                "/logstores/app/shards/" + std::to_string(shard) +
                    "?type=log&count=1000&cursor=" + PercentEncode(EncodeCursor(0)));
    sls::LogGroupList list;
    REQUIRE(list.ParseFromString(r.body));
    REQUIRE(list.loggroups_size() == 10);
    for (int i = 0; i < 10; ++i)
      CHECK(list.loggroups(i).SerializeAsString() == written[static_cast<size_t>(2 * i + shard)]);
  }
  CHECK(json::parse(Do(*svc, "GET", "/logstores/app/shards/3?type=cursor&from=end").body)["cursor"] == EncodeCursor(1));
  // Writes continue at the right offsets.
  REQUIRE(Do(*svc, "POST", "/logstores/app/shards/0", MakeLogGroup(1)).status == 200);
  CHECK(json::parse(Do(*svc, "GET", "/logstores/app/shards/0?type=cursor&from=end").body)["cursor"] ==
        EncodeCursor(11));

  json groups = json::parse(Do(*svc, "GET", "/logstores/app/consumergroups").body);
  CHECK(groups == json::parse(R"([{"name":"cg","timeout":33,"order":true}])"));
  json cps = json::parse(Do(*svc, "GET", "/logstores/app/consumergroups/cg?shard=0").body);
  REQUIRE(cps.size() == 1);
  CHECK(cps[0]["checkpoint"] == EncodeCursor(4));
  CHECK(cps[0]["consumer"] == "c1");
  CHECK(json::parse(Do(*svc, "GET", "/logstores").body)["logstores"] == json::array({"app", "second"}));
  CHECK(json::parse(Do(*svc, "GET", "/logstores/second").body)["shardCount"] == 3);
  std::filesystem::remove_all(dir);
}

TEST_CASE("one emulator per data dir") {
  std::string dir = slsflow::test::MakeTempDir("emu-lock");
  auto first = OpenSqliteStorage(dir);
  REQUIRE(first.ok());
  auto second = OpenSqliteStorage(dir);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().kind() == ErrorKind::kConflict);
  CHECK(second.status().message().find("in use") != std::string::npos);
  first.value().reset();  // closes the database and releases the lock
  CHECK(OpenSqliteStorage(dir).ok());
  std::filesystem::remove_all(dir);
}

TEST_CASE("an unwritable data dir is reported, not crashed on") {
  auto r = OpenSqliteStorage("/proc/definitely/not/here");
  CHECK_FALSE(r.ok());
}

}  // namespace slsflow::emulator
