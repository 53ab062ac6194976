#include "core/consume/lineage.h"

#include <doctest/doctest.h>

#include "tests/core/consume/fake_source.h"

namespace slsflow {
namespace {

std::vector<ShardInfo> List(test::FakeSource& src) {
  return *src.ListShards("app");
}

TEST_CASE("split: the parent is an ancestor of both children, siblings are not related") {
  test::FakeSource src(2);  // 0 [00,80) 1 [80,ff]
  auto kids = src.Split(0, 0x40);
  auto anc = ShardAncestors(List(src));
  CHECK(anc[kids[0]] == std::vector<int>{0});
  CHECK(anc[kids[1]] == std::vector<int>{0});
  CHECK(anc[1].empty());
  CHECK(anc[0].empty());

  auto plan = PlanLineage(List(src), {});
  CHECK(plan.ready == std::vector<int>{0, 1});
  CHECK(plan.waiting == std::vector<int>{2, 3});
  plan = PlanLineage(List(src), {0});
  CHECK(plan.ready == std::vector<int>{1, 2, 3});
  CHECK(plan.waiting.empty());
}

TEST_CASE("merge: both parents must finish before the merged child") {
  test::FakeSource src(4);
  int m = src.Merge(1);  // 1 and 2 -> 4
  auto anc = ShardAncestors(List(src));
  CHECK(anc[m] == std::vector<int>{1, 2});
  CHECK(PlanLineage(List(src), {1}).waiting == std::vector<int>{m});
  CHECK(PlanLineage(List(src), {1, 2}).ready == std::vector<int>{0, 3, m});
}

TEST_CASE("chains: split then merge of a child with a neighbour") {
  test::FakeSource src(2);         // 0 [00,80) 1 [80,ff]
  auto kids = src.Split(1, 0xc0);  // 2 [80,c0) 3 [c0,ff]
  int m = src.Merge(0);            // 0 + 2 -> 4 [00,c0)
  auto anc = ShardAncestors(List(src));
  CHECK(anc[m] == std::vector<int>{0, 1, kids[0]});
  CHECK(anc[kids[1]] == std::vector<int>{1});
  auto plan = PlanLineage(List(src), {1});
  CHECK(plan.ready == std::vector<int>{0, 2, 3});
  CHECK(plan.waiting == std::vector<int>{m});
}

TEST_CASE("an expired parent (not listed) holds nobody back") {
  test::FakeSource src(1);
  auto kids = src.Split(0, 0x80);
  auto list = List(src);
  list.erase(list.begin());  // shard 0 aged out of ListShards
  CHECK(PlanLineage(list, {}).ready == std::vector<int>{kids[0], kids[1]});
}

TEST_CASE("scope: selected shards and their descendants") {
  test::FakeSource src(4);
  auto kids = src.Split(0, 0x20);  // 4, 5
  int m = src.Merge(2);            // 2 + 3 -> 6
  auto scope = ShardScope(List(src), {0, 3});
  CHECK(scope == std::set<int>{0, 3, kids[0], kids[1], m});
  CHECK(ShardScope(List(src), {}).size() == 7);
}

TEST_CASE("the last shard's end key ffff... overlaps keys at the top") {
  ShardInfo a{0, "readonly", std::string(32, '0'), std::string(32, 'f'), 0};
  ShardInfo b{1, "readwrite", "f0" + std::string(30, '0'), std::string(32, 'f'), 0};
  auto anc = ShardAncestors({a, b});
  CHECK(anc[1] == std::vector<int>{0});
}

}  // namespace
}  // namespace slsflow
