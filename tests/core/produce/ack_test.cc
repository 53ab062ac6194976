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

TEST_CASE("a chunk with no logs settles when it ends; a lost batch pins the prefix, not what follows") {
  AckTracker t;
  uint64_t c0 = t.BeginChunk(0);
  t.EndChunk(c0, {1, 10}, 0);
  InputPosition pos;
  std::vector<ByteRange> after;
  REQUIRE(t.Advance(&pos, &after));
  CHECK(pos.offset == 10);
  CHECK(after.empty());
  uint64_t c1 = t.BeginChunk(10);
  t.EndChunk(c1, {1, 20}, 1);
  uint64_t c2 = t.BeginChunk(20);
  t.EndChunk(c2, {1, 30}, 1);
  t.Settle({{c1, 1}}, false);
  t.Settle({{c2, 1}}, true);
  REQUIRE(t.Advance(&pos, &after));
  CHECK(pos.offset == 10);                           // c1 is sent again after a restart...
  CHECK(after == std::vector<ByteRange>{{20, 30}});  // ...c2 is not
  CHECK(t.open_chunks() == 2);
}

TEST_CASE("Settle and EndChunk say when a chunk settled, so a commit can start") {
  AckTracker t;
  uint64_t c0 = t.BeginChunk(0);
  uint64_t c1 = t.BeginChunk(10);
  CHECK_FALSE(t.EndChunk(c1, {1, 20}, 1));
  CHECK(t.Settle({{c1, 1}}, true));   // settled behind an open chunk: saved as a range
  CHECK(t.EndChunk(c0, {1, 10}, 0));  // no logs: settles as it ends, and the prefix takes c1 with it
  InputPosition pos;
  REQUIRE(t.Advance(&pos));
  CHECK(pos.offset == 20);
  uint64_t c2 = t.BeginChunk(20);
  CHECK_FALSE(t.EndChunk(c2, {1, 30}, 2));
  CHECK_FALSE(t.Settle({{c2, 1}}, true));
  CHECK(t.Settle({{c2, 1}}, true));
  CHECK_FALSE(t.Settle({{c2, 0}}, true));  // already settled
}

TEST_CASE("settled ranges after the prefix: merged, in one file, carried over a restart") {
  AckTracker t;
  t.Resume({5, 100, 3, 0xabc}, {{300, 400}, {500, 600}});
  InputPosition pos;
  std::vector<ByteRange> after;
  CHECK_FALSE(t.Advance(&pos, &after));  // nothing new since the state was saved
  uint64_t a = t.BeginChunk(100);
  t.EndChunk(a, {5, 200}, 1);
  uint64_t b = t.BeginChunk(200);
  t.EndChunk(b, {5, 300}, 1);
  uint64_t c = t.BeginChunk(300);  // lines the last run had settled: skipped, no logs
  CHECK(t.EndChunk(c, {5, 400}, 0));
  REQUIRE(t.Advance(&pos, &after));
  CHECK(pos.offset == 100);
  CHECK(pos.tail_len == 3);  // the resume position, tail and all
  CHECK(after == std::vector<ByteRange>{{300, 400}, {500, 600}});
  CHECK(t.Settle({{b, 1}}, true));
  REQUIRE(t.Advance(&pos, &after));
  CHECK(after == std::vector<ByteRange>{{200, 400}, {500, 600}});
  CHECK(t.Settle({{a, 1}}, true));
  REQUIRE(t.Advance(&pos, &after));
  CHECK(pos.offset == 400);
  CHECK(after == std::vector<ByteRange>{{500, 600}});
  // A rotation: the new file's offsets are not the old file's.
  uint64_t d = t.BeginChunk(400);
  t.EndChunk(d, {5, 450}, 0);
  t.NewGeneration();
  uint64_t e = t.BeginChunk(0);
  t.EndChunk(e, {6, 50}, 1);
  uint64_t f = t.BeginChunk(50);
  t.EndChunk(f, {6, 90}, 0);
  REQUIRE(t.Advance(&pos, &after));
  CHECK(pos.inode == 5);
  CHECK(pos.offset == 450);
  CHECK(after == std::vector<ByteRange>{{500, 600}});
  t.Settle({{e, 1}}, true);
  REQUIRE(t.Advance(&pos, &after));
  CHECK(pos.inode == 6);
  CHECK(pos.offset == 90);
  CHECK(after.empty());
}

TEST_CASE("a file read again from its start (same inode) names none of its old ranges") {
  AckTracker t;
  t.Resume({5, 100}, {{300, 400}});
  uint64_t hole = t.BeginChunk(100);
  t.EndChunk(hole, {5, 200}, 1);
  uint64_t old_settled = t.BeginChunk(200);
  t.EndChunk(old_settled, {5, 300}, 0);
  t.NewGeneration();  // copytruncate: the same inode from offset 0
  uint64_t fresh = t.BeginChunk(0);
  t.EndChunk(fresh, {5, 120}, 0);
  uint64_t fresh2 = t.BeginChunk(120);
  t.EndChunk(fresh2, {5, 250}, 0);
  InputPosition pos;
  std::vector<ByteRange> after;
  REQUIRE(t.Advance(&pos, &after));
  CHECK(pos.offset == 100);
  // Old generation: its own settled chunk and the carried range; not the
  // new bytes at 120..250, which merely share offsets with the old ones.
  CHECK(after == std::vector<ByteRange>{{200, 400}});
  t.Settle({{hole, 1}}, true);
  REQUIRE(t.Advance(&pos, &after));
  CHECK(pos.offset == 250);
  CHECK(after.empty());
}

TEST_CASE("at most kMaxSettledRanges ranges are kept, the first ones") {
  AckTracker t;
  t.Resume({1, 0}, {});
  uint64_t hole = t.BeginChunk(0);
  t.EndChunk(hole, {1, 10}, 1);
  for (uint64_t i = 1; i <= 3 * kMaxSettledRanges; ++i) {
    uint64_t id = t.BeginChunk(i * 10);
    t.EndChunk(id, {1, i * 10 + 10}, i % 2);  // every other chunk waits for its log
  }
  InputPosition pos;
  std::vector<ByteRange> after;
  REQUIRE(t.Advance(&pos, &after));
  REQUIRE(after.size() == kMaxSettledRanges);
  CHECK(after.front() == ByteRange{20, 30});
}
