#include "core/produce/sender.h"

#include <doctest/doctest.h>

#include <map>

#include "sls.pb.h"

using namespace slsflow;

namespace {

std::unique_ptr<Batch> MakeBatch(uint64_t seq, const std::string& route, const std::string& payload = "x") {
  auto b = std::make_unique<Batch>();
  b->seq = seq;
  b->route_key = route;
  std::vector<KeyValue> kv = {{"content", payload}};
  AppendEncodedLog(&b->data, 1700000000, 0, false, kv);
  b->logs = 1;
  return b;
}

struct Collected {
  std::mutex mu;
  std::vector<std::pair<uint64_t, Status>> done;
};

SenderOptions FastOptions() {
  SenderOptions o;
  o.logstore = "app";
  o.backoff_initial_us = 100;
  o.backoff_max_us = 1000;
  o.quota_backoff_min_us = 100;
  return o;
}

}  // namespace

TEST_CASE("backoff doubles from 100 ms to a 50 s cap; quota waits longer") {
  SenderOptions o;
  CHECK(BackoffMicros(o, 1, false) == 100000);
  CHECK(BackoffMicros(o, 2, false) == 200000);
  CHECK(BackoffMicros(o, 9, false) == 25600000);
  CHECK(BackoffMicros(o, 10, false) == 50000000);
  CHECK(BackoffMicros(o, 30, false) == 50000000);
  CHECK(BackoffMicros(o, 1, true) == 500000);
}

TEST_CASE("retries transient errors, never a 4xx, and compresses as asked") {
  std::atomic<int> calls{0};
  PutFn put = [&](const PutRequest& req) -> Status {
    int n = ++calls;
    std::string raw;
    REQUIRE(Decompress(req.compress, req.body, req.raw_size, &raw).ok());
    sls::LogGroup g;
    REQUIRE(g.ParseFromString(raw));
    if (g.logs(0).contents(0).value() == "bad")
      return Status::Invalid("PostBodyInvalid: nope").set_http_status(400).set_retry(RetryClass::kNever);
    if (n <= 2) return Status::Error(ErrorKind::kServer, "InternalServerError").set_retry(RetryClass::kRetry);
    if (n == 3) return Status::Error(ErrorKind::kQuota, "ShardWriteQuotaExceed").set_retry(RetryClass::kBackoff);
    return Status::OK();
  };
  Collected c;
  SenderOptions o = FastOptions();
  o.parallel = 1;
  o.compress = CompressType::kZstd;
  Sender s(o, put, Env::Default(), [&](std::unique_ptr<Batch> b, const Status& st) {
    std::lock_guard<std::mutex> lock(c.mu);
    c.done.emplace_back(b->seq, st);
    CHECK(!b->data.empty());  // kept for dead letters
  });
  s.Start();
  s.Submit(MakeBatch(1, ""));
  REQUIRE(s.WaitIdle(5000000));
  s.Submit(MakeBatch(2, "", "bad"));
  REQUIRE(s.WaitIdle(5000000));
  s.Stop();
  REQUIRE(c.done.size() == 2);
  CHECK(c.done[0].second.ok());
  CHECK(c.done[1].second.http_status() == 400);
  CHECK(s.stats().requests == 5);
  CHECK(s.stats().retries == 3);
}

TEST_CASE("gives up after --retries and reports the last error") {
  SenderOptions o = FastOptions();
  o.retries = 2;
  o.compress = CompressType::kNone;
  std::atomic<int> calls{0};
  Status last;
  Sender s(
      o,
      [&](const PutRequest&) {
        ++calls;
        return Status::Error(ErrorKind::kServer, "ServerBusy").set_retry(RetryClass::kRetry);
      },
      Env::Default(),
      [&](std::unique_ptr<Batch> b, const Status& st) {
        last = st;
        CHECK(b->data.size() > 0);  // the borrowed body came back
      });
  s.Start();
  s.Submit(MakeBatch(1, ""));
  REQUIRE(s.WaitIdle(5000000));
  s.Stop();
  CHECK(calls == 3);
  CHECK(last.message() == "ServerBusy");
}

