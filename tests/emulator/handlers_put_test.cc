// PutLogs through Service::Handle (no HTTP): routes, codecs, validation.
#include <doctest/doctest.h>

#include "core/sls/codec.h"
#include "core/sls/crypto.h"
#include "emulator/cursor.h"
#include "tests/emulator/emu_test_util.h"

namespace slsflow::emulator {
using test::MakeLogGroup;
using test::MakeReq;
using test::MakeService;

namespace {

EmuResponse Put(Service& svc, const std::string& target, const std::string& body, HeaderList extra = {}) {
  auto req = MakeReq(svc, "POST", target, body, std::move(extra));
  return svc.Handle(req);
}

size_t ShardSize(Service& svc, int shard) {
  auto ls = svc.FindProject("demo")->Find("app");
  std::shared_lock lock(ls->mu);
  return ls->shards.at(shard)->Size();
}

std::string StoredBytes(Service& svc, int shard, uint64_t offset) {
  auto ls = svc.FindProject("demo")->Find("app");
  std::shared_lock lock(ls->mu);
  return ls->shards.at(shard)->Range(offset, offset + 1).at(0)->raw;
}

}  // namespace

TEST_CASE("PutLogs stores the LogGroup byte for byte under every codec and route") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(2, &now);
  REQUIRE(svc);
  std::string group = MakeLogGroup(3);
  for (auto type : {CompressType::kNone, CompressType::kLz4, CompressType::kZstd, CompressType::kDeflate}) {
    std::string body;
    HeaderList h = {{"Content-Type", "application/x-protobuf"}, {"x-log-bodyrawsize", std::to_string(group.size())}};
    if (type == CompressType::kNone) {
      body = group;
    } else {
      REQUIRE(Compress(type, group, &body).ok());
      h.emplace_back("x-log-compresstype", CompressTypeToken(type));
    }
    h.emplace_back("Content-MD5", HexUpper(Md5(body)));
    CHECK(Put(*svc, "/logstores/app/shards/lb", body, h).status == 200);
  }
  // Load-balanced writes go round-robin over the readwrite shards.
  CHECK(ShardSize(*svc, 0) == 2);
  CHECK(ShardSize(*svc, 1) == 2);
  CHECK(StoredBytes(*svc, 0, 0) == group);
  CHECK(StoredBytes(*svc, 1, 1) == group);

  // Hash routing picks the shard whose range holds the key.
  CHECK(Put(*svc, "/logstores/app/shards/route?key=c0000000000000000000000000000000", group).status == 200);
  CHECK(ShardSize(*svc, 1) == 3);
  CHECK(Put(*svc, "/logstores/app/shards/route?key=00000000000000000000000000000001", group).status == 200);
  CHECK(ShardSize(*svc, 0) == 3);
  // Explicit shard, and the Go SDK's bare logstore path.
  CHECK(Put(*svc, "/logstores/app/shards/1", group).status == 200);
  CHECK(ShardSize(*svc, 1) == 4);
  CHECK(Put(*svc, "/logstores/app", group).status == 200);
  CHECK(ShardSize(*svc, 0) + ShardSize(*svc, 1) == 8);
}

TEST_CASE("PutLogs never re-encodes: unknown and absent fields survive") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(1, &now);
  // A group without TimeNs plus an unknown field (number 9): kept as sent.
  std::string group = MakeLogGroup(1);
  group += std::string("\x4a\x03xyz", 5);
  CHECK(Put(*svc, "/logstores/app/shards/lb", group).status == 200);
  CHECK(StoredBytes(*svc, 0, 0) == group);
}

TEST_CASE("PutLogs rejects bad bodies with SLS codes and stores nothing") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(1, &now);
  std::string group = MakeLogGroup(2);
  std::string lz4;
  REQUIRE(Compress(CompressType::kLz4, group, &lz4).ok());
  auto code = [](const EmuResponse& r) { return r.body; };

  SUBCASE("malformed protobuf") {
    auto r = Put(*svc, "/logstores/app/shards/lb", "\x0a\xff\xff\xff\x0f garbage");
    CHECK(r.status == 400);
    CHECK(code(r).find("PostBodyInvalid") != std::string::npos);
  }
  SUBCASE("missing required field (Log.Time)") {
    sls::LogGroup g;
    g.add_logs()->add_contents()->set_key("k");
    auto r = Put(*svc, "/logstores/app/shards/lb", g.SerializePartialAsString());
    CHECK(r.status == 400);
  }
  SUBCASE("lying x-log-bodyrawsize") {
    auto r = Put(*svc, "/logstores/app/shards/lb", lz4,
                 {{"x-log-compresstype", "lz4"}, {"x-log-bodyrawsize", std::to_string(group.size() - 7)}});
    CHECK(r.status == 400);
    CHECK(code(r).find("PostBodyUncompressError") != std::string::npos);
  }
  SUBCASE("zip bomb: small body, huge claimed raw size") {
    std::string bomb_raw(64u << 20, '\0');
    std::string bomb;
    REQUIRE(Compress(CompressType::kZstd, bomb_raw, &bomb).ok());
    auto r = Put(*svc, "/logstores/app/shards/lb", bomb,
                 {{"x-log-compresstype", "zstd"}, {"x-log-bodyrawsize", std::to_string(bomb_raw.size())}});
    CHECK(r.status == 413);
    CHECK(code(r).find("PostBodyTooLarge") != std::string::npos);
    // Claiming a small size does not help: decompression stops at the claim.
    auto r2 =
        Put(*svc, "/logstores/app/shards/lb", bomb, {{"x-log-compresstype", "zstd"}, {"x-log-bodyrawsize", "100"}});
    CHECK(r2.status == 400);
  }
  SUBCASE("compressed without raw size, bad raw size, unknown codec, bad MD5") {
    CHECK(
        code(Put(*svc, "/logstores/app/shards/lb", lz4, {{"x-log-compresstype", "lz4"}})).find("MissingBodyRawSize") !=
        std::string::npos);
    CHECK(code(Put(*svc, "/logstores/app/shards/lb", lz4, {{"x-log-compresstype", "lz4"}, {"x-log-bodyrawsize", "-1"}}))
              .find("InvalidBodyRawSize") != std::string::npos);
    CHECK(
        code(Put(*svc, "/logstores/app/shards/lb", lz4, {{"x-log-compresstype", "snappy"}, {"x-log-bodyrawsize", "1"}}))
            .find("InvalidCompressType") != std::string::npos);
    CHECK(Put(*svc, "/logstores/app/shards/lb", group, {{"Content-MD5", std::string(32, 'A')}}).status == 400);
  }
  SUBCASE("LogGroup over 5 MiB") {
    std::string big = MakeLogGroup(6, "t", 1u << 20);
    CHECK(Put(*svc, "/logstores/app/shards/lb", big).status == 413);
  }
  SUBCASE("bad route key, unknown logstore, unknown shard") {
    CHECK(Put(*svc, "/logstores/app/shards/route?key=zz", group).status == 400);
    CHECK(Put(*svc, "/logstores/nope/shards/lb", group).status == 404);
    CHECK(Put(*svc, "/logstores/app/shards/7", group).status == 400);
  }
  CHECK(ShardSize(*svc, 0) == 0);
}

