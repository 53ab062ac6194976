// Consumer-group API through Service::Handle.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <tuple>
#include <vector>

#include "emulator/cursor.h"
#include "tests/emulator/emu_test_util.h"

namespace slsflow::emulator {
using nlohmann::json;
using test::MakeReq;
using test::MakeService;

namespace {

EmuResponse Do(Service& svc, const std::string& method, const std::string& target, const std::string& body = "") {
  auto req = MakeReq(svc, method, target, body, {{"Content-Type", "application/json"}});
  return svc.Handle(req);
}

}  // namespace

TEST_CASE("consumer group CRUD with SLS errors") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(2, &now);
  const std::string base = "/logstores/app/consumergroups";
  CHECK(Do(*svc, "POST", base, R"({"consumerGroup":"cg1","timeout":60,"order":false})").status == 200);
  auto dup = Do(*svc, "POST", base, R"({"consumerGroup":"cg1","timeout":60,"order":false})");
  CHECK(dup.status == 400);
  CHECK(dup.body.find("ConsumerGroupAlreadyExist") != std::string::npos);
  CHECK(Do(*svc, "POST", base, R"({"consumerGroup":"cg2","timeout":"x"})").body.find("JsonInfoInvalid") !=
        std::string::npos);
  CHECK(json::parse(Do(*svc, "GET", base).body) == json::parse(R"([{"name":"cg1","timeout":60,"order":false}])"));
  CHECK(Do(*svc, "PUT", base + "/cg1", R"({"order":true,"timeout":40})").status == 200);
  CHECK(json::parse(Do(*svc, "GET", base).body)[0]["timeout"] == 40);
  CHECK(json::parse(Do(*svc, "GET", base).body)[0]["order"] == true);
  auto missing = Do(*svc, "PUT", base + "/nope", R"({"order":true})");
  CHECK(missing.status == 404);
  CHECK(missing.body.find("ConsumerGroupNotExist") != std::string::npos);
  CHECK(Do(*svc, "POST", base + "/nope?type=heartbeat&consumer=c", "[]").status == 404);
  CHECK(Do(*svc, "DELETE", base + "/cg1").status == 200);
  CHECK(Do(*svc, "DELETE", base + "/cg1").status == 404);
  CHECK(json::parse(Do(*svc, "GET", base).body).empty());
}

TEST_CASE("heartbeat, checkpoints, forceSuccess and GetCheckPoint filler entries") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(2, &now);
  const std::string cg = "/logstores/app/consumergroups/cg";
  REQUIRE(Do(*svc, "POST", "/logstores/app/consumergroups", R"({"consumerGroup":"cg","timeout":60,"order":false})")
              .status == 200);
  auto hb = Do(*svc, "POST", cg + "?type=heartbeat&consumer=c1", "[]");
  REQUIRE(hb.status == 200);
  CHECK(json::parse(hb.body) == json::array({0, 1}));
  CHECK(Do(*svc, "POST", cg + "?type=heartbeat&consumer=c1", "").status == 200);  // empty body = []
  CHECK(Do(*svc, "POST", cg + "?type=heartbeat&consumer=c1", "{}").status == 400);
  CHECK(Do(*svc, "POST", cg + "?type=heartbeat", "[]").status == 400);

  // Never committed: one entry per shard with an empty checkpoint.
  json all = json::parse(Do(*svc, "GET", cg).body);
  REQUIRE(all.size() == 2);
  CHECK(all[0]["checkpoint"] == "");
  CHECK(all[1]["shard"] == 1);

  std::string c3 = EncodeCursor(3);
  std::string body = json({{"shard", 0}, {"checkpoint", c3}}).dump();
  CHECK(Do(*svc, "POST", cg + "?type=checkpoint&consumer=c1&forceSuccess=True", body).status == 200);
  now += 5;
  // forceSuccess=false: only the holder may write.
  CHECK(Do(*svc, "POST", cg + "?consumer=c1&forceSuccess=false&type=checkpoint", body).status == 200);
  auto stranger = Do(*svc, "POST", cg + "?type=checkpoint&consumer=c9&forceSuccess=FALSE", body);
  CHECK(stranger.status == 400);
  CHECK(stranger.body.find("ConsumerNotExist") != std::string::npos);
  CHECK(Do(*svc, "POST", cg + "?type=checkpoint&consumer=&forceSuccess=false", body).body.find("ConsumerNotMatch") !=
        std::string::npos);
  CHECK(Do(*svc, "POST", cg + "?type=checkpoint&consumer=c9&forceSuccess=true", body).status == 200);
  CHECK(Do(*svc, "POST", cg + "?type=checkpoint&forceSuccess=maybe", body).status == 400);
  CHECK(Do(*svc, "POST", cg + "?type=checkpoint&forceSuccess=true", R"({"shard":0,"checkpoint":"%%%"})")
            .body.find("InvalidShardCheckPoint") != std::string::npos);
  CHECK(Do(*svc, "POST", cg + "?type=checkpoint&forceSuccess=true", R"({"shard":7,"checkpoint":"AA=="})").status ==
        404);

  json one = json::parse(Do(*svc, "GET", cg + "?shard=0").body);
  REQUIRE(one.size() == 1);
  CHECK(one[0]["checkpoint"] == c3);
  CHECK(one[0]["consumer"] == "c9");
  CHECK(one[0]["updateTime"] == now);  // microseconds
  CHECK(json::parse(Do(*svc, "GET", cg + "?shard=-1").body).size() == 2);
  CHECK(json::parse(Do(*svc, "GET", cg + "?shard=5").body).empty());
}

}  // namespace slsflow::emulator

