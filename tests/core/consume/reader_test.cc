#include "core/consume/reader.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

#include "tests/core/consume/fake_source.h"

namespace slsflow {
namespace {

std::unique_ptr<ReaderBatch> WaitPop(ShardReader& r) {
  for (int i = 0; i < 2000; ++i) {
    if (auto b = r.TryPop()) return b;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return nullptr;
}

// Polls `done` for up to 2 s; its last answer.
bool WaitUntil(const std::function<bool()>& done) {
  for (int i = 0; i < 2000 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return done();
}

// Shard 0 of "app", from its first group.
ShardReaderOptions FromStart() {
  ShardReaderOptions o;
  o.logstore = "app";
  o.start_cursor = test::FakeSource::Cursor(0);
  return o;
}

TEST_CASE("prefetch is bounded: a reader nobody drains stops pulling") {
  test::FakeSource src(1);
  for (int i = 0; i < 50; ++i) src.Put(0, {"v" + std::to_string(i)});
  ShardReaderOptions o = FromStart();
  o.max_per_fetch = 1;
  o.queue_depth = 2;
  ShardReader reader(&src, Env::Default(), o, [] {});
  reader.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(src.pulls_.load() == 2);
  auto b = WaitPop(reader);
  REQUIRE(b);
  CHECK(b->group_count() == 1);
  CHECK(b->cursor == test::FakeSource::Cursor(0));
  CHECK(b->next_cursor == test::FakeSource::Cursor(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(src.pulls_.load() == 3);
  reader.Stop();
}

TEST_CASE("an end cursor finishes the shard; an idle shard is caught up") {
  test::FakeSource src(1);
  for (int i = 0; i < 5; ++i) src.Put(0, {"v"});
  ShardReaderOptions o = FromStart();
  o.max_per_fetch = 2;
  o.fetch_interval_us = 1000;
  ShardReader reader(&src, Env::Default(), o, [] {});
  reader.Start();
  int groups = 0;
  while (groups < 5) {
    auto b = WaitPop(reader);
    REQUIRE(b);
    groups += b->group_count();
  }
  for (int i = 0; i < 200 && !reader.CaughtUp(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(reader.CaughtUp());
  CHECK_FALSE(reader.Done());
  reader.SetEndCursor(test::FakeSource::Cursor(5));
  auto end = WaitPop(reader);
  REQUIRE(end);
  CHECK(end->reached_end);
  CHECK(end->group_count() == 0);
  CHECK(reader.Done());
}

TEST_CASE("an idle shard tells the engine once that it is caught up, not on every empty poll") {
  test::FakeSource src(1);
  src.Put(0, {"v"});
  ShardReaderOptions o = FromStart();
  o.fetch_interval_us = 1000;
  std::atomic<int> notified{0};
  ShardReader reader(&src, Env::Default(), o, [&] { ++notified; });
  reader.Start();
  REQUIRE(WaitPop(reader));
  REQUIRE(WaitUntil([&] { return reader.CaughtUp(); }));
  const int pulls = src.pulls_.load();
  REQUIRE(WaitUntil([&] { return src.pulls_.load() >= pulls + 20; }));  // it goes on polling
  CHECK(notified.load() <= 3);  // the batch, then "caught up" (once, or not at all after end-of-cursor)
  src.Put(0, {"w"});
  auto b = WaitPop(reader);  // new data is still read and announced
  REQUIRE(b);
  CHECK(b->group_count() == 1);
  reader.Stop();
}

TEST_CASE("a pacer shared by many readers makes an idle shard poll less often than its fetch interval") {
  test::FakeSource src(1);
  src.Put(0, {"v"});
  ShardReaderOptions o = FromStart();
  o.fetch_interval_us = 1000;
  // 10 polls a second over 10 readers (this one and 9 others): each idle
  // one polls once a second, not every millisecond.
  PollPacer pacer(10);
  for (int i = 0; i < 9; ++i) pacer.AddReader();
  o.pacer = &pacer;
  ShardReader reader(&src, Env::Default(), o, [] {});
  reader.Start();
  REQUIRE(WaitPop(reader));
  REQUIRE(WaitUntil([&] { return reader.CaughtUp(); }));
  CHECK(pacer.readers() == 10);
  const int pulls = src.pulls_.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(src.pulls_.load() <= pulls + 1);  // without the pacer, about 300 more
  reader.Stop();
  CHECK(pacer.readers() == 9);
}

TEST_CASE("5xx is retried with backoff; a fatal error is handed over once") {
  test::FakeSource src(1);
  src.Put(0, {"v"});
  src.fail_next_ = 2;
  ShardReaderOptions o = FromStart();
  o.max_backoff_us = 1000;
  ShardReader reader(&src, Env::Default(), o, [] {});
  reader.Start();
  auto b = WaitPop(reader);
  REQUIRE(b);
  CHECK(b->status.ok());
  CHECK(b->group_count() == 1);
  reader.Stop();

  src.fatal_ = true;
  ShardReader bad(&src, Env::Default(), o, [] {});
  bad.Start();
  auto e = WaitPop(bad);
  REQUIRE(e);
  CHECK(e->status.kind() == ErrorKind::kAuth);
}

TEST_CASE("under a budget, a caught-up shard polls for one group and a busy one for its share") {
  test::FakeSource src(1);
  ConsumeBudget budget(1 << 20);
  budget.NoteGroupBytes(100);  // share 512 KB / 300 B a group: the 100 of --max-per-fetch
  ShardReaderOptions o = FromStart();
  o.max_per_fetch = 100;
  o.fetch_interval_us = 1000;
  o.budget = &budget;
  ShardReader reader(&src, Env::Default(), o, [] {});
  reader.Start();
  WaitUntil([&] { return src.pulls_.load() >= 3; });
  for (int i = 0; i < 5; ++i) src.Put(0, {"v"});
  int groups = 0;
  while (groups < 5) {
    auto b = WaitPop(reader);
    REQUIRE(b);
    groups += b->group_count();
  }
  WaitUntil([&] { return reader.CaughtUp(); });
  reader.Stop();
  std::vector<int> counts = src.counts();
  REQUIRE(counts.size() >= 4);
  CHECK(counts[0] == 100);  // nothing known yet: the whole share
  CHECK(counts[1] == 1);    // it came back empty: idle polls ask for one group
  // The one group came back full, so the next pull asked for the share again.
  CHECK(std::find(counts.begin() + 2, counts.end(), 100) != counts.end());
  // Caught up again: the pull after a short reply asks for twice what came
  // (at most 2 x 4 here), and one after an empty reply for one group.
  CHECK(counts.back() <= 8);
  CHECK(budget.held() == budget.spare_bytes());
}

TEST_CASE("with stop_when_caught_up, a caught-up shard is not polled again until it gets an end cursor") {
  test::FakeSource src(1);
  for (int i = 0; i < 3; ++i) src.Put(0, {"v"});
  ShardReaderOptions o = FromStart();
  o.fetch_interval_us = 1000;  // a poller would pull about 50 times below
  o.stop_when_caught_up = true;
  ShardReader reader(&src, Env::Default(), o, [] {});
  reader.Start();
  auto b = WaitPop(reader);
  REQUIRE(b);
  CHECK(b->group_count() == 3);
  REQUIRE(WaitUntil([&] { return reader.CaughtUp(); }));
  const int pulls = src.pulls_.load();
  src.Put(0, {"late"});  // written after the shard was found caught up
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(src.pulls_.load() == pulls);
  CHECK(reader.CaughtUp());
  // The shard turned readonly (a split): it reads on to its end, and is not
  // caught up before it has.
  reader.SetEndCursor(test::FakeSource::Cursor(4));
  CHECK_FALSE(reader.CaughtUp());
  auto late = WaitPop(reader);
  REQUIRE(late);
  CHECK(late->group_count() == 1);
  CHECK(late->reached_end);
  CHECK(reader.Done());
}

TEST_CASE("Stop ends a reader that waits for a grant") {
  test::FakeSource src(1);
  src.Put(0, {"v"});
  ConsumeBudget budget(1000);
  budget.NoteGroupBytes(100);
  REQUIRE(budget.Acquire(1000, [] { return false; }));  // everything held: the reader waits
  ShardReaderOptions o = FromStart();
  o.budget = &budget;
  ShardReader reader(&src, Env::Default(), o, [] {});
  reader.Start();
  REQUIRE(WaitUntil([&] { return budget.waiting() == 1; }));
  reader.Stop();  // would hang if the waiter were never woken to see it
  CHECK(budget.waiting() == 0);
  CHECK(src.pulls_.load() == 0);
  budget.Release(1000);
}

TEST_CASE("a reply that says it reached the shard's end is not followed by an empty pull") {
  test::FakeSource src(1);
  src.report_end_of_cursor_ = true;
  for (int i = 0; i < 3; ++i) src.Put(0, {"v"});
  for (bool stop_when_caught_up : {true, false}) {
    CAPTURE(stop_when_caught_up);
    src.pulls_ = 0;
    ShardReaderOptions o = FromStart();
    o.fetch_interval_us = 10000000;  // the next poll of a follower is far off
    o.stop_when_caught_up = stop_when_caught_up;
    ShardReader reader(&src, Env::Default(), o, [] {});
    reader.Start();
    auto b = WaitPop(reader);
    REQUIRE(b);
    CHECK(b->group_count() == 3);
    CHECK(reader.CaughtUp());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(src.pulls_.load() == 1);
    reader.Stop();
  }
}

}  // namespace
}  // namespace slsflow
