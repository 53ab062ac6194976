#include "core/consume/group_lag.h"

#include <doctest/doctest.h>

#include "core/sls/crypto.h"

namespace slsflow {
namespace {

constexpr uint64_t kBase = 1600000000000000000ULL;

std::string Cursor(uint64_t offset) {
  return EncodeCursorNumber(kBase + offset);
}

TEST_CASE("cursor numbers: base64 of a decimal, both ways") {
  // The golden server's offset 0 and 1 (doc/protocol.md §8.1).
  CHECK(Cursor(0) == "MTYwMDAwMDAwMDAwMDAwMDAwMA==");
  CHECK(Cursor(1) == "MTYwMDAwMDAwMDAwMDAwMDAwMQ==");
  CHECK(DecodeCursorNumber("MTYwMDAwMDAwMDAwMDAwMDAwMQ==") == kBase + 1);
  // A real-server example from the same section.
  CHECK(DecodeCursorNumber(Base64Encode("1447329401102130904")) == 1447329401102130904ULL);
  CHECK(PreviousCursor(Cursor(5)) == Cursor(4));
}

TEST_CASE("cursor numbers: opaque cursors stay unknown") {
  CHECK_FALSE(DecodeCursorNumber("").has_value());
  CHECK_FALSE(DecodeCursorNumber("not base64!").has_value());
  CHECK_FALSE(DecodeCursorNumber(Base64Encode("12ab")).has_value());
  CHECK_FALSE(DecodeCursorNumber(Base64Encode("99999999999999999999")).has_value());  // 20 digits
  CHECK_FALSE(PreviousCursor(Base64Encode("0")).has_value());
  CHECK_FALSE(PreviousCursor("opaque").has_value());
}

ShardLagInput Behind() {
  ShardLagInput in;
  in.shard = 3;
  in.status = "readwrite";
  in.begin_cursor = Cursor(0);
  in.checkpoint = Cursor(4);
  in.checkpoint_time = 1795610000;
  in.end_cursor = Cursor(10);
  in.head_time = 1795610042;
  in.consumer = "c1";
  in.update_time_us = 1795610001000000;
  return in;
}

TEST_CASE("lag: behind by 6 groups and 42 seconds") {
  ShardLag lag = ComputeShardLag(Behind());
  CHECK(lag.shard == 3);
  CHECK(lag.has_checkpoint);
  CHECK_FALSE(lag.caught_up);
  CHECK(lag.backlog == 6u);
  CHECK(lag.lag_seconds == 42);
  CHECK(lag.checkpoint_time == 1795610000);
  CHECK(lag.consumer == "c1");
}

TEST_CASE("lag: caught up is zero whatever the times say") {
  ShardLagInput in = Behind();
  in.checkpoint = in.end_cursor;
  in.checkpoint_time.reset();
  ShardLag lag = ComputeShardLag(in);
  CHECK(lag.caught_up);
  CHECK(lag.backlog == 0u);
  CHECK(lag.lag_seconds == 0);
  CHECK_FALSE(lag.checkpoint_time.has_value());
  CHECK(lag.head_time == in.head_time);
}

TEST_CASE("lag: no checkpoint leaves every number unknown") {
  ShardLagInput in = Behind();
  in.checkpoint.clear();
  ShardLag lag = ComputeShardLag(in);
  CHECK_FALSE(lag.has_checkpoint);
  CHECK_FALSE(lag.backlog.has_value());
  CHECK_FALSE(lag.lag_seconds.has_value());
  CHECK_FALSE(lag.checkpoint_time.has_value());
  CHECK(lag.head_time == in.head_time);
}

TEST_CASE("lag: opaque cursors give a time lag but no backlog") {
  ShardLagInput in = Behind();
  in.checkpoint = "opaque-checkpoint";
  in.end_cursor = "opaque-end";
  ShardLag lag = ComputeShardLag(in);
  CHECK_FALSE(lag.caught_up);
  CHECK_FALSE(lag.backlog.has_value());
  CHECK(lag.lag_seconds == 42);
}

TEST_CASE("lag: a checkpoint time after the head (clock or rounding) is no negative lag") {
  ShardLagInput in = Behind();
  in.checkpoint_time = *in.head_time + 5;
  CHECK(ComputeShardLag(in).lag_seconds == 0);
}

TEST_CASE("live consumers: named checkpoints written within the group's timeout") {
  const int64_t now = 1795610100000000;
  std::vector<CheckpointInfo> cps = {
      {0, Cursor(1), now - 10 * 1000000, "alive"},
      {1, Cursor(1), now - 59 * 1000000, "alive"},
      {2, Cursor(1), now - 60 * 1000000, "stale"},  // exactly the timeout: expired
      {3, Cursor(1), now - 1000000, ""},            // a reset or Flink-style write: nobody
      {4, "", 0, ""},
  };
  auto live = LiveConsumers(cps, 60, now);
  REQUIRE(live.size() == 1);
  CHECK(live[0].name == "alive");
  CHECK(live[0].shards == std::vector<int>{0, 1});
  CHECK(live[0].last_update_us == now - 10 * 1000000);
  CHECK(LiveConsumers(cps, 5, now).empty());
}

}  // namespace
}  // namespace slsflow