namespace slsflow::emulator {

TEST_CASE("hostile JSON bodies get 400, not a crash") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = test::MakeService(2, &now);
  std::string deep = std::string(2000000, '[') + std::string(2000000, ']');
  std::string wide = "[" + std::string(1000000, '1') + "]";
  for (const std::string* body : {&deep, &wide}) {
    for (const char* target :
         {"/logstores/app/consumergroups", "/logstores/app/consumergroups/cg?type=heartbeat&consumer=c",
          "/logstores/app/consumergroups/cg?type=checkpoint&consumer=c", "/logstores"}) {
      auto req = test::MakeReq(*svc, "POST", target, *body);
      auto r = svc->Handle(req);
      CHECK(r.status >= 400);
      CHECK(r.status < 500);
    }
  }
}

}  // namespace slsflow::emulator

namespace slsflow::emulator {

TEST_CASE("create validates name, timeout and order as doc/protocol.md §12.1 says, quoted forms included") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(1, &now);
  const std::string base = "/logstores/app/consumergroups";
  struct Case {
    const char* body;
    const char* code;
  };
  for (const Case& c : {
           Case{R"([])", "PostBodyInvalid"},
           Case{R"({"timeout":60})", "JsonInfoInvalid"},
           Case{R"({"consumerGroup":"a b","timeout":60})", "JsonInfoInvalid"},
           Case{R"({"consumerGroup":"a/b","timeout":60})", "JsonInfoInvalid"},
           Case{R"({"consumerGroup":"","timeout":60})", "JsonInfoInvalid"},
           Case{R"({"consumerGroup":7,"timeout":60})", "JsonInfoInvalid"},
           Case{R"({"consumerGroup":"g"})", "JsonInfoInvalid"},
           Case{R"({"consumerGroup":"g","timeout":0})", "JsonInfoInvalid"},
           Case{R"({"consumerGroup":"g","timeout":86401})", "JsonInfoInvalid"},
           Case{R"({"consumerGroup":"g","timeout":"60s"})", "JsonInfoInvalid"},
           Case{R"({"consumerGroup":"g","timeout":""})", "JsonInfoInvalid"},
           Case{R"({"consumerGroup":"g","timeout":1.5})", "JsonInfoInvalid"},
           Case{R"({"consumerGroup":"g","timeout":60,"order":"yes"})", "JsonInfoInvalid"},
           Case{R"({"consumerGroup":"g","timeout":60,"order":1})", "JsonInfoInvalid"},
       }) {
    CAPTURE(c.body);
    auto r = Do(*svc, "POST", base, c.body);
    CHECK(r.status == 400);
    CHECK(r.body.find(c.code) != std::string::npos);
  }
  CHECK(json::parse(Do(*svc, "GET", base).body).empty());  // nothing half-created

  std::string longest(128, 'n');
  CHECK(Do(*svc, "POST", base, R"({"consumerGroup":"A-z_0.9","timeout":"86400","order":"TRUE"})").status == 200);
  CHECK(Do(*svc, "POST", base, json({{"consumerGroup", longest}, {"timeout", 1}, {"order", "false"}}).dump()).status ==
        200);
  CHECK(Do(*svc, "POST", base, json({{"consumerGroup", longest + "n"}, {"timeout", 1}}).dump()).status == 400);
  json groups = json::parse(Do(*svc, "GET", base).body);
  REQUIRE(groups.size() == 2);
  CHECK(groups[0] == json({{"name", "A-z_0.9"}, {"timeout", 86400}, {"order", true}}));
  CHECK(groups[1]["order"] == false);
}