TEST_CASE("one log that breaks a rule rejects the whole request; its neighbours are not stored") {
  int64_t now = 1795550000LL * 1000000;
  ServiceOptions o;  // SLS's default limits, the time window included
  o.logstores = {{"app", 1}};
  o.clock_us = [&now] { return now; };
  Service svc(o, NewMemoryStorage());
  REQUIRE(svc.Init().ok());
  auto group_with = [&](const std::string& key, const std::string& value, uint32_t time) {
    sls::LogGroup g;
    for (int i = 0; i < 3; ++i) {
      auto* log = g.add_logs();
      log->set_time(static_cast<uint32_t>(now / 1000000));
      auto* c = log->add_contents();
      c->set_key("ok");
      c->set_value("good " + std::to_string(i));
    }
    auto* bad = g.add_logs();
    bad->set_time(time);
    auto* c = bad->add_contents();
    c->set_key(key);
    c->set_value(value);
    return g.SerializeAsString();
  };
  const uint32_t t = static_cast<uint32_t>(now / 1000000);
  struct Case {
    std::string key, value;
    uint32_t time;
    int status;
    std::string code;
  };
  for (const Case& c :
       {Case{std::string(129, 'k'), "v", t, 400, "InvalidKey"}, Case{"9lives", "v", t, 400, "InvalidKey"},
        Case{"__topic__", "v", t, 400, "InvalidKey"},
        Case{"k", std::string((1 << 20) + 1, 'v'), t, 400, "PostBodyInvalid"},
        Case{"k", "\xff\xfe", t, 400, "InvalidEncoding"}, Case{"k", "v", t - 8 * 86400, 400, "PostBodyInvalid"},
        Case{"k", "v", t + 3600, 400, "PostBodyInvalid"}}) {
    CAPTURE(c.code);
    auto r = Put(svc, "/logstores/app/shards/lb", group_with(c.key, c.value, c.time));
    CHECK(r.status == c.status);
    CHECK(r.content_type == "application/json");
    CHECK(r.body.find("\"errorCode\":\"" + c.code + "\"") != std::string::npos);
    CHECK(r.body.find("log 3") != std::string::npos);  // the message names the log
  }
  CHECK(ShardSize(svc, 0) == 0);
  CHECK(Put(svc, "/logstores/app/shards/lb", group_with("k", "v", t)).status == 200);
  CHECK(ShardSize(svc, 0) == 1);
}

TEST_CASE("a body over --max-body gets 413 PostBodyTooLarge with SLS's message") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(1, &now);
  auto r = Put(*svc, "/logstores/app/shards/lb", std::string(10485761, 'x'));
  CHECK(r.status == 413);
  CHECK(r.body.find("PostBodyTooLarge") != std::string::npos);
  CHECK(r.body.find("body size must be less than 10485760") != std::string::npos);
  CHECK(ShardSize(*svc, 0) == 0);
}

TEST_CASE("writes to a readonly shard are refused; lb and route skip readonly shards") {
  int64_t now = 1795550000LL * 1000000;
  auto svc = MakeService(1, &now);
  auto split = MakeReq(*svc, "POST", "/logstores/app/shards/0?action=split&key=80000000000000000000000000000000");
  REQUIRE(svc->Handle(split).status == 200);
  std::string group = MakeLogGroup(1);
  auto r = Put(*svc, "/logstores/app/shards/0", group);
  CHECK(r.status == 400);
  CHECK(r.body.find("ShardReadOnly") != std::string::npos);
  for (int i = 0; i < 4; ++i) CHECK(Put(*svc, "/logstores/app/shards/lb", group).status == 200);
  CHECK(Put(*svc, "/logstores/app/shards/route?key=00000000000000000000000000000000", group).status == 200);
  CHECK(ShardSize(*svc, 0) == 0);
  CHECK(ShardSize(*svc, 1) == 3);
  CHECK(ShardSize(*svc, 2) == 2);
}

}  // namespace slsflow::emulator
