#include "cli/admin.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/consume/group_lag.h"
#include "core/sls/shard_set.h"

namespace slsflow::cli {

Result<AdminContext> OpenAdmin(const CommonFlags& flags) {
  SetupLogging(flags);
  AdminContext ctx;
  auto format = ParseOutputFormat(flags.format);
  if (!format.ok()) return format.status();
  ctx.format = *format;
  auto settings = ResolveSettings(flags);
  if (!settings.ok()) return settings.status();
  ctx.settings = std::move(*settings);
  SLSFLOW_RETURN_IF_ERROR(RequireLogstores(ctx.settings, /*one=*/true));
  ctx.logstore = ctx.settings.logstores.front();
  ctx.client = MakeClient(ctx.settings);
  return ctx;
}

Result<ShardCursors> FetchShardCursors(SlsClient& client, const std::string& logstore, int shard) {
  ShardCursors out;
  auto begin = client.GetCursor(logstore, shard, "begin");
  if (!begin.ok()) return begin.status();
  auto end = client.GetCursor(logstore, shard, "end");
  if (!end.ok()) return end.status();
  out.begin = std::move(*begin);
  out.end = std::move(*end);
  if (out.begin == out.end) return out;  // empty (or fully expired): no head
  auto last = PreviousCursor(out.end);
  if (!last) return out;
  auto time = client.GetCursorTime(logstore, shard, *last);
  if (!time.ok()) return time.status();
  out.head_time = *time;
  return out;
}

Result<std::vector<ShardInfo>> ListShardsSorted(SlsClient& client, const std::string& logstore) {
  auto shards = client.ListShards(logstore);
  if (!shards.ok()) return shards.status();
  std::sort(shards->begin(), shards->end(), [](const ShardInfo& a, const ShardInfo& b) { return a.id < b.id; });
  return shards;
}

const ShardInfo* FindShard(const std::vector<ShardInfo>& shards, int id) {
  for (const auto& s : shards)
    if (s.id == id) return &s;
  return nullptr;
}

Status ShardNotFound(const std::string& logstore, int id, const std::vector<ShardInfo>& shards) {
  std::vector<int> ids;
  for (const auto& s : shards) ids.push_back(s.id);
  return Status::NotFound("shard " + std::to_string(id) + " does not exist in logstore " + logstore + " (its shards: " +
                          (ids.empty() ? "none" : FormatShardSet(ids)) + "); see 'slsflow shards list'");
}

std::vector<Column> ShardColumns(bool with_cursors) {
  std::vector<Column> cols = {{"shard", "SHARD", true},
                              {"status", "STATUS"},
                              {"begin_key", "BEGIN_KEY"},
                              {"end_key", "END_KEY"},
                              {"create_time", "CREATED"}};
  if (with_cursors) {
    cols.push_back({"begin_cursor", "BEGIN_CURSOR"});
    cols.push_back({"end_cursor", "END_CURSOR"});
    cols.push_back({"head_time", "HEAD_TIME"});
  }
  return cols;
}

std::vector<nlohmann::ordered_json> ShardRow(const ShardInfo& s, const ShardCursors* cursors) {
  std::vector<nlohmann::ordered_json> row = {s.id, s.status, s.begin_key, s.end_key, IsoTime(s.create_time)};
  if (cursors) {
    row.emplace_back(cursors->begin);
    row.emplace_back(cursors->end);
    row.push_back(cursors->head_time ? IsoTime(*cursors->head_time) : nlohmann::ordered_json());
  }
  return row;
}

Status ForEachParallel(const Settings& settings, size_t n, const std::function<Status(size_t, SlsClient&)>& fn,
                       size_t workers) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status first_error;
  auto work = [&] {
    auto client = MakeClient(settings);
    for (size_t i = next++; i < n && !failed.load(); i = next++) {
      Status st = fn(i, *client);
      if (!st.ok()) {
        std::lock_guard lock(mu);
        if (first_error.ok()) first_error = st;
        failed = true;
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < std::min(workers, n); ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  return first_error;
}

Status WriteStdout(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
    return Status::IO(std::string("writing to stdout: ") + std::strerror(errno));
  return Status::OK();
}

}  // namespace slsflow::cli
