#include "core/consume/lineage.h"

#include <algorithm>

namespace slsflow {

namespace {

// Hash keys are fixed-width lowercase hex, so they compare as strings. The
// last shard's end is written "ffff..." but means 2^128: treat "ff..ff" as
// past every key.
bool Overlaps(const ShardInfo& a, const ShardInfo& b) {
  auto end_after = [](const std::string& end, const std::string& begin) {
    return end == std::string(32, 'f') || end > begin;
  };
  return end_after(a.end_key, b.begin_key) && end_after(b.end_key, a.begin_key);
}

}  // namespace

std::map<int, std::vector<int>> ShardAncestors(const std::vector<ShardInfo>& shards) {
  std::map<int, std::vector<int>> out;
  for (const auto& s : shards) {
    auto& list = out[s.id];
    for (const auto& r : shards) {
      if (r.id < s.id && r.readonly() && Overlaps(r, s)) list.push_back(r.id);
    }
    std::sort(list.begin(), list.end());
  }
  return out;
}

std::set<int> ShardScope(const std::vector<ShardInfo>& shards, const std::vector<int>& selection) {
  std::set<int> scope;
  if (selection.empty()) {
    for (const auto& s : shards) scope.insert(s.id);
    return scope;
  }
  const std::set<int> selected(selection.begin(), selection.end());
  auto ancestors = ShardAncestors(shards);
  for (const auto& s : shards) {
    if (selected.count(s.id)) {
      scope.insert(s.id);
      continue;
    }
    for (int a : ancestors[s.id]) {
      if (selected.count(a)) {
        scope.insert(s.id);
        break;
      }
    }
  }
  return scope;
}

LineagePlan PlanLineage(const std::vector<ShardInfo>& shards, const std::set<int>& finished) {
  LineagePlan plan;
  auto ancestors = ShardAncestors(shards);
  for (const auto& s : shards) {
    if (finished.count(s.id)) continue;
    bool ready =
        std::all_of(ancestors[s.id].begin(), ancestors[s.id].end(), [&](int a) { return finished.count(a) > 0; });
    (ready ? plan.ready : plan.waiting).push_back(s.id);
  }
  std::sort(plan.ready.begin(), plan.ready.end());
  std::sort(plan.waiting.begin(), plan.waiting.end());
  return plan;
}

}  // namespace slsflow