TEST_CASE("a refused update leaves the group as it was") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(1, &now);
  const std::string base = "/logstores/app/consumergroups";
  REQUIRE(Do(*svc, "POST", base, R"({"consumerGroup":"cg","timeout":30,"order":false})").status == 200);
  CHECK(Do(*svc, "PUT", base + "/cg", "[1]").body.find("PostBodyInvalid") != std::string::npos);
  CHECK(Do(*svc, "PUT", base + "/cg", R"({"timeout":0})").body.find("JsonInfoInvalid") != std::string::npos);
  CHECK(Do(*svc, "PUT", base + "/cg", R"({"timeout":"x","order":true})").body.find("JsonInfoInvalid") !=
        std::string::npos);
  // A bad order after a good timeout: neither applies.
  CHECK(Do(*svc, "PUT", base + "/cg", R"({"timeout":45,"order":"maybe"})").body.find("JsonInfoInvalid") !=
        std::string::npos);
  CHECK(json::parse(Do(*svc, "GET", base).body)[0] == json({{"name", "cg"}, {"timeout", 30}, {"order", false}}));
  CHECK(Do(*svc, "PUT", base + "/cg", R"({"timeout":"45"})").status == 200);  // order untouched
  CHECK(json::parse(Do(*svc, "GET", base).body)[0] == json({{"name", "cg"}, {"timeout", 45}, {"order", false}}));
}

TEST_CASE("every consumer-group API on a missing logstore is 404 LogStoreNotExist") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(1, &now);
  const std::string base = "/logstores/nope/consumergroups";
  for (auto [method, target, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", base, ""},
           {"POST", base, R"({"consumerGroup":"cg","timeout":60})"},
           {"PUT", base + "/cg", R"({"timeout":60})"},
           {"DELETE", base + "/cg", ""},
           {"POST", base + "/cg?type=heartbeat&consumer=c", "[]"},
           {"POST", base + "/cg?type=checkpoint&consumer=c", R"({"shard":0,"checkpoint":"AA=="})"},
           {"GET", base + "/cg", ""},
       }) {
    CAPTURE(method);
    CAPTURE(target);
    auto r = Do(*svc, method, target, body);
    CHECK(r.status == 404);
    CHECK(r.body.find("LogStoreNotExist") != std::string::npos);
  }
}

TEST_CASE("heartbeat bodies: ids as numbers or decimal strings; negative, huge or malformed ids are refused") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(2, &now);
  const std::string cg = "/logstores/app/consumergroups/cg";
  REQUIRE(Do(*svc, "POST", "/logstores/app/consumergroups", R"({"consumerGroup":"cg","timeout":60})").status == 200);
  CHECK(json::parse(Do(*svc, "POST", cg + "?type=heartbeat&consumer=c1", "[]").body) == json::array({0, 1}));
  CHECK(json::parse(Do(*svc, "POST", cg + "?type=heartbeat&consumer=c1", R"(["0", 1])").body) == json::array({0, 1}));
  for (const char* body : {"[-1]", "[1073741825]", R"(["1x"])", "[null]", "[1.5]", "not json"}) {
    CAPTURE(body);
    auto r = Do(*svc, "POST", cg + "?type=heartbeat&consumer=c1", body);
    CHECK(r.status == 400);
    CHECK(r.body.find("PostBodyInvalid") != std::string::npos);
  }
  // A consumer the group never saw, listing shards (as after an emulator restart).
  auto stale = Do(*svc, "POST", cg + "?type=heartbeat&consumer=c2", "[1]");
  CHECK(stale.status == 400);
  CHECK(stale.body.find("NotExistConsumerWithBody") != std::string::npos);
}

TEST_CASE("checkpoints: shard as a decimal string; a bad shard filter on read is refused") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(2, &now);
  const std::string cg = "/logstores/app/consumergroups/cg";
  REQUIRE(Do(*svc, "POST", "/logstores/app/consumergroups", R"({"consumerGroup":"cg","timeout":60})").status == 200);
  std::string c7 = EncodeCursor(7);
  CHECK(
      Do(*svc, "POST", cg + "?type=checkpoint&consumer=c1", json({{"shard", "1"}, {"checkpoint", c7}}).dump()).status ==
      200);
  CHECK(json::parse(Do(*svc, "GET", cg + "?shard=1").body)[0]["checkpoint"] == c7);
  for (const char* body : {R"({"shard":"one","checkpoint":"AA=="})", R"({"checkpoint":"AA=="})",
                           R"({"shard":1,"checkpoint":7})", R"({"shard":1})", "[]"}) {
    CAPTURE(body);
    CHECK(Do(*svc, "POST", cg + "?type=checkpoint&consumer=c1", body).body.find("PostBodyInvalid") !=
          std::string::npos);
  }
  auto bad = Do(*svc, "GET", cg + "?shard=x");
  CHECK(bad.status == 400);
  CHECK(bad.body.find("ParameterInvalid") != std::string::npos);
  CHECK(json::parse(Do(*svc, "GET", cg + "?shard=").body).size() == 2);  // empty filter: all shards
  CHECK(Do(*svc, "GET", "/logstores/app/consumergroups/nope").status == 404);
}

}  // namespace slsflow::emulator
