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

namespace {

// Answers from a script, in order, and keeps every request: no sockets, so
// each reply shape (and each failure) is exactly the one the test names.
struct ScriptedTransport : HttpTransport {
  std::deque<Result<HttpResponse>> replies;
  std::vector<HttpRequest> sent;
  std::vector<std::string> bodies;  // HttpRequest::body is only a view
  Result<HttpResponse> Send(const HttpRequest& request) override {
    sent.push_back(request);
    bodies.emplace_back(request.body);
    sent.back().body = {};
    if (replies.empty()) return Status::Internal("the script has no reply left");
    auto r = std::move(replies.front());
    replies.pop_front();
    return r;
  }
  void Add(int status, std::string body, HeaderList headers = {}) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.headers.emplace_back("x-log-requestid", "REQ" + std::to_string(replies.size()));
    replies.emplace_back(std::move(r));
  }
  std::string Query(size_t i, const std::string& key) const {
    for (auto& [k, v] : sent.at(i).query)
      if (k == key) return v;
    return "<absent>";
  }
};

struct ScriptedClient {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::unique_ptr<SlsClient> client;
  ScriptedClient() {
    ClientOptions o;
    o.endpoint = *ParseEndpoint("http://127.0.0.1:9");
    o.project = "demo";
    o.credentials = {"testid", "testsecret", ""};
    client = std::make_unique<SlsClient>(o, transport);
  }
};

}  // namespace

TEST_CASE("ListLogStores follows offsets until the total, and stops on an empty page even if the total lies") {
  ScriptedClient c;
  nlohmann::json page1 = {{"logstores", nlohmann::json::array()}, {"total", 502}};
  for (int i = 0; i < 500; ++i) page1["logstores"].push_back("s" + std::to_string(i));
  c.transport->Add(200, page1.dump());
  c.transport->Add(200, R"({"logstores":["s500","s501"],"total":502})");
  auto names = c.client->ListLogStores();
  REQUIRE_MESSAGE(names.ok(), names.status().ToString());
  CHECK(names->size() == 502);
  CHECK(names->back() == "s501");
  REQUIRE(c.transport->sent.size() == 2);
  CHECK(c.transport->Query(1, "offset") == "500");

  c.transport->Add(200, R"({"logstores":["a"],"total":"9999"})");
  c.transport->Add(200, R"({"logstores":[],"total":9999})");
  names = c.client->ListLogStores();
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"a"});

  c.transport->Add(200, R"({"total":1})");
  CHECK(c.client->ListLogStores().status().kind() == ErrorKind::kCorruption);
}

TEST_CASE("logstore and cursor calls: paths are percent-encoded, bodies say what was asked, replies are checked") {
  ScriptedClient c;
  c.transport->Add(200, R"({"ttl":"7","shardCount":4,"createTime":1795550394})");
  auto info = c.client->GetLogStore("a b");
  REQUIRE(info.ok());
  CHECK(c.transport->sent[0].path == "/logstores/a%20b");
  CHECK(info->name == "a b");  // a reply without the name keeps the one asked for
  CHECK(info->ttl == 7);
  CHECK(info->shard_count == 4);
  c.transport->Add(200, "[]");
  CHECK(c.client->GetLogStore("x").status().message() == "GetLogStore reply is not an object");

  c.transport->Add(200, "");
  REQUIRE(c.client->CreateLogStore("app", 2, 7).ok());
  CHECK(c.transport->sent.back().method == "POST");
  CHECK(nlohmann::json::parse(c.transport->bodies.back()) ==
        nlohmann::json{{"logstoreName", "app"}, {"ttl", 7}, {"shardCount", 2}});

  c.transport->Add(404, R"({"errorCode":"LogStoreNotExist","errorMessage":"gone"})");
  Status st = c.client->DeleteLogStore("app");
  CHECK(c.transport->sent.back().method == "DELETE");
  CHECK(st.kind() == ErrorKind::kNotFound);
  CHECK(st.message() == "gone; check -l/--logstore");

  // Cursor replies without their field are corruption, not a zero.
  c.transport->Add(200, R"({"cursor_time":"1795550394"})");
  auto t = c.client->GetCursorTime("app", 3, "MTU=");
  REQUIRE(t.ok());
  CHECK(*t == 1795550394);
  CHECK(c.transport->sent.back().path == "/logstores/app/shards/3");
  CHECK(c.transport->Query(c.transport->sent.size() - 1, "cursor") == "MTU=");
  c.transport->Add(200, "{}");
  CHECK(c.client->GetCursorTime("app", 3, "MTU=").status().kind() == ErrorKind::kCorruption);
  c.transport->Add(200, R"({"cursor":42})");
  CHECK(c.client->GetCursor("app", 0, "end").status().message() == "GetCursor reply lacks 'cursor'");
}

