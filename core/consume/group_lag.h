// Consumer-group arithmetic for `slsflow groups lag|reset`, kept free of I/O
// so it can be tested against hand-computed truths.
//
// SLS and the emulator encode a cursor as standard base64 of a decimal
// integer that counts LogGroups in the shard (doc/protocol.md §8.1); the
// official SDKs rely on that for their "previous cursor" helpers, and so do
// we for the head time and the backlog. When a cursor does not decode, the
// numbers that depend on it are left unknown rather than guessed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sls/client.h"

namespace slsflow {

// The integer inside a cursor; nullopt unless it is base64 of 1..19 decimal digits.
std::optional<uint64_t> DecodeCursorNumber(std::string_view cursor);
std::string EncodeCursorNumber(uint64_t number);
// The cursor of the LogGroup just before `cursor`; nullopt when it does not
// decode or is already the first possible one.
std::optional<std::string> PreviousCursor(std::string_view cursor);

// What the caller fetched for one shard.
struct ShardLagInput {
  int shard = 0;
  std::string status;                      // "readwrite" | "readonly"
  std::string checkpoint;                  // "" when never committed
  std::optional<int64_t> checkpoint_time;  // GetCursorTime(checkpoint), when fetched
  std::string begin_cursor;                // GetCursor(begin)
  std::string end_cursor;                  // GetCursor(end)
  std::optional<int64_t> head_time;        // receive time of the last LogGroup; none when empty
  std::string consumer;
  int64_t update_time_us = 0;
};

struct ShardLag {
  int shard = 0;
  std::string status;
  bool has_checkpoint = false;
  bool caught_up = false;  // checkpoint == end cursor
  // Receive time of the LogGroup at the checkpoint (the next one to read);
  // none when caught up, as there is nothing left to read.
  std::optional<int64_t> checkpoint_time;
  std::optional<int64_t> head_time;
  std::optional<int64_t> lag_seconds;  // head_time - checkpoint_time; 0 when caught up
  std::optional<uint64_t> backlog;     // LogGroups between checkpoint and end
  std::string consumer;
  int64_t update_time_us = 0;
};

// Lag of one shard:
//   no checkpoint          -> everything unknown (where a consumer would
//                             start depends on its own --from)
//   checkpoint == end      -> caught up: lag 0, backlog 0, no checkpoint time
//   otherwise              -> lag = max(0, head - checkpoint time) when both are
//                             known; backlog = end - checkpoint when both decode
ShardLag ComputeShardLag(const ShardLagInput& in);

// Consumers that count as alive for `groups reset`: a non-empty consumer
// name on a checkpoint written less than `timeout_seconds` before `now_us`.
// The API has no read-only way to see heartbeats, so a consumer that beats
// but has not committed within the group's timeout is not seen.
struct LiveConsumer {
  std::string name;
  std::vector<int> shards;
  int64_t last_update_us = 0;
};
std::vector<LiveConsumer> LiveConsumers(const std::vector<CheckpointInfo>& checkpoints, int timeout_seconds,
                                        int64_t now_us);

}  // namespace slsflow
