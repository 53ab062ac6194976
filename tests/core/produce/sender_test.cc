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
  Sender s(o, [&](const PutRequest&) {
    ++calls;
    return Status::Error(ErrorKind::kServer, "ServerBusy").set_retry(RetryClass::kRetry);
  }, Env::Default(), [&](std::unique_ptr<Batch> b, const Status& st) {
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
  Sender s(o, [&](const PutRequest&) {
    ++calls;
    return Status::Error(ErrorKind::kServer, "busy").set_retry(RetryClass::kRetry);
  }, Env::Default(), [&](std::unique_ptr<Batch>, const Status& st) {
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
