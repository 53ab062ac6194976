// TlsContext (certificate loading and its errors) and TlsSession over a
// socketpair: handshake, both directions, deadlines, the stop flag, the
// handshake byte budget, and the answer to plain HTTP.
#include "emulator/tls_stream.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/emulator/tls_test_util.h"

namespace slsflow::emulator {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

struct Pair {
  Pair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0); }
  ~Pair() {
    if (fds[0] >= 0) ::close(fds[0]);
    if (fds[1] >= 0) ::close(fds[1]);
  }
  int server() const { return fds[0]; }
  // The client end, handed over to a TlsClient (which closes it).
  int TakeClient() {
    int fd = fds[1];
    fds[1] = -1;
    return fd;
  }
  int fds[2];
};

struct Fixture {
  Fixture() : dir(slsflow::test::MakeTempDir("slsflow-tls")), cert(test::MakeSelfSignedCert(dir)) {
    auto loaded = TlsContext::Load(cert.cert_file, cert.key_file);
    REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
    ctx = std::move(loaded).value();
  }
  std::string dir;
  test::TestCert cert;
  std::shared_ptr<TlsContext> ctx;
  std::atomic<int> listening{3};
};

void SendRaw(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may hang up early
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

TEST_CASE("TlsContext::Load: every bad input is a config error naming the file") {
  std::string dir = slsflow::test::MakeTempDir("slsflow-tls");
  test::TestCert good = test::MakeSelfSignedCert(dir, "good");
  test::TestCert other = test::MakeSelfSignedCert(dir, "other");
  CHECK(TlsContext::Load(good.cert_file, good.key_file).ok());

  auto expect_config = [](const Result<std::shared_ptr<TlsContext>>& r, const std::string& file,
                          const std::string& flag) {
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().kind() == ErrorKind::kConfig);
    CHECK(r.status().ExitCode() == 3);
    CHECK_MESSAGE(r.status().message().find(file) != std::string::npos, r.status().message());
    CHECK_MESSAGE(r.status().message().find(flag) != std::string::npos, r.status().message());
  };
  expect_config(TlsContext::Load(dir + "/missing.pem", good.key_file), dir + "/missing.pem", "--tls-cert");
  expect_config(TlsContext::Load(good.cert_file, dir + "/missing.key"), dir + "/missing.key", "--tls-key");
  // A key file is not a certificate, and a certificate is not a key.
  expect_config(TlsContext::Load(good.key_file, good.key_file), good.key_file, "--tls-cert");
  expect_config(TlsContext::Load(good.cert_file, good.cert_file), good.cert_file, "--tls-key");
  auto mismatch = TlsContext::Load(good.cert_file, other.key_file);
  expect_config(mismatch, other.key_file, "--tls-key");
  CHECK(mismatch.status().message().find("does not match") != std::string::npos);

  // An encrypted key is refused with advice, never a passphrase prompt.
  std::string key_pem = slsflow::test::ReadFileOrDie(good.key_file);
  BIO* in = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  REQUIRE(key != nullptr);
  BIO* out = BIO_new(BIO_s_mem());
  char pass[] = "secret";
  PEM_write_bio_PrivateKey(out, key, EVP_aes_128_cbc(), nullptr, 0, nullptr, pass);
  char* data = nullptr;
  long n = BIO_get_mem_data(out, &data);
  slsflow::test::WriteFileOrDie(dir + "/enc.key", std::string(data, static_cast<size_t>(n)));
  BIO_free(out);
  EVP_PKEY_free(key);
  auto enc = TlsContext::Load(good.cert_file, dir + "/enc.key");
  expect_config(enc, dir + "/enc.key", "--tls-key");
  CHECK(enc.status().message().find("encrypted") != std::string::npos);
}

TEST_CASE("TlsSession: handshake, data both ways, close_notify is end of stream") {
  Fixture f;
  Pair pair;
  std::string from_client;
  ssize_t eof = -2;
  std::thread server([&] {
    TlsSession s(*f.ctx, pair.server(), &f.listening);
    if (!s.Accept(NowMs() + 5000, 5000)) return;  // the client's check fails
    char buf[64];
    ssize_t n = s.Read(buf, sizeof(buf), NowMs() + 5000);
    if (n > 0) from_client.assign(buf, static_cast<size_t>(n));
    CHECK(s.Write("world", 5, NowMs() + 5000) == 5);
    eof = s.Read(buf, sizeof(buf), NowMs() + 5000);
    s.Shutdown(1000);
  });
  test::TlsClient client(pair.TakeClient());
  REQUIRE(client.Handshake());
  REQUIRE(client.Send("hello"));
  CHECK(client.ReadSome() == "world");
  SSL_shutdown(client.ssl());
  server.join();
  CHECK(from_client == "hello");
  CHECK(eof == 0);
}

