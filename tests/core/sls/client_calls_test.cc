// The typed SLS calls of core/sls/client.cc, through a scripted transport:
// what each one sends and how it reads the reply. client_test.cc covers the
// wire underneath (signing, errors, retries) against a real HTTP server.
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

TEST_CASE(
    "PullLogs: SPL and end cursor in the query, end-of-cursor in the reply; an unknown or broken encoding names the "
    "request") {
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
  CHECK_FALSE(r->end_of_cursor);  // the header is optional: absent says nothing
  CHECK(c.transport->Query(0, "end_cursor") == "e");
  CHECK(c.transport->Query(0, "query") == "* | where a > 1");
  CHECK(c.transport->Query(0, "pullMode") == "scan_on_stream");

  c.transport->Add(200, "", {{"x-log-cursor", "n"}, {"x-log-end-of-cursor", "1"}});
  auto at_end = c.client->PullLogs(pr);
  REQUIRE(at_end.ok());
  CHECK(at_end->end_of_cursor);

  c.transport->Add(200, "x", {{"x-log-cursor", "n"}, {"x-log-compresstype", "brotli"}});
  auto bad = c.client->PullLogs(pr);
  CHECK(bad.status().kind() == ErrorKind::kInvalid);
  CHECK(bad.status().sls_code() == "InvalidCompressType");

  c.transport->Add(200, "not zstd", {{"x-log-cursor", "n"}, {"x-log-compresstype", "zstd"}});
  bad = c.client->PullLogs(pr);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("PullLogs reply (request REQ0): ") == 0);
}

TEST_CASE("PullLogs decompresses into the buffer it is given, so a recycled buffer's memory is used again") {
  ScriptedClient c;
  const std::string raw(100000, 'r');
  std::string lz4;
  REQUIRE(Compress(CompressType::kLz4, raw, &lz4).ok());
  c.transport->Add(
      200, lz4,
      {{"x-log-cursor", "n"}, {"x-log-compresstype", "lz4"}, {"x-log-bodyrawsize", std::to_string(raw.size())}});
  std::string recycled;
  recycled.reserve(1 << 20);
  recycled = "stale bytes of the last pull";
  const char* memory = recycled.data();
  PullRequest pr;
  pr.logstore = "app";
  pr.cursor = "c";
  pr.buffer = &recycled;
  auto r = c.client->PullLogs(pr);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->log_group_list == raw);
  CHECK(r->log_group_list.data() == memory);

  // A buffer left at its old, larger size (the reader does not clear it)
  // ends up exactly the reply: nothing of the old bytes is left past it.
  recycled.assign(300000, 'x');
  memory = recycled.data();
  c.transport->Add(
      200, lz4,
      {{"x-log-cursor", "n"}, {"x-log-compresstype", "lz4"}, {"x-log-bodyrawsize", std::to_string(raw.size())}});
  r = c.client->PullLogs(pr);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->log_group_list == raw);
  CHECK(r->log_group_list.data() == memory);

  // One too small grows with headroom, so that the next reply, a few bytes
  // larger, fits in it.
  c.transport->Add(
      200, lz4,
      {{"x-log-cursor", "n"}, {"x-log-compresstype", "lz4"}, {"x-log-bodyrawsize", std::to_string(raw.size())}});
  std::string small;
  pr.buffer = &small;
  r = c.client->PullLogs(pr);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->log_group_list == raw);
  CHECK(r->log_group_list.capacity() >= raw.size() + raw.size() / 16);
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
