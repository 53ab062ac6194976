// The connection loop (EmuHttpServer + ConnStream) with TLS under it: the
// protections of the plain server (keep-alive, per-request budget and
// deadline, slowloris, reset fault) hold over HTTPS, and a failed handshake
// costs only its own connection. The plain-HTTP side is in server_test.cc.
#include "emulator/conn_stream.h"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "emulator/server.h"
#include "tests/emulator/tls_test_util.h"

namespace slsflow::emulator {
namespace {

using test::BuildRequest;
using test::RawResponse;
using test::TlsClient;

struct TlsRunning {
  explicit TlsRunning(EmulatorOptions o = {}) : dir(slsflow::test::MakeTempDir("slsflow-tls-conn")) {
    test::TestCert cert = test::MakeSelfSignedCert(dir);
    o.tls_cert_file = cert.cert_file;
    o.tls_key_file = cert.key_file;
    if (o.service.logstores.empty()) o.service.logstores = {{"app", 2}};
    test::AcceptAnyLogTime(&o.service.limits);
    server = std::make_unique<EmulatorServer>(std::move(o));
    Status st = server->Start();
    REQUIRE_MESSAGE(st.ok(), st.ToString());
  }
  HeaderList Headers(HeaderList extra = {}) {
    HeaderList h = {{"Host", "demo.localhost"}, {"Date", HttpDate(server->service().NowMicros() / 1000000)}};
    h.insert(h.end(), extra.begin(), extra.end());
    return h;
  }
  std::unique_ptr<TlsClient> Connect() {
    int fd = test::Connect(server->port());
    REQUIRE(fd >= 0);
    auto c = std::make_unique<TlsClient>(fd);
    REQUIRE(c->Handshake());
    return c;
  }
  bool Healthy() {
    auto c = Connect();
    return c->Send(BuildRequest("GET", "/logstores/app/shards", Headers())) && c->ReadResponse().status == 200;
  }
  std::string dir;
  std::unique_ptr<EmulatorServer> server;
};

}  // namespace

TEST_CASE("HTTPS: url says https, keep-alive requests get SLS replies") {
  TlsRunning emu;
  CHECK(emu.server->url().rfind("https://127.0.0.1:", 0) == 0);
  auto c = emu.Connect();
  for (int i = 0; i < 5; ++i) {
    REQUIRE(c->Send(BuildRequest("GET", "/logstores/app/shards", emu.Headers())));
    RawResponse r = c->ReadResponse();
    CHECK(r.status == 200);
    CHECK(r.Header("x-log-requestid").size() == 24);
  }
  std::string group = test::MakeLogGroup(50, "t", 2000);
  REQUIRE(c->Send(BuildRequest("POST", "/logstores/app/shards/0", emu.Headers(), group)));
  CHECK(c->ReadResponse().status == 200);
}

TEST_CASE("HTTPS: a body over the limit gets 413 and the server keeps serving") {
  TlsRunning emu;
  auto c = emu.Connect();
  HeaderList h = emu.Headers({{"Content-Type", "application/x-protobuf"}});
  h.emplace_back("Content-Length", std::to_string(100u << 20));
  REQUIRE(c->Send(BuildRequest("POST", "/logstores/app/shards/lb", h)));
  RawResponse r = c->ReadResponse();
  CHECK(r.status == 413);
  CHECK(r.body.find("PostBodyTooLarge") != std::string::npos);
  CHECK(emu.Healthy());
}

TEST_CASE("HTTPS: an endless header line is cut off by the request budget") {
  TlsRunning emu;
  auto c = emu.Connect();
  std::string junk(1u << 20, 'a');
  bool cut = false;
  for (int i = 0; i < 64 && !cut; ++i) cut = !c->Send(junk);
  CHECK(cut);
  CHECK(emu.Healthy());
}

TEST_CASE("HTTPS: stalled requests and stalled handshakes time out and never starve others") {
  EmulatorOptions o;
  o.service.limits.read_timeout_ms = 300;
  o.service.limits.request_deadline_ms = 1500;
  TlsRunning emu(o);
  std::vector<std::unique_ptr<TlsClient>> stalled;
  std::vector<int> silent;
  for (int i = 0; i < 10; ++i) {
    stalled.push_back(emu.Connect());
    REQUIRE(stalled.back()->Send("GET /logstores/app/sha"));
    silent.push_back(test::Connect(emu.server->port()));  // never says hello
  }
  CHECK(emu.Healthy());
  auto start = std::chrono::steady_clock::now();
  for (auto& c : stalled) CHECK(c->ReadResponse(5000).status == 0);  // closed, no reply
  for (int fd : silent) {
    char buf[64];
    pollfd p{fd, POLLIN, 0};
    CHECK(::poll(&p, 1, 5000) == 1);
    CHECK(::recv(fd, buf, sizeof(buf), 0) <= 0);
    ::close(fd);
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(emu.Healthy());
}

TEST_CASE("HTTPS: failed handshakes drop only their connection") {
  TlsRunning emu;
  // A client that refuses the certificate (it verifies, and trusts nothing).
  for (int i = 0; i < 5; ++i) {
    int fd = test::Connect(emu.server->port());
    REQUIRE(fd >= 0);
    TlsClient c(fd);
    SSL_set_verify(c.ssl(), SSL_VERIFY_PEER, nullptr);
    CHECK_FALSE(c.Handshake());
  }
  // Plain HTTP on the TLS port.
  RawResponse plain =
      test::RawRequest(emu.server->port(), BuildRequest("GET", "/logstores/app/shards", emu.Headers()), 5000);
  CHECK(plain.status == 400);
  CHECK(plain.body.find("https://") != std::string::npos);
  CHECK(emu.Healthy());
}

TEST_CASE("HTTPS: the reset fault resets the TCP connection without a reply") {
  EmulatorOptions o;
  o.faults.reset = 1.0;
  TlsRunning emu(o);
  int fd = test::Connect(emu.server->port());
  REQUIRE(fd >= 0);
  TlsClient c(fd);
  REQUIRE(c.Handshake());
  REQUIRE(c.Send(BuildRequest("GET", "/logstores/app/shards", emu.Headers())));
  // A reset, not a TLS close or a FIN: past any TLS records already sent
  // (session tickets), the socket reports ECONNRESET, as it does without
  // TLS. Read raw, below OpenSSL.
  ssize_t n = 0;
  int err = 0;
  std::string raw;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 5000) == 1);
    char buf[4096];
    n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      err = errno;
      break;
    }
    if (n == 0) break;  // a FIN: not a reset
    raw.append(buf, static_cast<size_t>(n));
  }
  CHECK(n < 0);
  CHECK(err == ECONNRESET);
  CHECK(raw.size() < 2048);  // no reply came, only handshake leftovers
  o.faults.reset = 0;
  emu.server->faults().Set(o.faults);
  CHECK(emu.Healthy());
}

TEST_CASE("HTTPS: Stop() is prompt with clients idle, mid-request and mid-handshake") {
  TlsRunning emu;
  auto idle = emu.Connect();
  auto half = emu.Connect();
  REQUIRE(half->Send("GET /logstores/app/sha"));
  int silent = test::Connect(emu.server->port());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto start = std::chrono::steady_clock::now();
  emu.server->Stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  ::close(silent);
}

}  // namespace slsflow::emulator
