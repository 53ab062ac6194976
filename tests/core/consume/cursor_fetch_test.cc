#include "core/consume/cursor_fetch.h"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace slsflow {
namespace {

// Answers "<shard>@<from>", and holds each request until a second one is in
// flight (or `hold` passes), so that requests made one at a time show as such.
class OverlapSource : public ConsumeSource {
 public:
  Result<std::vector<ShardInfo>> ListShards(const std::string&) override { return std::vector<ShardInfo>{}; }
  Result<std::string> GetCursor(const std::string&, int shard, const std::string& from) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    cv_.notify_all();
    cv_.wait_for(lock, hold, [&] { return in_flight_ > 1 || finished_ > 0; });
    --in_flight_;
    ++finished_;
    if (shard == fail_shard) return Status::Error(ErrorKind::kServer, "InternalServerError");
    return std::to_string(shard) + "@" + from;
  }
  Result<PullResult> PullLogs(const PullRequest&) override { return Status::Invalid("not used"); }

  int fail_shard = -1;
  std::chrono::milliseconds hold{2000};
  int max_in_flight() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_in_flight_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;      // guarded by mu_
  int max_in_flight_ = 0;  // guarded by mu_
  int finished_ = 0;       // guarded by mu_
};

std::vector<CursorAsk> Asks(int shards) {
  std::vector<CursorAsk> asks;
  for (int s = 0; s < shards; ++s) asks.push_back({"app", s, s % 2 ? "end" : "begin", std::nullopt});
  return asks;
}

TEST_CASE("every ask gets its own shard's cursor, several in flight at once, never more than the bound") {
  OverlapSource src;
  auto asks = Asks(40);
  FetchCursors(&src, &asks);
  for (int s = 0; s < 40; ++s) {
    REQUIRE(asks[s].cursor.has_value());
    REQUIRE(asks[s].cursor->ok());
    CHECK(**asks[s].cursor == std::to_string(s) + (s % 2 ? "@end" : "@begin"));
  }
  CHECK(src.max_in_flight() > 1);
  CHECK(src.max_in_flight() <= kParallelCursorFetches);
}

TEST_CASE("a failure stays with its own ask, and the others are answered") {
  OverlapSource src;
  src.fail_shard = 3;
  auto asks = Asks(6);
  FetchCursors(&src, &asks, 3);
  for (int s = 0; s < 6; ++s) {
    REQUIRE(asks[s].cursor.has_value());
    CHECK(asks[s].cursor->ok() == (s != 3));
  }
  CHECK(asks[3].cursor->status().message().find("InternalServerError") != std::string::npos);
}

TEST_CASE("one at a time when asked, and no thread for a single ask") {
  OverlapSource src;
  src.hold = std::chrono::milliseconds(20);  // the first waits for a second that never comes
  auto asks = Asks(3);
  FetchCursors(&src, &asks, 1);
  CHECK(src.max_in_flight() == 1);
  for (auto& a : asks) CHECK(a.cursor->ok());
  std::vector<CursorAsk> none;
  FetchCursors(&src, &none);  // nothing asked: nothing done
}

}  // namespace
}  // namespace slsflow
