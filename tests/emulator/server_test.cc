// The HTTP layer: hostile input (acceptance 5), keep-alive, admin endpoint,
// injected faults. The server must answer with SLS errors and keep serving.
#include "emulator/server.h"

#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "emulator/cursor.h"
#include "tests/emulator/emu_test_util.h"

namespace slsflow::emulator {
namespace {

using nlohmann::json;
using test::BuildRequest;
using test::RawRequest;
using test::RawResponse;

struct Running {
  explicit Running(EmulatorOptions o = {}) {
    if (o.service.logstores.empty()) o.service.logstores = {{"app", 2}};
    test::AcceptAnyLogTime(&o.service.limits);
    server = std::make_unique<EmulatorServer>(std::move(o));
    Status st = server->Start();
    REQUIRE_MESSAGE(st.ok(), st.ToString());
  }
  int port() const { return server->port(); }
  HeaderList Headers(HeaderList extra = {}) {
    HeaderList h = {{"Host", "demo.127.0.0.1:" + std::to_string(port())},
                    {"Date", HttpDate(server->service().NowMicros() / 1000000)}};
    h.insert(h.end(), extra.begin(), extra.end());
    return h;
  }
  // The server is alive and answering.
  bool Healthy() {
    RawResponse r = RawRequest(port(), BuildRequest("GET", "/logstores/app/shards", Headers()), 5000);
    return r.status == 200;
  }
  std::unique_ptr<EmulatorServer> server;
};

std::string ErrorCode(const RawResponse& r) {
  json j = json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("errorCode") ? j["errorCode"].get<std::string>() : "<" + r.body + ">";
}

}  // namespace

TEST_CASE("every reply carries a request id; errors are SLS JSON") {
  Running emu;
  RawResponse ok = RawRequest(emu.port(), BuildRequest("GET", "/logstores/app/shards", emu.Headers()));
  CHECK(ok.status == 200);
  CHECK(ok.Header("x-log-requestid").size() == 24);
  RawResponse no_date =
      RawRequest(emu.port(), BuildRequest("GET", "/logstores/app/shards", {{"Host", "demo.127.0.0.1"}}));
  CHECK(no_date.status == 400);
  CHECK(ErrorCode(no_date) == "MissingDate");
  CHECK(no_date.Header("x-log-requestid").size() == 24);
  RawResponse garbage = RawRequest(emu.port(), "BLAH\r\n\r\n");
  CHECK(garbage.status == 400);
  CHECK(garbage.Header("x-log-requestid").size() == 24);
  CHECK(emu.Healthy());
}

TEST_CASE("JSON replies are never HTTP-compressed, pull replies use SLS compression only") {
  Running emu;
  RawResponse r = RawRequest(emu.port(), BuildRequest("GET", "/logstores/app/shards",
                                                      emu.Headers({{"Accept-Encoding", "gzip, deflate, br"}})));
  CHECK(r.status == 200);
  CHECK(r.Header("Content-Encoding").empty());
  CHECK(json::parse(r.body).size() == 2);
  std::string group = test::MakeLogGroup(2);
  REQUIRE(RawRequest(emu.port(), BuildRequest("POST", "/logstores/app/shards/0", emu.Headers(), group)).status == 200);
  std::string target = "/logstores/app/shards/0?type=log&count=10&cursor=" + PercentEncode(EncodeCursor(0));
  RawResponse pull = RawRequest(emu.port(), BuildRequest("GET", target, emu.Headers({{"Accept-Encoding", "lz4"}})));
  CHECK(pull.status == 200);
  CHECK(pull.Header("x-log-compresstype") == "lz4");
  CHECK(pull.Header("Content-Encoding").empty());
}

TEST_CASE("several requests share one keep-alive connection; a chunked body is read") {
  Running emu;
  int fd = test::Connect(emu.port());
  REQUIRE(fd >= 0);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(test::SendAll(fd, BuildRequest("GET", "/logstores/app/shards", emu.Headers())));
    CHECK(test::ReadResponse(fd).status == 200);
  }
  std::string body = R"({"consumerGroup":"cg","timeout":60,"order":false})";
  char sizes[2][16];
  std::snprintf(sizes[0], sizeof(sizes[0]), "%x", 16);
  std::snprintf(sizes[1], sizeof(sizes[1]), "%zx", body.size() - 16);
  std::string req = "POST /logstores/app/consumergroups HTTP/1.1\r\nHost: demo.127.0.0.1\r\nDate: " +
                    HttpDate(emu.server->service().NowMicros() / 1000000) +
                    "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + sizes[0] + "\r\n" +
                    body.substr(0, 16) + "\r\n" + sizes[1] + "\r\n" + body.substr(16) + "\r\n0\r\n\r\n";
  REQUIRE(test::SendAll(fd, req));
  CHECK(test::ReadResponse(fd).status == 200);
  ::close(fd);
}

