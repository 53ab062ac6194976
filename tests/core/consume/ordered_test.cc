#include "core/consume/ordered.h"

#include <doctest/doctest.h>

namespace slsflow {
namespace {

ShardPosition Pos(int skip) {
  ShardPosition p;
  p.cursor = "c";
  p.skip_logs = skip;
  return p;
}

TEST_CASE("records wait out the window, then leave oldest first") {
  ReorderBuffer buf(1000);
  ShardKey a{"app", 0}, b{"app", 1};
  buf.Add(a, 20, 0, "a20", Pos(1));
  buf.Add(b, 10, 100, "b10", Pos(1));
  buf.Add(a, 30, 200, "a30", Pos(2));
  ShardKey k;
  PendingRecord r;
  CHECK_FALSE(buf.PopReady(999, false, &k, &r));
  REQUIRE(buf.PopReady(1000, false, &k, &r));
  CHECK(r.text == "b10");
  CHECK(k == b);
  REQUIRE(buf.PopReady(1000, false, &k, &r));
  CHECK(r.text == "a20");
  CHECK(buf.Holds(a));
  CHECK_FALSE(buf.Holds(b));
  CHECK_FALSE(buf.PopReady(1100, false, &k, &r));  // a30 arrived at 200
  REQUIRE(buf.PopReady(1100, true, &k, &r));
  CHECK(r.text == "a30");
  CHECK(r.after.skip_logs == 2);
  CHECK(buf.size() == 0);
}

TEST_CASE("a shard's records never pass each other, even when its times go back") {
  ReorderBuffer buf(0);
  ShardKey a{"app", 0}, b{"app", 1};
  buf.Add(a, 50, 0, "a50", Pos(1));
  buf.Add(a, 10, 0, "a10", Pos(2));  // sorts as 50: stays behind a50
  buf.Add(b, 30, 0, "b30", Pos(1));
  std::vector<std::string> order;
  ShardKey k;
  PendingRecord r;
  while (buf.PopReady(0, false, &k, &r)) order.push_back(r.text);
  CHECK(order == std::vector<std::string>{"b30", "a50", "a10"});
}

}  // namespace
}  // namespace slsflow
