#include "core/sls/client.h"

#include <doctest/doctest.h>
#include <httplib.h>

#include <atomic>
#include <deque>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/sls/codec.h"
#include "core/sls/crypto.h"
#include "sls.pb.h"

using namespace slsflow;

namespace {

// A tiny SLS look-alike: records the last request, answers what the test says.
struct FakeServer {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  SignableRequest last;
  std::string last_body;
  std::function<void(const httplib::Request&, httplib::Response&)> reply;

  FakeServer() {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu);
        last = SignableRequest{req.method, req.path, {}, {}};
        for (auto& [k, v] : req.params) last.query.emplace_back(k, v);
        for (auto& [k, v] : req.headers) last.headers.emplace_back(k, v);
        last_body = req.body;
      }
      res.set_header("x-log-requestid", "5AEEC78E1FFC0366B24F1C63");
      if (reply) reply(req, res);
    };
    server.Get(".*", handler);
    server.Post(".*", handler);
    server.Put(".*", handler);
    server.Delete(".*", handler);
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeServer() {
    server.stop();
    thread.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port); }
};

std::unique_ptr<SlsClient> MakeTestClient(const std::string& endpoint, int timeout_ms = 5000) {
  ClientOptions o;
  o.endpoint = *ParseEndpoint(endpoint);
  o.project = "demo";
  o.credentials = {"testid", "testsecret", ""};
  o.credential_source = "profile prod in /etc/x";
  HttpOptions h;
  h.timeout_ms = timeout_ms;
  h.connect_timeout_ms = 2000;
  return std::make_unique<SlsClient>(o, NewCurlTransport(h));
}

PullRequest Pull(const std::string& cursor) {
  PullRequest p;
  p.logstore = "app";
  p.cursor = cursor;
  return p;
}

bool Verifies(const SignableRequest& req, int64_t now) {
  auto lookup = [](const std::string& ak, std::string* s) {
    *s = "testsecret";
    return ak == "testid";
  };
  return VerifyRequest(req, lookup, now).ok();
}

}  // namespace

TEST_CASE("PutLogs sends what the SDK captures show, signed so that a server verifies it") {
  FakeServer fake;
  auto client = MakeTestClient(fake.endpoint());
  sls::LogGroup g;
  auto* log = g.add_logs();
  log->set_time(1700000000);
  auto* c = log->add_contents();
  c->set_key("msg");
  c->set_value("hello");
  std::string raw = g.SerializeAsString(), packed;
  REQUIRE(Compress(CompressType::kLz4, raw, &packed).ok());
  PutRequest put{"app", {}, packed, raw.size(), CompressType::kLz4};
  Status st = client->PutLogs(put);
  REQUIRE_MESSAGE(st.ok(), st.ToString());

  std::lock_guard<std::mutex> lock(fake.mu);
  CHECK(fake.last.method == "POST");
  CHECK(fake.last.path == "/logstores/app/shards/lb");
  CHECK(*FindHeader(fake.last.headers, "Host") == "demo.127.0.0.1:" + std::to_string(fake.port));
  CHECK(*FindHeader(fake.last.headers, "x-log-apiversion") == "0.6.0");
  CHECK(*FindHeader(fake.last.headers, "x-log-bodyrawsize") == std::to_string(raw.size()));
  CHECK(*FindHeader(fake.last.headers, "x-log-compresstype") == "lz4");
  CHECK(*FindHeader(fake.last.headers, "x-log-signaturemethod") == "hmac-sha1");
  CHECK(*FindHeader(fake.last.headers, "Content-Type") == "application/x-protobuf");
  CHECK(*FindHeader(fake.last.headers, "Content-MD5") == HexUpper(Md5(packed)));
  CHECK(FindHeader(fake.last.headers, "Authorization")->rfind("LOG testid:", 0) == 0);
  CHECK(FindHeader(fake.last.headers, "Expect") == nullptr);
  CHECK(fake.last_body == packed);
  CHECK(Verifies(fake.last, std::time(nullptr)));
}

TEST_CASE("GET requests carry no Content-Type curl made up, and v4 signing verifies too") {
  FakeServer fake;
  fake.reply = [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"cursor":"MTYwMDAwMDAwMDAwMDAwMDAwMA=="})", "application/json");
  };
  ClientOptions o;
  o.endpoint = *ParseEndpoint(fake.endpoint());
  o.project = "demo";
  o.credentials = {"testid", "testsecret", "tok"};
  o.sign = {SignatureVersion::kV4, HmacMethod::kSha1, "cn-hangzhou"};
  SlsClient client(o, NewCurlTransport({}));
  auto cursor = client.GetCursor("app", 0, "begin");
  REQUIRE_MESSAGE(cursor.ok(), cursor.status().ToString());
  CHECK(*cursor == "MTYwMDAwMDAwMDAwMDAwMDAwMA==");
  std::lock_guard<std::mutex> lock(fake.mu);
  CHECK(FindHeader(fake.last.headers, "Content-Type") == nullptr);
  CHECK(*FindHeader(fake.last.headers, "x-acs-security-token") == "tok");
  CHECK(Verifies(fake.last, std::time(nullptr)));
}