TEST_CASE("a 100 MB body gets 413 PostBodyTooLarge and the server keeps serving") {
  Running emu;
  for (bool chunked : {false, true}) {
    CAPTURE(chunked);
    int fd = test::Connect(emu.port());
    REQUIRE(fd >= 0);
    HeaderList h = emu.Headers({{"Content-Type", "application/x-protobuf"}});
    h.emplace_back(chunked ? "Transfer-Encoding" : "Content-Length", chunked ? "chunked" : std::to_string(100u << 20));
    std::string head = BuildRequest("POST", "/logstores/app/shards/lb", h);
    REQUIRE(test::SendAll(fd, head));
    std::thread sender([fd, chunked] {
      std::string block(1u << 20, 'x');
      std::string chunk = chunked ? "100000\r\n" + block + "\r\n" : block;
      for (int i = 0; i < 100; ++i) {
        if (!test::SendAll(fd, chunk)) return;  // the server may hang up early
      }
    });
    RawResponse r = test::ReadResponse(fd, 30000);
    ::shutdown(fd, SHUT_RDWR);
    sender.join();
    ::close(fd);
    if (r.status != 0) {  // a reset may beat the reply to the client; either way, no crash
      CHECK(r.status == 413);
      CHECK(ErrorCode(r) == "PostBodyTooLarge");
    }
    CHECK(emu.Healthy());
  }
}

TEST_CASE("slowloris clients are timed out and never starve others") {
  EmulatorOptions o;
  o.service.limits.read_timeout_ms = 300;
  o.service.limits.request_deadline_ms = 1500;
  Running emu(o);
  // Many connections that send half a request line and stop.
  std::vector<int> stalled;
  for (int i = 0; i < 40; ++i) {
    int fd = test::Connect(emu.port());
    REQUIRE(fd >= 0);
    REQUIRE(test::SendAll(fd, "GET /logstores/app/sha"));
    stalled.push_back(fd);
  }
  CHECK(emu.Healthy());
  // One that trickles a byte every 100 ms never finishes its headers.
  int trickle = test::Connect(emu.port());
  REQUIRE(trickle >= 0);
  auto start = std::chrono::steady_clock::now();
  std::string req = BuildRequest("GET", "/logstores/app/shards", emu.Headers());
  bool cut = false;
  for (char c : req + std::string(100, 'x')) {
    if (!test::SendAll(trickle, std::string_view(&c, 1))) {
      cut = true;
      break;
    }
    pollfd p{trickle, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char buf[512];
      if (::recv(trickle, buf, sizeof(buf), 0) <= 0) {
        cut = true;
        break;
      }
    }
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(10)) break;
  }
  CHECK(cut);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // The stalled ones were closed by the read timeout.
  for (int fd : stalled) {
    char buf[256];
    pollfd p{fd, POLLIN, 0};
    CHECK(::poll(&p, 1, 3000) == 1);
    CHECK(::recv(fd, buf, sizeof(buf), 0) <= 0);  // closed without a reply
    ::close(fd);
  }
  CHECK(emu.Healthy());
}

TEST_CASE("an endless header line is cut off without buffering it all") {
  Running emu;
  int fd = test::Connect(emu.port());
  REQUIRE(fd >= 0);
  std::string junk(1u << 20, 'a');
  bool cut = false;
  for (int i = 0; i < 64 && !cut; ++i) cut = !test::SendAll(fd, junk);
  ::close(fd);
  CHECK(cut);
  CHECK(emu.Healthy());
}

TEST_CASE("admin endpoint: off by default, token-gated, sets faults and the clock") {
  {
    Running off;
    RawResponse r = RawRequest(
        off.port(), BuildRequest("GET", "/_slsflow/admin/faults", off.Headers({{"x-slsflow-admin-token", "t"}})));
    CHECK(r.status == 400);  // just an unknown SLS path
  }
  EmulatorOptions o;
  o.admin_token = "s3cret";
  o.service.auth = true;
  o.service.credentials = Credentials{"testid", "testsecret", ""};
  Running emu(o);
  RawResponse no_token = RawRequest(emu.port(), BuildRequest("GET", "/_slsflow/admin/faults", emu.Headers()));
  CHECK(no_token.status == 401);
  auto admin = [&](const std::string& method, const std::string& what, const std::string& body = "") {
    return RawRequest(emu.port(), BuildRequest(method, "/_slsflow/admin/" + what,
                                               {{"Host", "x"}, {"x-slsflow-admin-token", "s3cret"}}, body));
  };
  RawResponse got = admin("GET", "faults");
  CHECK(got.status == 200);
  CHECK(json::parse(got.body)["p500"] == 0.0);
  CHECK(admin("PUT", "faults", R"({"p503":1.0})").status == 200);
  // SLS requests now fail with 503 ServerBusy (before any signature check).
  RawResponse busy = RawRequest(emu.port(), BuildRequest("GET", "/logstores/app/shards", emu.Headers()));
  CHECK(busy.status == 503);
  CHECK(ErrorCode(busy) == "ServerBusy");
  CHECK(admin("PUT", "faults", R"({"p503":0})").status == 200);
  CHECK(admin("PUT", "faults", R"({"p503":7})").status == 400);
  CHECK(admin("PUT", "clock", R"({"offsetSeconds":-7200})").status == 200);
  CHECK(json::parse(admin("GET", "clock").body)["offsetSeconds"] == -7200);
  CHECK(emu.server->service().clock_offset_s() == -7200);
}

