// Shard lineage after splits and merges, from ListShards alone.
//
// A readonly shard is an ancestor of every younger (higher id) shard whose
// hash range overlaps its own: a split parent covers both children, merge
// parents cover the merged child, and ids only grow. A shard may be read
// only once every ancestor in scope is finished, which gives "parents
// before children" for each key's history.
#pragma once

#include <map>
#include <set>
#include <vector>

#include "core/sls/client.h"

namespace slsflow {

// Ancestors of each listed shard, by id.
std::map<int, std::vector<int>> ShardAncestors(const std::vector<ShardInfo>& shards);

// Ids in `selection` plus every shard that has a selected ancestor. An empty
// selection selects everything.
std::set<int> ShardScope(const std::vector<ShardInfo>& shards, const std::vector<int>& selection);

struct LineagePlan {
  std::vector<int> ready;    // not finished, every ancestor finished: read it
  std::vector<int> waiting;  // some ancestor still unfinished
};

// Splits the not-finished shards of `shards` by readiness. Shards absent
// from the listing (expired) are not in scope and hold nobody back.
LineagePlan PlanLineage(const std::vector<ShardInfo>& shards, const std::set<int>& finished);

}  // namespace slsflow