TEST_CASE("PullLogs decodes the reply and its headers") {
  FakeServer fake;
  sls::LogGroupList list;
  auto* g = list.add_loggroups();
  g->set_topic("t");
  auto* log = g->add_logs();
  log->set_time(1);
  auto* c = log->add_contents();
  c->set_key("k");
  c->set_value("v");
  std::string raw = list.SerializeAsString(), packed;
  REQUIRE(Compress(CompressType::kZstd, raw, &packed).ok());
  fake.reply = [&](const httplib::Request& req, httplib::Response& res) {
    CHECK(req.get_header_value("Accept-Encoding") == "zstd");
    CHECK(req.get_param_value("cursor") == "MTYw+/==");
    res.set_header("x-log-cursor", "next");
    res.set_header("x-log-count", "1");
    res.set_header("x-log-bodyrawsize", std::to_string(raw.size()));
    res.set_header("x-log-compresstype", "zstd");
    res.set_content(packed, "application/x-protobuf");
  };
  auto client = MakeTestClient(fake.endpoint());
  PullRequest pr;
  pr.logstore = "app";
  pr.cursor = "MTYw+/==";
  pr.accept = CompressType::kZstd;
  auto r = client->PullLogs(pr);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->next_cursor == "next");
  CHECK(r->count == 1);
  CHECK(r->log_group_list == raw);
}

TEST_CASE("a pull reply with a lying raw size or no cursor is a clear error") {
  FakeServer fake;
  fake.reply = [](const httplib::Request&, httplib::Response& res) {
    res.set_header("x-log-cursor", "c");
    res.set_header("x-log-count", "1");
    res.set_header("x-log-bodyrawsize", "99999999999");
    res.set_header("x-log-compresstype", "lz4");
    res.set_content("garbage", "application/x-protobuf");
  };
  auto client = MakeTestClient(fake.endpoint());
  auto r = client->PullLogs(Pull("c"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::kCorruption);

  fake.reply = [](const httplib::Request&, httplib::Response& res) { res.set_content("", "application/x-protobuf"); };
  r = client->PullLogs(Pull("c"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("x-log-cursor") != std::string::npos);
}

TEST_CASE("SLS error JSON becomes a Status with kind, code, request id and retry class") {
  struct Case {
    int http;
    const char* code;
    ErrorKind kind;
    RetryClass retry;
    const char* advice;
  } cases[] = {
      {401, "SignatureNotMatch", ErrorKind::kAuth, RetryClass::kNever,
       "check the access key secret (the key came from profile prod in /etc/x)"},
      {401, "Unauthorized", ErrorKind::kAuth, RetryClass::kNever, "check the access key id"},
      {404, "LogStoreNotExist", ErrorKind::kNotFound, RetryClass::kNever, "check -l/--logstore"},
      {404, "ProjectNotExist", ErrorKind::kNotFound, RetryClass::kNever, "check -p/--project"},
      {403, "ShardWriteQuotaExceed", ErrorKind::kQuota, RetryClass::kBackoff, ""},
      {403, "WriteQuotaExceed", ErrorKind::kQuota, RetryClass::kBackoff, ""},
      {500, "InternalServerError", ErrorKind::kServer, RetryClass::kRetry, ""},
      {503, "ServerBusy", ErrorKind::kServer, RetryClass::kRetry, ""},
      {400, "ParameterInvalid", ErrorKind::kInvalid, RetryClass::kNever, ""},
      {400, "ConsumerGroupAlreadyExist", ErrorKind::kConflict, RetryClass::kNever, ""},
  };
  FakeServer fake;
  auto client = MakeTestClient(fake.endpoint());
  for (auto& c : cases) {
    CAPTURE(c.code);
    fake.reply = [&](const httplib::Request&, httplib::Response& res) {
      res.status = c.http;
      res.set_content(std::string(R"({"errorCode":")") + c.code + R"(","errorMessage":"it failed"})",
                      "application/json");
    };
    auto r = client->ListShards("app");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().kind() == c.kind);
    CHECK(r.status().retry() == c.retry);
    CHECK(r.status().sls_code() == c.code);
    CHECK(r.status().http_status() == c.http);
    CHECK(r.status().request_id() == "5AEEC78E1FFC0366B24F1C63");
    CHECK(r.status().message().find("it failed") != std::string::npos);
    CHECK(r.status().message().find(c.advice) != std::string::npos);
    CHECK(r.status().ToString().find("testsecret") == std::string::npos);
  }
  CHECK(StatusFromSlsError(401, R"({"errorCode":"SignatureNotMatch","errorMessage":"x"})", "", "").ExitCode() == 3);
  CHECK(StatusFromSlsError(404, R"({"errorCode":"LogStoreNotExist","errorMessage":"x"})", "", "").ExitCode() == 1);
}

TEST_CASE("a non-JSON error body is reported, not a crash") {
  FakeServer fake;
  fake.reply = [](const httplib::Request&, httplib::Response& res) {
    res.status = 502;
    res.set_content("<html>Bad Gateway</html>", "text/html");
  };
  auto client = MakeTestClient(fake.endpoint());
  auto r = client->ListShards("app");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::kServer);
  CHECK(r.status().retry() == RetryClass::kRetry);
  CHECK(r.status().message().find("Bad Gateway") != std::string::npos);
  // Deeply nested JSON is refused without recursion.
  std::string deep(100000, '[');
  CHECK_FALSE(ParseShardList(deep).ok());
}

TEST_CASE("timeouts, refused connections and TLS failures are network errors with advice") {
  FakeServer fake;
  fake.reply = [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content("[]", "application/json");
  };
  auto slow = MakeTestClient(fake.endpoint(), 300);
  auto r = slow->ListShards("app");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::kTimeout);
  CHECK(r.status().retry() == RetryClass::kRetry);

  // https to a plain-HTTP port: the TLS handshake fails.
  auto tls = MakeTestClient("https://127.0.0.1:" + std::to_string(fake.port));
  r = tls->ListShards("app");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::kNetwork);
  CHECK(r.status().message().find("TLS") != std::string::npos);

  // Nothing listens on port 1: unreachable, said as plainly as the OS says it.
  auto refused = MakeTestClient("http://127.0.0.1:1");
  r = refused->ListShards("app");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::kUnreachable);
  CHECK(r.status().retry() == RetryClass::kRetry);
  CHECK(r.status().message() == "cannot reach http://127.0.0.1:1: connection refused");
}