TEST_CASE("PutLogs routes by hash key or shard, and sends the raw size the caller gave") {
  ScriptedClient c;
  std::string body = "bytes";
  PutRequest put{"app", {PutRoute::kHashKey, "0123456789abcdef0123456789abcdef", 0}, body, 1234, CompressType::kNone};
  put.fresh_connection = true;
  c.transport->Add(200, "");
  REQUIRE(c.client->PutLogs(put).ok());
  const HttpRequest& sent = c.transport->sent[0];
  CHECK(sent.path == "/logstores/app/shards/route");
  CHECK(c.transport->Query(0, "key") == "0123456789abcdef0123456789abcdef");
  CHECK(*FindHeader(sent.headers, "x-log-bodyrawsize") == "1234");
  CHECK(FindHeader(sent.headers, "x-log-compresstype") == nullptr);  // uncompressed says nothing
  CHECK(sent.fresh_connection);
  CHECK(c.transport->bodies[0] == body);

  put.route = {PutRoute::kShard, "", 3};
  c.transport->Add(403, R"({"errorCode":"ShardWriteQuotaExceed","errorMessage":"slow down"})");
  Status st = c.client->PutLogs(put);
  CHECK(c.transport->sent[1].path == "/logstores/app/shards/3");
  CHECK(st.retry() == RetryClass::kBackoff);
  CHECK(st.request_id() == "REQ0");
}

TEST_CASE("PullLogs: SPL and end cursor in the query; an unknown or broken encoding names the request") {
  ScriptedClient c;
  c.transport->Add(200, "raw-bytes", {{"x-log-cursor", "n"}, {"x-log-cursor-time", "1795550394"}});
  PullRequest pr;
  pr.logstore = "app";
  pr.shard = 1;
  pr.cursor = "c";
  pr.end_cursor = "e";
  pr.query = "* | where a > 1";
  auto r = c.client->PullLogs(pr);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->log_group_list == "raw-bytes");  // no x-log-compresstype: not compressed
  CHECK(r->cursor_time == 1795550394);
  CHECK(r->wire_bytes == 9);
  CHECK(c.transport->Query(0, "end_cursor") == "e");
  CHECK(c.transport->Query(0, "query") == "* | where a > 1");
  CHECK(c.transport->Query(0, "pullMode") == "scan_on_stream");

  c.transport->Add(200, "x", {{"x-log-cursor", "n"}, {"x-log-compresstype", "brotli"}});
  auto bad = c.client->PullLogs(pr);
  CHECK(bad.status().kind() == ErrorKind::kInvalid);
  CHECK(bad.status().sls_code() == "InvalidCompressType");

  c.transport->Add(200, "not zstd", {{"x-log-cursor", "n"}, {"x-log-compresstype", "zstd"}});
  bad = c.client->PullLogs(pr);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("PullLogs reply (request REQ0): ") == 0);
}

