// GetProject, logstores and retention through Service::Handle.
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

constexpr int64_t kDay = 86400;

EmuResponse Do(Service& svc, const std::string& method, const std::string& target, const std::string& body = "") {
  auto req = MakeReq(svc, method, target, body);
  return svc.Handle(req);
}

uint64_t CursorFrom(Service& svc, const std::string& from) {
  auto r = Do(svc, "GET", "/logstores/app/shards/0?type=cursor&from=" + from);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  uint64_t offset = 0;
  REQUIRE(DecodeCursor(json::parse(r.body)["cursor"].get<std::string>(), &offset));
  return offset;
}

// Offset of the first group a pull from `offset` returns, and how many.
std::pair<uint64_t, std::string> PullFrom(Service& svc, uint64_t offset) {
  auto r = Do(svc, "GET", "/logstores/app/shards/0?type=log&count=1000&cursor=" + EncodeCursor(offset));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  std::string count, next;
  for (auto& [k, v] : r.headers) {
    if (k == "x-log-count") count = v;
    if (k == "x-log-cursor") next = v;
  }
  uint64_t next_offset = 0;
  REQUIRE(DecodeCursor(next, &next_offset));
  return {next_offset - std::stoull(count), count};
}

}  // namespace

TEST_CASE("GetProject carries every key the SDKs read, owner included") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(1, &now);
  auto r = Do(*svc, "GET", "/");
  REQUIRE(r.status == 200);
  json j = json::parse(r.body);
  for (const char* key : {"projectName", "status", "owner", "region", "description", "createTime", "lastModifyTime",
                          "resourceGroupId", "dataRedundancyType"}) {
    CAPTURE(key);
    CHECK(j.contains(key));
  }
  CHECK(j["projectName"] == "demo");
  CHECK(j["owner"].is_string());
}

TEST_CASE("the logstore ttl expires groups on the server clock, and the begin cursor moves with it") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(1, &now);
  REQUIRE(Do(*svc, "PUT", "/logstores/app", R"({"ttl":7})").status == 200);
  // Day 0: two groups; day 3: one more.
  REQUIRE(Do(*svc, "POST", "/logstores/app/shards/0", MakeLogGroup(1)).status == 200);
  REQUIRE(Do(*svc, "POST", "/logstores/app/shards/0", MakeLogGroup(1)).status == 200);
  svc->set_clock_offset_s(3 * kDay);  // the admin clock
  REQUIRE(Do(*svc, "POST", "/logstores/app/shards/0", MakeLogGroup(1)).status == 200);
  CHECK(CursorFrom(*svc, "begin") == 0);

  // Day 7 and a second: the day-0 groups are gone.
  svc->set_clock_offset_s(7 * kDay + 1);
  CHECK(CursorFrom(*svc, "begin") == 2);
  CHECK(CursorFrom(*svc, "end") == 3);
  CHECK(CursorFrom(*svc, std::to_string(now / 1000000)) == 2);  // a time before the retained data
  auto [first, count] = PullFrom(*svc, 0);  // an expired cursor reads from the oldest retained group
  CHECK(first == 2);
  CHECK(count == "1");

  // Expired data stays expired when the clock goes back.
  svc->set_clock_offset_s(0);
  CHECK(CursorFrom(*svc, "begin") == 2);

  // Day 10 and a second: everything is gone; begin is end.
  svc->set_clock_offset_s(10 * kDay + 1);
  CHECK(CursorFrom(*svc, "begin") == 3);
  CHECK(PullFrom(*svc, 0).second == "0");
}

TEST_CASE("ttl 3650 keeps data forever; raising the ttl keeps what has not expired yet") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(1, &now);
  REQUIRE(Do(*svc, "PUT", "/logstores/app", R"({"ttl":3650})").status == 200);
  REQUIRE(Do(*svc, "POST", "/logstores/app/shards/0", MakeLogGroup(1)).status == 200);
  svc->set_clock_offset_s(20000 * kDay);
  CHECK(CursorFrom(*svc, "begin") == 0);
  REQUIRE(Do(*svc, "PUT", "/logstores/app", R"({"ttl":1})").status == 200);
  CHECK(CursorFrom(*svc, "begin") == 1);
}

}  // namespace slsflow::emulator