TEST_CASE("TlsSession: megabytes each way through partial reads and writes") {
  Fixture f;
  Pair pair;
  const size_t kSize = 4u << 20;
  std::string payload(kSize, '\0');
  for (size_t i = 0; i < kSize; ++i) payload[i] = static_cast<char>(i * 131 % 251);
  std::string echoed;
  std::thread server([&] {
    TlsSession s(*f.ctx, pair.server(), &f.listening);
    if (!s.Accept(NowMs() + 5000, 5000)) return;  // the client's check fails
    std::string got;
    std::vector<char> buf(100000);
    while (got.size() < kSize) {
      ssize_t n = s.Read(buf.data(), buf.size(), NowMs() + 10000);
      if (n <= 0) break;
      got.append(buf.data(), static_cast<size_t>(n));
    }
    size_t off = 0;
    while (off < got.size()) {
      ssize_t n = s.Write(got.data() + off, got.size() - off, NowMs() + 10000);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    CHECK(off == kSize);
  });
  test::TlsClient client(pair.TakeClient());
  REQUIRE(client.Handshake());
  // The server echoes only after reading everything, so the client's
  // writes fill the socket and the server's reads drain it in pieces.
  REQUIRE(client.Send(payload));
  while (echoed.size() < kSize) {
    std::string more = client.ReadSome();
    if (more.empty()) break;
    echoed += more;
  }
  server.join();
  CHECK(echoed.size() == kSize);
  CHECK(echoed == payload);
}

TEST_CASE("TlsSession: a silent client fails the handshake at the idle limit") {
  Fixture f;
  Pair pair;
  TlsSession s(*f.ctx, pair.server(), &f.listening);
  auto start = Clock::now();
  CHECK_FALSE(s.Accept(NowMs() + 10000, 200));
  auto took = Clock::now() - start;
  CHECK(took >= std::chrono::milliseconds(150));
  CHECK(took < std::chrono::seconds(3));
}

TEST_CASE("TlsSession: a request that stalls after the handshake ends at its deadline") {
  Fixture f;
  Pair pair;
  std::atomic<bool> done{false};
  std::thread client_thread([&, fd = pair.TakeClient()] {
    test::TlsClient client(fd);
    CHECK(client.Handshake());
    client.Send("GET /half");
    while (!done) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  });
  TlsSession s(*f.ctx, pair.server(), &f.listening);
  REQUIRE(s.Accept(NowMs() + 5000, 5000));
  char buf[64];
  CHECK(s.Read(buf, sizeof(buf), NowMs() + 5000) == 9);
  auto start = Clock::now();
  CHECK(s.Read(buf, sizeof(buf), NowMs() + 200) == -1);
  CHECK(Clock::now() - start < std::chrono::seconds(3));
  done = true;
  client_thread.join();
}

TEST_CASE("TlsSession: a stopping server ends a handshake wait at once") {
  Fixture f;
  Pair pair;
  TlsSession s(*f.ctx, pair.server(), &f.listening);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    f.listening = -1;
  });
  auto start = Clock::now();
  CHECK_FALSE(s.Accept(NowMs() + 30000, 30000));
  CHECK(Clock::now() - start < std::chrono::seconds(5));
  stopper.join();
}

TEST_CASE("TlsSession: an oversized ClientHello stops at the handshake byte budget") {
  Fixture f;
  Pair pair;
  // A ClientHello that claims 100000 bytes (OpenSSL alone would accept
  // up to ~128 KiB of it), in full 16 KiB records.
  std::string hello;
  for (int r = 0; r < 8; ++r) {
    hello += std::string("\x16\x03\x01\x40\x00", 5);
    std::string payload(16384, 'z');
    if (r == 0) payload.replace(0, 4, std::string("\x01\x01\x86\xa0", 4));
    hello += payload;
  }
  int client = pair.TakeClient();
  std::thread sender([&] { SendRaw(client, hello); });
  TlsSession s(*f.ctx, pair.server(), &f.listening);
  CHECK_FALSE(s.Accept(NowMs() + 5000, 5000));
  CHECK(s.raw_bytes_in() == TlsSession::kHandshakeBudget);
  ::shutdown(pair.server(), SHUT_RDWR);
  sender.join();
  ::close(client);
}

TEST_CASE("TlsSession: plain HTTP gets a 400 that says to use https, TLS garbage gets nothing") {
  Fixture f;
  {
    Pair pair;
    int client = pair.TakeClient();
    SendRaw(client, "GET /logstores HTTP/1.1\r\nHost: demo.localhost\r\n\r\n");
    TlsSession s(*f.ctx, pair.server(), &f.listening);
    CHECK_FALSE(s.Accept(NowMs() + 5000, 5000));
    s.RefusePlainHttp(1000);
    test::RawResponse r = test::ReadResponse(client, 5000);
    CHECK(r.status == 400);
    CHECK(r.body.find("https://") != std::string::npos);
    CHECK(r.body.find("\"errorCode\":\"BadRequest\"") != std::string::npos);
    ::close(client);
  }
  {
    Pair pair;
    int client = pair.TakeClient();
    SendRaw(client, std::string("\x16\x03\x01\x00\x05garbage-after", 18));
    TlsSession s(*f.ctx, pair.server(), &f.listening);
    CHECK_FALSE(s.Accept(NowMs() + 5000, 5000));
    s.RefusePlainHttp(1000);
    ::shutdown(pair.server(), SHUT_WR);
    char buf[512];
    ssize_t n = ::recv(client, buf, sizeof(buf), 0);
    // At most a TLS alert record, never an HTTP reply.
    CHECK((n <= 0 || buf[0] == 0x15));
    ::close(client);
  }
}

}  // namespace slsflow::emulator
