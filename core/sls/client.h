// The typed SLS client: one method per API, each returning a value or a
// Status that carries the HTTP status, SLS errorCode/errorMessage, the
// x-log-requestid and a RetryClass. It does not loop on errors itself
// (callers own their retry policy: consume/source.cc and produce/sender.cc), except for one
// resync-and-retry on RequestTimeExpired (clock skew).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/env.h"
#include "core/base/status.h"
#include "core/sls/auth.h"
#include "core/sls/codec.h"
#include "core/sls/endpoint.h"
#include "core/sls/http.h"

namespace slsflow {

struct ShardInfo {
  int id = 0;
  std::string status;       // "readwrite" | "readonly"
  std::string begin_key;    // inclusiveBeginKey, 32 lowercase hex
  std::string end_key;      // exclusiveEndKey
  int64_t create_time = 0;  // epoch seconds
  bool readonly() const { return status == "readonly"; }
};

struct LogStoreInfo {
  std::string name;
  int ttl = 0;
  int shard_count = 0;
  int64_t create_time = 0;
};

struct ConsumerGroupInfo {
  std::string name;
  int timeout_seconds = 60;
  bool in_order = false;
};

struct CheckpointInfo {
  int shard = 0;
  std::string checkpoint;  // a cursor; "" when never committed
  int64_t update_time_us = 0;
  std::string consumer;
};

struct PullRequest {
  std::string logstore;
  int shard = 0;
  std::string cursor;
  int count = 100;         // LogGroups, 1..1000
  std::string end_cursor;  // optional, exclusive
  std::string query;       // optional SPL
  CompressType accept = CompressType::kLz4;
  // Memory to decompress into, optional: swapped into the result, so that a
  // recycled buffer's capacity is used again. Its bytes are overwritten, not
  // read; leaving its size as it was spares zero-filling that much of it.
  std::string* buffer = nullptr;
};

struct PullResult {
  std::string log_group_list;  // decompressed LogGroupList protobuf
  std::string next_cursor;
  int count = 0;            // LogGroups in the body
  int64_t cursor_time = 0;  // x-log-cursor-time when present
  size_t wire_bytes = 0;    // bytes as received (compressed)
  // x-log-end-of-cursor: 1 (optional, Java reads it): next_cursor is the
  // shard's end as of this reply, so an immediate next pull would be empty.
  bool end_of_cursor = false;
};

// Where a PutLogs goes.
struct PutRoute {
  enum Kind { kLoadBalanced, kHashKey, kShard } kind = kLoadBalanced;
  std::string hash_key;  // 32 hex, for kHashKey
  int shard = 0;         // for kShard
};

struct PutRequest {
  std::string logstore;
  PutRoute route;
  // The serialized LogGroup, compressed with `compress`. A view: the
  // caller owns the bytes (the sender reuses one buffer per thread).
  std::string_view body;
  size_t raw_size = 0;  // size before compression
  CompressType compress = CompressType::kLz4;
  bool fresh_connection = false;  // see HttpRequest::fresh_connection
};

struct ClientOptions {
  Endpoint endpoint;
  std::string project;
  Credentials credentials;
  SignOptions sign;
  std::string user_agent = "slsflow";
  int timeout_ms = 0;  // 0: transport default
  // Where the credentials came from ("profile prod in PATH", ...), only to
  // make auth errors name what to fix.
  std::string credential_source;
};

class SlsClient {
 public:
  SlsClient(ClientOptions options, std::shared_ptr<HttpTransport> transport, Env* env = Env::Default());

  const ClientOptions& options() const { return options_; }

  Result<std::vector<std::string>> ListLogStores();
  Result<LogStoreInfo> GetLogStore(const std::string& logstore);
  Status CreateLogStore(const std::string& logstore, int shard_count, int ttl_days = 30);
  Status DeleteLogStore(const std::string& logstore);

  Result<std::vector<ShardInfo>> ListShards(const std::string& logstore);
  // from: "begin", "end", or unix seconds as decimal text.
  Result<std::string> GetCursor(const std::string& logstore, int shard, const std::string& from);
  Result<int64_t> GetCursorTime(const std::string& logstore, int shard, const std::string& cursor);
  Result<PullResult> PullLogs(const PullRequest& request);
  Status PutLogs(const PutRequest& request);
  // Replies as the server does: [parent(readonly), left, right].
  Result<std::vector<ShardInfo>> SplitShard(const std::string& logstore, int shard, const std::string& key_hex);
  // Replies as the server does: [merged, left(readonly), right(readonly)].
  Result<std::vector<ShardInfo>> MergeShard(const std::string& logstore, int shard);

  Status CreateConsumerGroup(const std::string& logstore, const ConsumerGroupInfo& group);
  Status UpdateConsumerGroup(const std::string& logstore, const ConsumerGroupInfo& group);
  Status DeleteConsumerGroup(const std::string& logstore, const std::string& group);
  Result<std::vector<ConsumerGroupInfo>> ListConsumerGroups(const std::string& logstore);
  // held: shards this consumer holds now; returns the shards assigned to it.
  Result<std::vector<int>> Heartbeat(const std::string& logstore, const std::string& group, const std::string& consumer,
                                     const std::vector<int>& held);
  Status UpdateCheckpoint(const std::string& logstore, const std::string& group, const std::string& consumer, int shard,
                          const std::string& cursor, bool force_success = true);
  // shard -1: every shard.
  Result<std::vector<CheckpointInfo>> GetCheckpoints(const std::string& logstore, const std::string& group,
                                                     int shard = -1);

  // Low level: signs and sends one request and maps any non-2xx reply to a
  // Status. Exposed for tests and for APIs without a typed method.
  Result<HttpResponse> Call(const std::string& method, const std::string& path, const QueryList& query,
                            HeaderList headers, std::string_view body, bool fresh_connection = false);

  // Seconds added to the local clock when signing (learned from a server
  // Date after RequestTimeExpired).
  int64_t clock_offset() const { return clock_offset_.load(); }

 private:
  Result<HttpResponse> CallOnce(const std::string& method, const std::string& path, const QueryList& query,
                                const HeaderList& headers, std::string_view body, bool fresh_connection);
  Status ErrorFromResponse(const HttpResponse& response) const;

  ClientOptions options_;
  std::shared_ptr<HttpTransport> transport_;
  Env* env_;
  std::atomic<int64_t> clock_offset_{0};
};

// Maps an SLS reply to a Status: parses {errorCode, errorMessage}, tolerates
// non-JSON bodies, sets kind, retry class and an actionable message.
// `credential_source` only names where the key came from in auth messages.
Status StatusFromSlsError(int http_status, const std::string& body, const std::string& request_id,
                          const std::string& credential_source = "");

// Parses ListShards / split / merge replies.
Result<std::vector<ShardInfo>> ParseShardList(const std::string& json);
Result<std::vector<CheckpointInfo>> ParseCheckpoints(const std::string& json);

}  // namespace slsflow