TEST_CASE("shard split and merge ask with the action and parse the new shards") {
  ScriptedClient c;
  c.transport->Add(200, R"([{"shardID":0,"status":"readonly"},{"shardID":1},{"shardID":2}])");
  auto split = c.client->SplitShard("app", 0, "8000");
  REQUIRE(split.ok());
  CHECK(split->size() == 3);
  CHECK((*split)[1].status == "readwrite");  // an absent status is the default one
  CHECK(c.transport->Query(0, "action") == "split");
  CHECK(c.transport->Query(0, "key") == "8000");
  c.transport->Add(200, R"([{"status":"readwrite"}])");
  auto merge = c.client->MergeShard("app", 1);
  CHECK(merge.status().message() == "shard entry lacks shardID");
  CHECK(c.transport->Query(1, "action") == "merge");
}

TEST_CASE("consumer group calls: bodies, paths, and replies in either SDK spelling") {
  ScriptedClient c;
  for (int i = 0; i < 3; ++i) c.transport->Add(200, "");
  REQUIRE(c.client->CreateConsumerGroup("app", {"etl", 30, true}).ok());
  CHECK(nlohmann::json::parse(c.transport->bodies[0]) ==
        nlohmann::json{{"consumerGroup", "etl"}, {"timeout", 30}, {"order", true}});
  REQUIRE(c.client->UpdateConsumerGroup("app", {"etl/1", 45, false}).ok());
  CHECK(c.transport->sent[1].method == "PUT");
  CHECK(c.transport->sent[1].path == "/logstores/app/consumergroups/etl%2F1");
  REQUIRE(c.client->DeleteConsumerGroup("app", "etl").ok());
  CHECK(c.transport->sent[2].method == "DELETE");

  c.transport->Add(200, R"([{"name":"a","timeout":"20","order":"true"},7,{"name":"b","order":false}])");
  auto groups = c.client->ListConsumerGroups("app");
  REQUIRE(groups.ok());
  REQUIRE(groups->size() == 2);  // the stray 7 is skipped
  CHECK((*groups)[0].in_order);
  CHECK((*groups)[0].timeout_seconds == 20);
  CHECK_FALSE((*groups)[1].in_order);
  c.transport->Add(200, "{}");
  CHECK(c.client->ListConsumerGroups("app").status().kind() == ErrorKind::kCorruption);
}

TEST_CASE("heartbeat and checkpoints: what is held goes out, what is assigned comes back") {
  ScriptedClient c;
  c.transport->Add(200, R"([0,"2",3])");
  auto held = c.client->Heartbeat("app", "etl", "c1", {0, 1});
  REQUIRE(held.ok());
  CHECK(*held == std::vector<int>{0, 2, 3});
  CHECK(c.transport->bodies[0] == "[0,1]");
  CHECK(c.transport->Query(0, "type") == "heartbeat");
  CHECK(c.transport->Query(0, "consumer") == "c1");
  c.transport->Add(200, R"({"shards":[0]})");
  CHECK(c.client->Heartbeat("app", "etl", "c1", {}).status().message() == "heartbeat reply is not a JSON array");

  c.transport->Add(400, R"({"errorCode":"ConsumerNotMatch","errorMessage":"shard 1 is held by c2"})");
  Status st = c.client->UpdateCheckpoint("app", "etl", "c1", 1, "MTU=", false);
  CHECK(c.transport->Query(2, "forceSuccess") == "false");
  CHECK(nlohmann::json::parse(c.transport->bodies[2]) == nlohmann::json{{"shard", 1}, {"checkpoint", "MTU="}});
  CHECK(st.kind() == ErrorKind::kConflict);

  c.transport->Add(200, "[]");
  c.transport->Add(200, R"([{"shard":2,"checkpoint":"X"}])");
  REQUIRE(c.client->GetCheckpoints("app", "etl").ok());
  CHECK(c.transport->Query(3, "shard") == "<absent>");  // every shard
  auto one = c.client->GetCheckpoints("app", "etl", 2);
  REQUIRE(one.ok());
  CHECK(c.transport->Query(4, "shard") == "2");
  CHECK((*one)[0].checkpoint == "X");
  CHECK(ParseCheckpoints("[1]").status().message() == "checkpoint entry is not an object");
}

