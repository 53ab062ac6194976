// Acceptance 4: with a data dir, acknowledged writes, shards, consumer
// groups and checkpoints survive a restart.
#include <doctest/doctest.h>
#include <sqlite3.h>

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

namespace {

// Damage as an outside tool or a bad disk would leave it: SQL straight on the file.
void Tamper(const std::string& dir, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir + "/emulator.db").c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

std::vector<LoadedProject> LoadAll(Storage& s) {
  std::vector<LoadedProject> out;
  REQUIRE(s.Load(&out).ok());
  return out;
}

}  // namespace

TEST_CASE("a deleted consumer group stays deleted with its checkpoints after a restart") {
  std::string dir = slsflow::test::MakeTempDir("emu-sqlite-cg");
  int64_t now = 1795550000LL * 1000000;
  std::string body = json({{"shard", 1}, {"checkpoint", EncodeCursor(2)}}).dump();
  {
    auto svc = Open(dir, &now);
    for (const char* g : {"gone", "kept"}) {
      REQUIRE(Do(*svc, "POST", "/logstores/app/consumergroups", json({{"consumerGroup", g}, {"timeout", 20}}).dump())
                  .status == 200);
      REQUIRE(Do(*svc, "POST", std::string("/logstores/app/consumergroups/") + g + "?type=checkpoint", body).status ==
              200);
    }
    REQUIRE(Do(*svc, "DELETE", "/logstores/app/consumergroups/gone").status == 200);
  }
  auto svc = Open(dir, &now);
  CHECK(json::parse(Do(*svc, "GET", "/logstores/app/consumergroups").body) ==
        json::parse(R"([{"name":"kept","timeout":20,"order":false}])"));
  CHECK(json::parse(Do(*svc, "GET", "/logstores/app/consumergroups/kept?shard=1").body)[0]["checkpoint"] ==
        EncodeCursor(2));
  // Created again, the group starts empty: the old checkpoint must not come back.
  REQUIRE(Do(*svc, "POST", "/logstores/app/consumergroups", R"({"consumerGroup":"gone","timeout":20})").status == 200);
  CHECK(json::parse(Do(*svc, "GET", "/logstores/app/consumergroups/gone?shard=1").body)[0]["checkpoint"] == "");
}

TEST_CASE("an acknowledged log group is never overwritten: appending at a used offset fails") {
  std::string dir = slsflow::test::MakeTempDir("emu-sqlite-dup");
  auto st = OpenSqliteStorage(dir);
  REQUIRE(st.ok());
  Storage& s = **st;
  LogStoreMeta meta;
  meta.name = "app";
  ShardMeta shard;
  shard.range.end.is_max = true;
  REQUIRE(s.SaveLogStore("demo", meta, {shard}).ok());
  REQUIRE(s.AppendGroup("demo", "app", 0, 0, StoredGroup{"first", 1, 1}).ok());
  Status dup = s.AppendGroup("demo", "app", 0, 0, StoredGroup{"second", 2, 1});
  CHECK(dup.kind() == ErrorKind::kIO);
  CHECK(dup.message().find("emulator database") != std::string::npos);
  auto loaded = LoadAll(s);
  REQUIRE(loaded.size() == 1);
  REQUIRE(loaded[0].logstores[0].groups.size() == 1);
  CHECK(loaded[0].logstores[0].groups[0].group.raw == "first");
}

TEST_CASE("a logstore save that fails part way leaves the previous meta and shard list whole") {
  std::string dir = slsflow::test::MakeTempDir("emu-sqlite-atomic");
  auto st = OpenSqliteStorage(dir);
  REQUIRE(st.ok());
  Storage& s = **st;
  LogStoreMeta meta;
  meta.name = "app";
  meta.ttl_days = 7;
  HashRange all;
  all.end.is_max = true;
  std::vector<ShardMeta> two(2);
  auto halves = SplitEvenly(all, 2);
  for (int i = 0; i < 2; ++i) {
    two[static_cast<size_t>(i)].id = i;
    two[static_cast<size_t>(i)].range = halves[static_cast<size_t>(i)];
  }
  REQUIRE(s.SaveLogStore("demo", meta, two).ok());
  // Two shards with one id: the second insert breaks the primary key after
  // the meta and the first shard were written in the same transaction.
  LogStoreMeta changed = meta;
  changed.ttl_days = 1;
  std::vector<ShardMeta> clash = {two[0], two[0]};
  CHECK_FALSE(s.SaveLogStore("demo", changed, clash).ok());
  auto loaded = LoadAll(s);
  REQUIRE(loaded.size() == 1);
  const LoadedLogStore& ls = loaded[0].logstores.at(0);
  CHECK(ls.meta.ttl_days == 7);
  REQUIRE(ls.shards.size() == 2);
  CHECK((ls.shards[1].range.begin == halves[1].begin));
  // The store still takes writes: the failed transaction was rolled back, not left open.
  CHECK(s.SaveLogStore("demo", changed, two).ok());
  CHECK(LoadAll(s)[0].logstores[0].meta.ttl_days == 1);
}

TEST_CASE("a damaged store is refused with a reason, never half loaded") {
  std::string dir = slsflow::test::MakeTempDir("emu-sqlite-bad");
  int64_t now = 1795550000LL * 1000000;
  { Open(dir, &now); }
  Tamper(dir, "UPDATE shards SET begin_key = 'not-hex' WHERE id = 1");
  {
    auto st = OpenSqliteStorage(dir);
    REQUIRE(st.ok());
    std::vector<LoadedProject> out;
    Status load = (*st)->Load(&out);
    CHECK(load.kind() == ErrorKind::kCorruption);
    CHECK(load.message().find("bad hash range for shard 1") != std::string::npos);
    // And so the service does not start on it.
    CHECK(MakeService(2, &now, std::move(st).value()) == nullptr);
  }

  // Not a database at all: refused when opened, naming the file.
  std::string junk = slsflow::test::MakeTempDir("emu-sqlite-junk");
  slsflow::test::WriteFileOrDie(junk + "/emulator.db", std::string(8192, 'x'));
  auto r = OpenSqliteStorage(junk);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::kIO);
  CHECK(r.status().message().find(junk + "/emulator.db") != std::string::npos);
  CHECK(r.status().message().find("not a database") != std::string::npos);
}

TEST_CASE("a data dir whose database or lock path is a directory is an I/O error, not a lock conflict") {
  std::string dir = slsflow::test::MakeTempDir("emu-sqlite-dirdb");
  std::filesystem::create_directories(dir + "/emulator.db");
  auto r = OpenSqliteStorage(dir);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("cannot open " + dir + "/emulator.db") != std::string::npos);

  std::string locked = slsflow::test::MakeTempDir("emu-sqlite-dirlock");
  std::filesystem::create_directories(locked + "/LOCK");
  auto l = OpenSqliteStorage(locked);
  REQUIRE_FALSE(l.ok());
  CHECK(l.status().kind() != ErrorKind::kConflict);  // "in use by another emulator" would mislead
  CHECK(l.status().message().find("in use") == std::string::npos);
}

}  // namespace slsflow::emulator