TEST_CASE("ordered: one batch per route in flight, order kept per route") {
  std::mutex mu;
  std::map<std::string, int> in_flight;
  std::map<std::string, std::vector<std::string>> seen;
  bool overlap = false;
  PutFn put = [&](const PutRequest& req) -> Status {
    std::string raw;
    REQUIRE(Decompress(req.compress, req.body, req.raw_size, &raw).ok());
    sls::LogGroup g;
    REQUIRE(g.ParseFromString(raw));
    std::string v = g.logs(0).contents(0).value();
    std::string route = v.substr(0, 1);
    {
      std::lock_guard<std::mutex> lock(mu);
      if (++in_flight[route] > 1) overlap = true;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    std::lock_guard<std::mutex> lock(mu);
    --in_flight[route];
    seen[route].push_back(v);
    return Status::OK();
  };
  SenderOptions o = FastOptions();
  o.parallel = 8;
  o.ordered = true;
  Sender s(o, put, Env::Default(), [](std::unique_ptr<Batch>, const Status&) {});
  s.Start();
  for (int i = 0; i < 40; ++i) {
    std::string route = i % 2 ? "a" : "b";
    s.Submit(MakeBatch(static_cast<uint64_t>(i), route, route + std::to_string(100 + i)));
  }
  REQUIRE(s.WaitIdle(10000000));
  s.Stop();
  CHECK_FALSE(overlap);
  for (auto& [route, values] : seen) CHECK(std::is_sorted(values.begin(), values.end()));
  CHECK(seen["a"].size() == 20);
}

TEST_CASE("abort stops retrying and fails queued batches without sending") {
  std::atomic<int> calls{0};
  SenderOptions o = FastOptions();
  o.parallel = 1;
  o.backoff_initial_us = 10 * 1000 * 1000;  // would wait 10 s
  o.backoff_max_us = 10 * 1000 * 1000;
  std::atomic<int> failed{0};
  Sender s(
      o,
      [&](const PutRequest&) {
        ++calls;
        return Status::Error(ErrorKind::kServer, "busy").set_retry(RetryClass::kRetry);
      },
      Env::Default(),
      [&](std::unique_ptr<Batch>, const Status& st) {
        if (!st.ok()) ++failed;
      });
  s.Start();
  for (int i = 0; i < 5; ++i) s.Submit(MakeBatch(static_cast<uint64_t>(i), ""));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  s.Abort();
  REQUIRE(s.WaitIdle(2000000));
  s.Stop();
  CHECK(calls == 1);
  CHECK(failed == 5);
}

namespace {

// A batch of `n` logs "v0".."v<n-1>" with a topic, and chunk ids so that
// logs 0..n/2 came from chunk 10 and the rest from chunk 11.
std::unique_ptr<Batch> NumberedBatch(int n) {
  auto b = std::make_unique<Batch>();
  b->seq = 1;
  for (int i = 0; i < n; ++i) {
    std::string v = "v" + std::to_string(i);
    std::vector<KeyValue> kv = {{"content", v}};
    AppendEncodedLog(&b->data, 1700000000, 0, false, kv);
  }
  AppendEncodedMeta(&b->data, GroupMeta{"tp", "", {}});
  b->logs = static_cast<uint32_t>(n);
  b->chunks = {{10, static_cast<uint32_t>(n / 2 + 1)}, {11, static_cast<uint32_t>(n - n / 2 - 1)}};
  b->charged = 4096;
  return b;
}

std::vector<std::string> Values(const PutRequest& req) {
  std::string raw;
  REQUIRE(Decompress(req.compress, req.body, req.raw_size, &raw).ok());
  sls::LogGroup g;
  REQUIRE(g.ParseFromString(raw));
  CHECK(g.topic() == "tp");
  std::vector<std::string> out;
  for (const auto& l : g.logs()) out.push_back(l.contents(0).value());
  return out;
}

}  // namespace

TEST_CASE("content refusals are told apart from other errors") {
  auto refused = [](int http, const char* code) {
    return Status::Invalid("x").set_http_status(http).set_sls_code(code).set_retry(RetryClass::kNever);
  };
  CHECK(RefusedForContent(refused(400, "PostBodyInvalid")));
  CHECK(RefusedForContent(refused(400, "InvalidKey")));
  CHECK(RefusedForContent(refused(400, "InvalidEncoding")));
  CHECK(RefusedForContent(refused(400, "InvalidTimestamp")));
  CHECK(RefusedForContent(refused(413, "PostBodyTooLarge")));
  CHECK_FALSE(RefusedForContent(refused(400, "InvalidCompressType")));
  CHECK_FALSE(RefusedForContent(refused(400, "ShardReadOnly")));
  CHECK_FALSE(RefusedForContent(refused(404, "LogStoreNotExist")));
  CHECK_FALSE(RefusedForContent(refused(401, "SignatureNotMatch")));
  CHECK_FALSE(RefusedForContent(Status::OK()));
  CHECK_FALSE(RefusedForContent(Status::Error(ErrorKind::kServer, "x")
                                    .set_http_status(400)
                                    .set_sls_code("PostBodyInvalid")
                                    .set_retry(RetryClass::kRetry)));
}

TEST_CASE("a batch refused for one log is sent in halves until that log is alone") {
  std::mutex mu;
  std::vector<std::vector<std::string>> sent;
  PutFn put = [&](const PutRequest& req) -> Status {
    auto values = Values(req);
    std::lock_guard<std::mutex> lock(mu);
    sent.push_back(values);
    for (const auto& v : values)
      if (v == "v5") return Status::Invalid("key 'a.b' is not allowed").set_http_status(400).set_sls_code("InvalidKey");
    return Status::OK();
  };
  std::vector<std::pair<std::vector<std::string>, Status>> done;
  std::vector<std::vector<std::pair<uint64_t, uint32_t>>> done_chunks;
  std::vector<bool> refused_alone;
  size_t charged = 0;
  SenderOptions o = FastOptions();
  o.parallel = 1;
  o.compress = CompressType::kNone;
  Sender s(o, put, Env::Default(), [&](std::unique_ptr<Batch> b, const Status& st) {
    PutRequest req;
    req.body = b->data;
    req.raw_size = b->data.size();
    req.compress = CompressType::kNone;
    done.emplace_back(b->logs ? Values(req) : std::vector<std::string>{}, st);
    done_chunks.push_back(b->chunks);
    refused_alone.push_back(b->refused_alone);
    charged += b->charged;
  });
  s.Start();
  s.Submit(NumberedBatch(12));
  REQUIRE(s.WaitIdle(5000000));
  s.Stop();
  // 12 -> 6 + 6 -> (3 + 3) + 6 -> ((1 + 2) + 3) + 6 -> ((1 + (1 + 1)) + 3) + 6.
  CHECK(s.stats().splits == 4);
  CHECK(sent.size() == 9);
  uint64_t ok_logs = 0, refused = 0;
  std::vector<std::string> delivered;
  for (size_t i = 0; i < done.size(); ++i) {
    if (done[i].second.ok()) {
      for (auto& v : done[i].first) delivered.push_back(v);
      ok_logs += done[i].first.size();
    } else {
      CHECK(done[i].first == std::vector<std::string>{"v5"});
      CHECK(done[i].second.sls_code() == "InvalidKey");
      CHECK(refused_alone[i]);
      ++refused;
    }
  }
  CHECK(refused == 1);
  CHECK(ok_logs == 11);
  CHECK(delivered == std::vector<std::string>{"v0", "v1", "v2", "v3", "v4", "v6", "v7", "v8", "v9", "v10", "v11"});
  // The whole batch comes back last, emptied, with its charge; the halves
  // bring back their own chunks' logs: 7 of chunk 10, 5 of chunk 11.
  CHECK(done.back().second.ok());
  CHECK(done.back().first.empty());
  CHECK(done_chunks.back().empty());
  CHECK(charged == 4096);
  std::map<uint64_t, uint32_t> per_chunk;
  for (auto& cs : done_chunks)
    for (auto& [id, n] : cs) per_chunk[id] += n;
  CHECK(per_chunk[10] == 7);
  CHECK(per_chunk[11] == 5);
}

TEST_CASE("a refusal that does not blame the content is not split") {
  std::atomic<int> calls{0};
  PutFn put = [&](const PutRequest&) -> Status {
    ++calls;
    return Status::Invalid("no").set_http_status(400).set_sls_code("InvalidCompressType");
  };
  Status last;
  Sender s(FastOptions(), put, Env::Default(), [&](std::unique_ptr<Batch>, const Status& st) { last = st; });
  s.Start();
  s.Submit(NumberedBatch(8));
  REQUIRE(s.WaitIdle(5000000));
  s.Stop();
  CHECK(calls == 1);
  CHECK(last.sls_code() == "InvalidCompressType");
}

TEST_CASE("retries go out on fresh connections, and with --retries 0 every request does") {
  std::mutex mu;
  std::vector<bool> fresh;
  PutFn put = [&](const PutRequest& req) -> Status {
    std::lock_guard<std::mutex> lock(mu);
    fresh.push_back(req.fresh_connection);
    if (fresh.size() <= 2) return Status::Error(ErrorKind::kNetwork, "reset").set_retry(RetryClass::kRetry);
    return Status::OK();
  };
  SenderOptions o = FastOptions();
  o.parallel = 1;
  {
    Sender s(o, put, Env::Default(), [](std::unique_ptr<Batch>, const Status&) {});
    s.Start();
    s.Submit(MakeBatch(1, ""));
    REQUIRE(s.WaitIdle(5000000));
    s.Stop();
  }
  CHECK(fresh == std::vector<bool>{false, true, true});
  fresh.clear();
  o.retries = 0;
  Status last;
  {
    Sender s(o, put, Env::Default(), [&](std::unique_ptr<Batch>, const Status& st) { last = st; });
    s.Start();
    s.Submit(MakeBatch(1, ""));
    REQUIRE(s.WaitIdle(5000000));
    s.Stop();
  }
  CHECK(fresh == std::vector<bool>{true});
  CHECK_FALSE(last.ok());
}