TEST_CASE("injected faults: 500, reset, quotas") {
  EmulatorOptions o;
  o.faults.p500 = 1.0;
  Running emu(o);
  RawResponse r = RawRequest(emu.port(), BuildRequest("GET", "/logstores/app/shards", emu.Headers()));
  CHECK(r.status == 500);
  CHECK(ErrorCode(r) == "InternalServerError");

  FaultOptions reset;
  reset.reset = 1.0;
  emu.server->faults().Set(reset);
  std::string group = test::MakeLogGroup(1);
  CHECK(RawRequest(emu.port(), BuildRequest("POST", "/logstores/app/shards/0", emu.Headers(), group)).status == 0);
  // The write was applied before the connection was dropped.
  FaultOptions quota;
  quota.write_req_per_s = 2;
  emu.server->faults().Set(quota);
  auto ls = emu.server->service().FindProject("demo")->Find("app");
  CHECK(ls->shards.at(0)->Size() == 1);
  int ok = 0, throttled = 0;
  for (int i = 0; i < 5; ++i) {
    RawResponse p = RawRequest(emu.port(), BuildRequest("POST", "/logstores/app/shards/0", emu.Headers(), group));
    if (p.status == 200) ++ok;
    if (p.status == 403 && ErrorCode(p) == "ShardWriteQuotaExceed") ++throttled;
  }
  CHECK(ok >= 2);
  CHECK(throttled >= 1);
  CHECK(ok + throttled == 5);
}

TEST_CASE("Stop returns promptly with idle keep-alive connections open") {
  Running emu;
  int fd = test::Connect(emu.port());
  REQUIRE(test::SendAll(fd, BuildRequest("GET", "/logstores/app/shards", emu.Headers())));
  CHECK(test::ReadResponse(fd).status == 200);
  auto start = std::chrono::steady_clock::now();
  emu.server->Stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  ::close(fd);
}

}  // namespace slsflow::emulator

namespace slsflow::emulator {

TEST_CASE("Stop does not wait for a client stuck in the middle of a request") {
  EmulatorOptions o;
  o.service.limits.read_timeout_ms = 30000;
  o.service.limits.request_deadline_ms = 60000;
  Running emu(o);
  int fd = test::Connect(emu.port());
  REQUIRE(test::SendAll(fd, "POST /logstores/app/shards/lb HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto start = std::chrono::steady_clock::now();
  emu.server->Stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  ::close(fd);
}

TEST_CASE("concurrent puts, pulls and splits lose nothing") {
  Running emu;
  std::atomic<int> acked{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 60; ++i) {
        std::string g = test::MakeLogGroup(1 + i % 3, "w" + std::to_string(w));
        RawResponse r = RawRequest(emu.port(), BuildRequest("POST", "/logstores/app/shards/lb", emu.Headers(), g));
        if (r.status == 200) acked++;
      }
    });
  }
  std::thread reader([&] {
    while (!stop) {
      for (int s = 0; s < 8; ++s) {
        std::string target = "/logstores/app/shards/" + std::to_string(s) +
                             "?type=log&count=1000&cursor=" + PercentEncode(EncodeCursor(0));
        RawRequest(emu.port(), BuildRequest("GET", target, emu.Headers({{"Accept-Encoding", "zstd"}})));
      }
    }
  });
  // Split while writes are in flight: 0 -> 2,3 and 1 -> 4,5.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(RawRequest(emu.port(),
                   BuildRequest("POST", "/logstores/app/shards/0?action=split&key=40000000000000000000000000000000",
                                emu.Headers()))
            .status == 200);
  CHECK(RawRequest(emu.port(),
                   BuildRequest("POST", "/logstores/app/shards/1?action=split&key=c0000000000000000000000000000000",
                                emu.Headers()))
            .status == 200);
  for (auto& t : writers) t.join();
  stop = true;
  reader.join();
  CHECK(acked == 240);
  uint64_t stored = 0;
  auto ls = emu.server->service().FindProject("demo")->Find("app");
  {
    std::shared_lock lock(ls->mu);
    CHECK(ls->shards.size() == 6);
    for (auto& [id, shard] : ls->shards) stored += shard->Size();
  }
  CHECK(stored == 240);
}

}  // namespace slsflow::emulator

namespace slsflow::emulator {

TEST_CASE("Stop right after Start never hangs") {
  for (int i = 0; i < 50; ++i) {
    EmulatorServer server(EmulatorOptions{});
    REQUIRE(server.Start().ok());
    server.Stop();
  }
}

}  // namespace slsflow::emulator
