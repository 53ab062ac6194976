// SplitShard and MergeShard (doc/protocol.md §7.3). Parents become
// readonly with their ranges and data kept; new shards get ids above every
// existing one. Readonly shards never take writes again, so their end
// cursor is final from this moment.
#include <charconv>

#include "emulator/service.h"

namespace slsflow::emulator {
namespace {

EmuResponse Invalid(std::string message) {
  return ErrorResponse(400, "ParameterInvalid", message);
}

}  // namespace

EmuResponse Service::SplitShard(const EmuRequest& req, Project& p, const std::string& name, int id) {
  auto ls = p.Find(name);
  if (!ls) return LogStoreNotExist(name);
  std::unique_lock lock(ls->mu);
  auto it = ls->shards.find(id);
  if (it == ls->shards.end()) return Invalid("invalid shard id " + std::to_string(id) + ": no such shard");
  Shard& parent = *it->second;
  if (parent.meta.readonly) return Invalid("shard " + std::to_string(id) + " is readonly and cannot be split");

  std::vector<HashRange> ranges;
  if (const std::string* key = req.Query("key"); key && !key->empty()) {
    u128 k = 0;
    if (!ParseHashKey(*key, &k)) return Invalid("key must be 32 hex digits");
    if (!parent.meta.range.StrictlyInside(k)) {
      return Invalid("key " + *key + " is not strictly inside the range of shard " + std::to_string(id));
    }
    HashRange left{parent.meta.range.begin, HashEnd{k, false}};
    HashRange right{k, parent.meta.range.end};
    ranges = {left, right};
  } else {
    int n = 0;
    const std::string count = req.QueryOr("shardCount");
    auto [ptr, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
    if (count.empty() || ec != std::errc() || ptr != count.data() + count.size() || n < 2 || n > 64) {
      return Invalid("split needs key=<32 hex> or shardCount between 2 and 64");
    }
    ranges = SplitEvenly(parent.meta.range, n);
    for (auto& r : ranges) {
      if (!r.end.is_max && r.end.value <= r.begin) return Invalid("shard range too small to split");
    }
  }
  if (ls->shards.size() + ranges.size() > static_cast<size_t>(options_.limits.max_shards)) {
    return Invalid("too many shards");
  }

  int64_t now_s = NowMicros() / 1000000;
  int next_id = ls->NextShardId();
  std::vector<ShardMeta> children;
  for (auto& r : ranges) {
    ShardMeta m;
    m.id = next_id++;
    m.range = r;
    m.create_time_s = now_s;
    children.push_back(m);
  }
  std::vector<ShardMeta> all;
  for (auto& [sid, s] : ls->shards) {
    all.push_back(s->meta);
    if (sid == id) all.back().readonly = true;
  }
  all.insert(all.end(), children.begin(), children.end());
  if (Status st = storage_->SaveLogStore(p.name, ls->meta, all); !st.ok()) return StatusResponse(st);

  parent.meta.readonly = true;
  std::vector<const ShardMeta*> reply{&parent.meta};
  for (auto& m : children) {
    auto shard = std::make_unique<Shard>();
    shard->meta = m;
    reply.push_back(&shard->meta);
    ls->shards[m.id] = std::move(shard);
  }
  return JsonResponse(ShardListBody(reply));
}

EmuResponse Service::MergeShard(Project& p, const std::string& name, int id) {
  auto ls = p.Find(name);
  if (!ls) return LogStoreNotExist(name);
  std::unique_lock lock(ls->mu);
  auto it = ls->shards.find(id);
  if (it == ls->shards.end()) return Invalid("invalid shard id " + std::to_string(id) + ": no such shard");
  Shard& left = *it->second;
  if (left.meta.readonly) return Invalid("shard " + std::to_string(id) + " is readonly and cannot be merged");
  if (left.meta.range.end.is_max) return Invalid("can not merge the last shard");
  Shard* right = nullptr;
  for (auto& [sid, s] : ls->shards) {
    if (!s->meta.readonly && s->meta.range.begin == left.meta.range.end.value) right = s.get();
  }
  if (!right) return Invalid("shard " + std::to_string(id) + " has no adjacent readwrite shard to merge with");

  ShardMeta merged;
  merged.id = ls->NextShardId();
  merged.range = HashRange{left.meta.range.begin, right->meta.range.end};
  merged.create_time_s = NowMicros() / 1000000;
  std::vector<ShardMeta> all;
  for (auto& [sid, s] : ls->shards) {
    all.push_back(s->meta);
    if (sid == left.meta.id || sid == right->meta.id) all.back().readonly = true;
  }
  all.push_back(merged);
  if (Status st = storage_->SaveLogStore(p.name, ls->meta, all); !st.ok()) return StatusResponse(st);

  left.meta.readonly = true;
  right->meta.readonly = true;
  auto shard = std::make_unique<Shard>();
  shard->meta = merged;
  const ShardMeta* merged_meta = &shard->meta;
  ls->shards[merged.id] = std::move(shard);
  return JsonResponse(ShardListBody({merged_meta, &left.meta, &right->meta}));
}

}  // namespace slsflow::emulator
