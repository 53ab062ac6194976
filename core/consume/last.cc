#include "core/consume/last.h"

#include <algorithm>
#include <queue>

namespace slsflow {

namespace {

// Logs of one second come out by shard, then by position in the shard, so
// the same data always prints the same way (the man page says so).
struct Newer {
  bool operator()(const LastRecord& a, const LastRecord& b) const {
    if (a.time != b.time) return a.time > b.time;
    if (a.logstore != b.logstore) return a.logstore > b.logstore;
    if (a.shard != b.shard) return a.shard > b.shard;
    return a.order > b.order;
  }
};

constexpr int64_t kStrips[] = {60, 600, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400, -1};
constexpr int64_t kStripSpan = int64_t{1} << 40;  // orders within one strip

}  // namespace

Result<std::vector<LastRecord>> CollectLastLogs(ConsumeSource* source, const std::vector<LastShard>& shards, int64_t n,
                                                int64_t now_unix, int max_per_fetch, Formatter* formatter,
                                                const LogFilter* filter, uint64_t memory) {
  uint64_t kept_bytes = 0;
  double group_bytes = 0;  // seen so far; sizes the next pull
  // Min-heap of the newest records seen: the top is the first to drop.
  std::priority_queue<LastRecord, std::vector<LastRecord>, Newer> keep;
  std::vector<std::string> upper(shards.size()), begin(shards.size());
  for (size_t i = 0; i < shards.size(); ++i) {
    upper[i] = shards[i].end_cursor;
    auto b = source->GetCursor(shards[i].logstore, shards[i].shard, "begin");
    if (!b.ok()) return b.status();
    begin[i] = *b;
  }
  int64_t found = 0;
  LogGroupListView list;  // reused pull to pull
  const int strips = static_cast<int>(std::size(kStrips));
  for (int s = 0; s < strips; ++s) {
    bool all_at_begin = true;
    for (size_t i = 0; i < shards.size(); ++i) {
      const LastShard& sh = shards[i];
      if (upper[i] == begin[i]) continue;
      std::string lower = begin[i];
      if (kStrips[s] > 0) {
        auto c = source->GetCursor(sh.logstore, sh.shard, std::to_string(std::max<int64_t>(0, now_unix - kStrips[s])));
        if (!c.ok()) return c.status();
        lower = *c;
      }
      if (lower != begin[i]) all_at_begin = false;
      int64_t position = (strips - s) * kStripSpan;
      std::string cursor = lower;
      while (cursor != upper[i]) {
        PullRequest req;
        req.logstore = sh.logstore;
        req.shard = sh.shard;
        req.cursor = cursor;
        req.end_cursor = upper[i];
        req.count = group_bytes > 0 ? static_cast<int>(std::clamp(static_cast<double>(memory / 4) / group_bytes, 1.0,
                                                                  static_cast<double>(max_per_fetch)))
                                    : 1;
        auto pulled = source->PullLogs(req);
        if (!pulled.ok()) return pulled.status();
        if (pulled->count > 0) group_bytes = static_cast<double>(pulled->log_group_list.size()) / pulled->count;
        if (Status st = list.Parse(pulled->log_group_list); !st.ok())
          return Status::Corruption("--last: a LogGroupList from " + sh.logstore + " does not parse (" + st.message() +
                                    ")");
        const RecordMeta meta{sh.logstore, sh.shard, cursor};
        for (const auto& g : list.loggroups()) {
          const bool group_ok = !filter || filter->empty() || filter->MatchGroup(g);
          for (int li = 0; li < g.logs_size(); ++li) {
            ++position;
            if (!group_ok || (filter && !filter->empty() && !filter->MatchLog(g, li))) continue;
            LastRecord r{g.logs(li).time(), position, sh.logstore, sh.shard, {}};
            if (static_cast<int64_t>(keep.size()) >= n && !Newer()(r, keep.top())) {
              ++found;
              continue;  // older than everything kept
            }
            formatter->FormatLog(g, li, meta, &r.text);
            kept_bytes += r.text.size();
            keep.push(std::move(r));
            if (static_cast<int64_t>(keep.size()) > n) {
              kept_bytes -= keep.top().text.size();
              keep.pop();
            }
            if (kept_bytes > memory / 2) {
              const double need =
                  static_cast<double>(kept_bytes) * static_cast<double>(n) / static_cast<double>(keep.size()) * 2;
              return Status::Usage("--last " + std::to_string(n) + " does not fit in --memory " +
                                   std::to_string(memory >> 20) + "m: the newest logs need about " +
                                   std::to_string(static_cast<uint64_t>(need) >> 20) +
                                   "m; raise --memory or ask for fewer");
            }
            ++found;
          }
        }
        if (pulled->next_cursor.empty() || pulled->next_cursor == cursor) break;
        cursor = pulled->next_cursor;
      }
      upper[i] = lower;
    }
    if (found >= n || all_at_begin) break;
  }
  std::vector<LastRecord> out;
  out.reserve(keep.size());
  while (!keep.empty()) {
    out.push_back(keep.top());
    keep.pop();
  }
  std::sort(out.begin(), out.end(), [](const LastRecord& a, const LastRecord& b) { return Newer()(b, a); });
  return out;
}

}  // namespace slsflow
