// What `slsflow shards` and `slsflow groups` share: one logstore, a client,
// the output format, and the per-shard cursor facts (begin, end, head time)
// that both `shards list --cursors` and `groups lag` show.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/common.h"
#include "cli/settings.h"
#include "cli/table.h"
#include "core/sls/client.h"

namespace slsflow::cli {

struct AdminContext {
  Settings settings;
  std::unique_ptr<SlsClient> client;
  std::string logstore;
  OutputFormat format = OutputFormat::kTable;
};

// Sets up logging, resolves settings, and insists on exactly one logstore.
Result<AdminContext> OpenAdmin(const CommonFlags& flags);

struct ShardCursors {
  std::string begin;
  std::string end;
  // Receive time of the last LogGroup: GetCursorTime of the cursor before
  // the end (doc/protocol.md §8.3). None for an empty shard, or when the end
  // cursor is not base64 of a decimal.
  std::optional<int64_t> head_time;
};

Result<ShardCursors> FetchShardCursors(SlsClient& client, const std::string& logstore, int shard);

// Shards sorted by id.
Result<std::vector<ShardInfo>> ListShardsSorted(SlsClient& client, const std::string& logstore);
const ShardInfo* FindShard(const std::vector<ShardInfo>& shards, int id);
// kNotFound: "shard 9 does not exist in logstore app (its shards: 0-3); see 'slsflow shards list'".
Status ShardNotFound(const std::string& logstore, int id, const std::vector<ShardInfo>& shards);

// The columns of `shards list` (also what split and merge print).
std::vector<Column> ShardColumns(bool with_cursors);
std::vector<nlohmann::ordered_json> ShardRow(const ShardInfo& s, const ShardCursors* cursors);

// Runs fn(i, client) for every i in [0, n) on up to `workers` threads, each
// with its own client, so per-shard lookups on a logstore with hundreds of
// shards take seconds rather than minutes. The first error is returned.
Status ForEachParallel(const Settings& settings, size_t n, const std::function<Status(size_t, SlsClient&)>& fn,
                       size_t workers = 8);

// Writes all of `text` to stdout; kIO on a closed pipe or a full disk.
Status WriteStdout(const std::string& text);

}  // namespace slsflow::cli
