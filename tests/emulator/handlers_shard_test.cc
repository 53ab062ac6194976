// SplitShard / MergeShard through Service::Handle.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "emulator/cursor.h"
#include "tests/emulator/emu_test_util.h"

namespace slsflow::emulator {
using nlohmann::json;
using test::MakeLogGroup;
using test::MakeReq;
using test::MakeService;

namespace {

json Call(Service& svc, const std::string& method, const std::string& target, int want = 200) {
  auto req = MakeReq(svc, method, target);
  auto r = svc.Handle(req);
  CHECK_MESSAGE(r.status == want, target << " -> " << r.status << " " << r.body);
  return r.body.empty() ? json() : json::parse(r.body);
}

}  // namespace

TEST_CASE("split at a key: parent readonly with its range, children new ids covering it") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(2, &now);
  auto put = MakeReq(*svc, "POST", "/logstores/app/shards/0", MakeLogGroup(1));
  REQUIRE(svc->Handle(put).status == 200);

  json r = Call(*svc, "POST", "/logstores/app/shards/0?key=40000000000000000000000000000000&action=split");
  REQUIRE(r.size() == 3);
  CHECK(r[0]["shardID"] == 0);
  CHECK(r[0]["status"] == "readonly");
  CHECK(r[0]["inclusiveBeginKey"] == "00000000000000000000000000000000");
  CHECK(r[0]["exclusiveEndKey"] == "80000000000000000000000000000000");
  CHECK(r[1]["shardID"] == 2);
  CHECK(r[1]["exclusiveEndKey"] == "40000000000000000000000000000000");
  CHECK(r[2]["shardID"] == 3);
  CHECK(r[2]["inclusiveBeginKey"] == "40000000000000000000000000000000");
  CHECK(r[2]["exclusiveEndKey"] == "80000000000000000000000000000000");
  CHECK(r[2]["status"] == "readwrite");

  // The parent keeps its data and its end cursor for good.
  json end = Call(*svc, "GET", "/logstores/app/shards/0?type=cursor&from=end");
  CHECK(end["cursor"] == EncodeCursor(1));
  CHECK(Call(*svc, "GET", "/logstores/app/shards").size() == 4);

  // Errors: key outside or on the edge, readonly parent, unknown shard.
  Call(*svc, "POST", "/logstores/app/shards/2?action=split&key=40000000000000000000000000000000", 400);
  Call(*svc, "POST", "/logstores/app/shards/2?action=split&key=90000000000000000000000000000000", 400);
  Call(*svc, "POST", "/logstores/app/shards/0?action=split&key=10000000000000000000000000000000", 400);
  Call(*svc, "POST", "/logstores/app/shards/42?action=split&key=10000000000000000000000000000000", 400);
}

TEST_CASE("split by shardCount (Go SplitNumShard) and merge back") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(1, &now);
  json r = Call(*svc, "POST", "/logstores/app/shards/0?action=split&shardCount=4");
  REQUIRE(r.size() == 5);
  CHECK(r[1]["inclusiveBeginKey"] == "00000000000000000000000000000000");
  CHECK(r[2]["inclusiveBeginKey"] == "40000000000000000000000000000000");
  CHECK(r[4]["exclusiveEndKey"] == "ffffffffffffffffffffffffffffffff");
  CHECK(r[4]["shardID"] == 4);

  json m = Call(*svc, "POST", "/logstores/app/shards/2?action=merge");
  REQUIRE(m.size() == 3);
  CHECK(m[0]["shardID"] == 5);
  CHECK(m[0]["status"] == "readwrite");
  CHECK(m[0]["inclusiveBeginKey"] == "40000000000000000000000000000000");
  CHECK(m[0]["exclusiveEndKey"] == "c0000000000000000000000000000000");
  CHECK(m[1]["shardID"] == 2);
  CHECK(m[1]["status"] == "readonly");
  CHECK(m[2]["shardID"] == 3);
  CHECK(m[2]["status"] == "readonly");

  Call(*svc, "POST", "/logstores/app/shards/4?action=merge", 400);  // the last shard
  Call(*svc, "POST", "/logstores/app/shards/2?action=merge", 400);  // readonly now
  Call(*svc, "POST", "/logstores/app/shards/0?action=split&shardCount=1", 400);
}