TEST_CASE("RequestTimeExpired: the client learns the server clock and retries once") {
  FakeServer fake;
  std::atomic<int> calls{0};
  int64_t server_now = std::time(nullptr) + 3600;
  fake.reply = [&](const httplib::Request& req, httplib::Response& res) {
    calls++;
    int64_t t = 0;
    ParseRequestTime(req.get_header_value("Date"), &t);
    res.set_header("Date", HttpDate(server_now));
    if (std::llabs(t - server_now) > 900) {
      res.status = 400;
      res.set_content(R"({"errorCode":"RequestTimeExpired","errorMessage":"skew"})", "application/json");
      return;
    }
    res.set_content("[]", "application/json");
  };
  auto client = MakeTestClient(fake.endpoint());
  auto r = client->ListShards("app");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(calls == 2);
  CHECK(std::llabs(client->clock_offset() - 3600) <= 2);
}

TEST_CASE("shard, checkpoint and hash-key helpers") {
  auto shards =
      ParseShardList(R"([{"shardID":0,"status":"readwrite","inclusiveBeginKey":"00000000000000000000000000000000",
    "exclusiveEndKey":"80000000000000000000000000000000","createTime":1795550394},
    {"shardID":1,"status":"readonly","inclusiveBeginKey":"80000000000000000000000000000000",
    "exclusiveEndKey":"ffffffffffffffffffffffffffffffff","createTime":"1795550395"}])");
  REQUIRE(shards.ok());
  REQUIRE(shards->size() == 2);
  CHECK((*shards)[1].readonly());
  CHECK((*shards)[1].create_time == 1795550395);
  auto cps = ParseCheckpoints(R"([{"shard":0,"checkpoint":"MTUy","updateTime":1524224984800922,"consumer":"c1"}])");
  REQUIRE(cps.ok());
  CHECK((*cps)[0].update_time_us == 1524224984800922);
}

TEST_CASE("regression (fuzz sls_json): an out-of-range float in a shard list is not undefined behaviour") {
  // Found by tests/fuzz/sls_json_fuzz.cc: createTime overflowing int64 as a
  // double was cast straight to an integer.
  auto shards =
      ParseShardList(R"([{"shardID": 4, "status": "readwrite", "createTime": 17955500000000000000000000000000000396},
    {"shardID": 1e300, "createTime": -1e40}, {"shardID": 2, "createTime": 1795550396.5}])");
  REQUIRE(shards.ok());
  REQUIRE(shards->size() == 3);
  CHECK((*shards)[0].create_time == 0);
  CHECK((*shards)[2].create_time == 1795550396);
  auto cps = ParseCheckpoints(R"([{"shard": 1e30, "updateTime": -1e30}])");
  REQUIRE(cps.ok());
  CHECK((*cps)[0].shard == 0);
  CHECK((*cps)[0].update_time_us == 0);
}
