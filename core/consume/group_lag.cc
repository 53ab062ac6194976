#include "core/consume/group_lag.h"

#include <algorithm>
#include <map>

#include "core/sls/crypto.h"

namespace slsflow {

std::optional<uint64_t> DecodeCursorNumber(std::string_view cursor) {
  std::string raw;
  if (cursor.empty() || !Base64Decode(cursor, &raw)) return std::nullopt;
  // 19 digits stay below 2^63, so the value also fits a signed 64-bit JSON number.
  if (raw.empty() || raw.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : raw) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::string EncodeCursorNumber(uint64_t number) {
  return Base64Encode(std::to_string(number));
}

std::optional<std::string> PreviousCursor(std::string_view cursor) {
  auto n = DecodeCursorNumber(cursor);
  if (!n || *n == 0) return std::nullopt;
  return EncodeCursorNumber(*n - 1);
}

ShardLag ComputeShardLag(const ShardLagInput& in) {
  ShardLag out;
  out.shard = in.shard;
  out.status = in.status;
  out.head_time = in.head_time;
  out.consumer = in.consumer;
  out.update_time_us = in.update_time_us;
  out.has_checkpoint = !in.checkpoint.empty();
  if (!out.has_checkpoint) return out;

  auto cp = DecodeCursorNumber(in.checkpoint);
  auto end = DecodeCursorNumber(in.end_cursor);
  out.caught_up = in.checkpoint == in.end_cursor || (cp && end && *cp >= *end);
  if (out.caught_up) {
    out.lag_seconds = 0;
    out.backlog = 0;
    return out;
  }
  out.checkpoint_time = in.checkpoint_time;
  if (in.checkpoint_time && in.head_time) out.lag_seconds = std::max<int64_t>(0, *in.head_time - *in.checkpoint_time);
  if (cp && end) out.backlog = *end - *cp;
  return out;
}

std::vector<LiveConsumer> LiveConsumers(const std::vector<CheckpointInfo>& checkpoints, int timeout_seconds,
                                        int64_t now_us) {
  std::map<std::string, LiveConsumer> by_name;
  const int64_t window_us = static_cast<int64_t>(timeout_seconds) * 1000000;
  for (const auto& c : checkpoints) {
    if (c.consumer.empty() || c.update_time_us <= 0) continue;
    if (now_us - c.update_time_us >= window_us) continue;
    auto& live = by_name[c.consumer];
    live.name = c.consumer;
    live.shards.push_back(c.shard);
    live.last_update_us = std::max(live.last_update_us, c.update_time_us);
  }
  std::vector<LiveConsumer> out;
  for (auto& [name, live] : by_name) {
    std::sort(live.shards.begin(), live.shards.end());
    out.push_back(std::move(live));
  }
  return out;
}

}  // namespace slsflow