TEST_CASE("logstore CRUD and project") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(2, &now);
  json p = Call(*svc, "GET", "/");
  CHECK(p["projectName"] == "demo");
  auto create = MakeReq(*svc, "POST", "/logstores", R"({"logstoreName":"other","ttl":7,"shardCount":3})");
  CHECK(svc->Handle(create).status == 200);
  auto dup = MakeReq(*svc, "POST", "/logstores", R"({"logstoreName":"other","ttl":7,"shardCount":3})");
  CHECK(svc->Handle(dup).body.find("LogStoreAlreadyExist") != std::string::npos);
  json list = Call(*svc, "GET", "/logstores?offset=0&size=100");
  CHECK(list["total"] == 2);
  CHECK(list["logstores"] == json::array({"app", "other"}));
  CHECK(Call(*svc, "GET", "/logstores?logstoreName=oth")["count"] == 1);
  json ls = Call(*svc, "GET", "/logstores/other");
  for (const char* key :
       {"logstoreName", "ttl", "shardCount", "enable_tracking", "appendMeta", "autoSplit", "maxSplitShard"}) {
    CHECK_MESSAGE(ls.contains(key), key);
  }
  CHECK(ls["shardCount"] == 3);
  CHECK(ls["ttl"] == 7);
  Call(*svc, "DELETE", "/logstores/other");
  Call(*svc, "GET", "/logstores/other", 404);
  Call(*svc, "GET", "/logstores/other/shards", 404);
  auto bad = MakeReq(*svc, "POST", "/logstores", "{not json");
  CHECK(svc->Handle(bad).status == 400);
}

TEST_CASE("project comes from the first Host label; bare IPs and localhost mean the default") {
  CHECK(Service::ProjectFromHost("demo.127.0.0.1:44699") == "demo");
  CHECK(Service::ProjectFromHost("demo.127.0.0.1") == "demo");
  CHECK(Service::ProjectFromHost("demo.localhost") == "demo");
  CHECK(Service::ProjectFromHost("my-proj.cn-hangzhou.log.aliyuncs.com") == "my-proj");
  CHECK(Service::ProjectFromHost("127.0.0.1:39037") == "");
  CHECK(Service::ProjectFromHost("127.0.0.1") == "");
  CHECK(Service::ProjectFromHost("localhost:8080") == "");
  CHECK(Service::ProjectFromHost("[::1]:8080") == "");
  CHECK(Service::ProjectFromHost("") == "");

  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(2, &now);
  auto req = MakeReq(*svc, "GET", "/logstores/app/shards");
  req.headers[0].second = "other.127.0.0.1";
  auto r = svc->Handle(req);
  CHECK(r.status == 404);
  CHECK(r.body.find("ProjectNotExist") != std::string::npos);
  req.headers[0].second = "127.0.0.1:1234";
  CHECK(svc->Handle(req).status == 200);
}

TEST_CASE("without keys the request time is still required and checked") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(2, &now);
  auto req = MakeReq(*svc, "GET", "/logstores/app/shards");
  req.headers.pop_back();  // Date
  auto r = svc->Handle(req);
  CHECK(r.status == 400);
  CHECK(r.body.find("MissingDate") != std::string::npos);
  req.headers.emplace_back("Date", "yesterday-ish");
  CHECK(svc->Handle(req).body.find("InvalidDateFormat") != std::string::npos);
  req.headers.back().second = HttpDate(now / 1000000 - 3600);
  CHECK(svc->Handle(req).body.find("RequestTimeExpired") != std::string::npos);
  req.headers.back() = {"x-log-date", V4DateTime(now / 1000000)};
  CHECK(svc->Handle(req).status == 200);
}

}  // namespace slsflow::emulator
