#include "core/produce/ack.h"

#include <doctest/doctest.h>

using namespace slsflow;

TEST_CASE("the position advances only over a settled prefix") {
  AckTracker t;
  uint64_t c0 = t.BeginChunk();
  t.EndChunk(c0, {7, 100}, 2);
  uint64_t c1 = t.BeginChunk();
  t.EndChunk(c1, {7, 200}, 1);
  uint64_t c2 = t.BeginChunk();
  InputPosition pos;
  CHECK_FALSE(t.Advance(&pos));
  t.Settle({{c1, 1}}, true);  // later chunk first: nothing moves
  CHECK_FALSE(t.Advance(&pos));
  t.Settle({{c0, 1}}, true);
  CHECK_FALSE(t.Advance(&pos));
  t.Settle({{c0, 1}, {c2, 1}}, true);  // settled before c2 ended
  REQUIRE(t.Advance(&pos));
  CHECK(pos == InputPosition{7, 200});
  CHECK_FALSE(t.Advance(&pos));  // reported once
  t.EndChunk(c2, {7, 300}, 1);
  REQUIRE(t.Advance(&pos));
  CHECK(pos.offset == 300);
  CHECK(t.open_chunks() == 0);
}

TEST_CASE("a chunk with no logs settles when it ends; a lost batch pins the prefix") {
  AckTracker t;
  uint64_t c0 = t.BeginChunk();
  t.EndChunk(c0, {1, 10}, 0);
  InputPosition pos;
  REQUIRE(t.Advance(&pos));
  CHECK(pos.offset == 10);
  uint64_t c1 = t.BeginChunk();
  t.EndChunk(c1, {1, 20}, 1);
  uint64_t c2 = t.BeginChunk();
  t.EndChunk(c2, {1, 30}, 1);
  t.Settle({{c1, 1}}, false);
  t.Settle({{c2, 1}}, true);
  CHECK_FALSE(t.Advance(&pos));
  CHECK(t.open_chunks() == 2);
}

TEST_CASE("Settle and EndChunk say when the settled prefix moved, so a commit can start") {
  AckTracker t;
  uint64_t c0 = t.BeginChunk();
  uint64_t c1 = t.BeginChunk();
  CHECK_FALSE(t.EndChunk(c1, {1, 20}, 1));
  CHECK_FALSE(t.Settle({{c1, 1}}, true));  // behind an open chunk
  CHECK(t.EndChunk(c0, {1, 10}, 0));       // no logs: settles as it ends, and c1 with it
  InputPosition pos;
  REQUIRE(t.Advance(&pos));
  CHECK(pos.offset == 20);
  uint64_t c2 = t.BeginChunk();
  CHECK_FALSE(t.EndChunk(c2, {1, 30}, 2));
  CHECK_FALSE(t.Settle({{c2, 1}}, true));
  CHECK(t.Settle({{c2, 1}}, true));
}