TEST_CASE("clock skew: no Date means no retry; a retry that fails again reports the second reply") {
  ScriptedClient c;
  c.transport->Add(400, R"({"errorCode":"RequestTimeTooSkewed","errorMessage":"skew"})");
  auto r = c.client->ListShards("app");
  CHECK(c.transport->sent.size() == 1);
  CHECK(r.status().retry() == RetryClass::kRetry);
  CHECK(r.status().message() == "skew; the local clock is off; fix it (e.g. enable NTP)");

  const std::string date = HttpDate(std::time(nullptr) + 7200);
  c.transport->Add(400, R"({"errorCode":"RequestTimeExpired","errorMessage":"skew"})", {{"date", date}});
  c.transport->Add(401, R"({"errorCode":"SignatureNotMatch","errorMessage":"bad sig"})");
  r = c.client->ListShards("app");
  CHECK(c.transport->sent.size() == 3);
  CHECK(r.status().kind() == ErrorKind::kAuth);
  CHECK(r.status().sls_code() == "SignatureNotMatch");
  CHECK(std::llabs(c.client->clock_offset() - 7200) <= 2);

  c.transport->Add(400, R"({"errorCode":"RequestTimeExpired","errorMessage":"skew"})", {{"date", date}});
  c.transport->replies.emplace_back(
      Status::Error(ErrorKind::kUnreachable, "cannot reach").set_retry(RetryClass::kRetry));
  r = c.client->ListShards("app");
  CHECK(r.status().kind() == ErrorKind::kUnreachable);
  CHECK(r.status().retry() == RetryClass::kRetry);
}

TEST_CASE("error replies SLS does not document still map to an actionable kind") {
  auto st = StatusFromSlsError(403, R"({"errorCode":"Unauthorized2","errorMessage":"no"})", "R", "env");
  CHECK(st.kind() == ErrorKind::kAuth);
  CHECK(st.message() == "no; the access key (the key came from env) is not allowed to do this");
  CHECK(StatusFromSlsError(403, R"({"errorCode":"ExceedQuota"})", "").kind() == ErrorKind::kQuota);
  CHECK(StatusFromSlsError(403, R"({"errorCode":"MetaOperationQpsLimitExceeded"})", "").retry() ==
        RetryClass::kBackoff);
  CHECK(StatusFromSlsError(400, R"({"errorCode":"InvalidAccessKeyId"})", "").message().find("(the key came") ==
        std::string::npos);  // no source known: none invented
  CHECK(StatusFromSlsError(404, R"({"errorCode":"Whatever"})", "").kind() == ErrorKind::kNotFound);
  CHECK(StatusFromSlsError(400, R"({"errorCode":"ShardNotExist"})", "").kind() == ErrorKind::kNotFound);
  CHECK(StatusFromSlsError(400, R"({"errorCode":"ConsumerNotExsit"})", "").kind() == ErrorKind::kConflict);
  CHECK(StatusFromSlsError(400, R"({"errorCode":"RequestTimeout"})", "").retry() == RetryClass::kRetry);
  CHECK(StatusFromSlsError(400, R"({"errorCode":17,"errorMessage":["x"]})", "").sls_code() == "17");

  st = StatusFromSlsError(502, "", "");
  CHECK(st.message() == "unexpected reply from the server (not SLS error JSON)");
  CHECK(st.kind() == ErrorKind::kServer);
  st = StatusFromSlsError(400, "line1\nline2\x01" + std::string(500, 'z'), "");
  CHECK(st.kind() == ErrorKind::kInvalid);
  CHECK(st.message() ==
        "unexpected reply from the server (not SLS error JSON): 'line1?line2?" + std::string(200 - 12, 'z') + "'");
}
