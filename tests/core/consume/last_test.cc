#include "core/consume/last.h"

#include <doctest/doctest.h>

#include "tests/core/consume/fake_source.h"

namespace slsflow {
namespace {

class ValueFormatter : public Formatter {
 public:
  void FormatLog(const LogGroupView& g, int i, const RecordMeta&, std::string* out) override {
    out->append(g.logs(i).contents(0).value());
  }
};

std::vector<LastShard> Ends(test::FakeSource& src, int shards) {
  std::vector<LastShard> out;
  for (int s = 0; s < shards; ++s) out.push_back({"app", s, *src.GetCursor("app", s, "end")});
  return out;
}

TEST_CASE("the newest N across shards, oldest first") {
  test::FakeSource src(2);
  for (int t = 1000; t < 1010; ++t) src.Put(0, {"a" + std::to_string(t)}, t);
  for (int t = 1003; t < 1013; ++t) src.Put(1, {"b" + std::to_string(t)}, t);
  ValueFormatter fmt;
  auto r = CollectLastLogs(&src, Ends(src, 2), 5, 1013, 100, &fmt, nullptr);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 5);
  std::multiset<std::string> got;
  for (const auto& rec : *r) got.insert(rec.text);
  CHECK(got == std::multiset<std::string>{"a1009", "b1009", "b1010", "b1011", "b1012"});
  for (size_t i = 1; i < r->size(); ++i) CHECK((*r)[i - 1].time <= (*r)[i].time);
  CHECK(r->back().text == "b1012");
}

TEST_CASE("widening strips reach old data, and stop at the beginning") {
  test::FakeSource src(1);
  const int64_t now = 10000000;
  // Sparse history: one group a day for 40 days, then a burst in the last minute.
  for (int d = 40; d >= 1; --d) src.Put(0, {"day" + std::to_string(d)}, now - d * 86400);
  for (int s = 50; s >= 1; s -= 10) src.Put(0, {"sec" + std::to_string(s)}, now - s);
  ValueFormatter fmt;
  auto few = CollectLastLogs(&src, Ends(src, 1), 3, now, 7, &fmt, nullptr);
  REQUIRE(few.ok());
  REQUIRE(few->size() == 3);
  CHECK(few->back().text == "sec10");
  auto two_days = CollectLastLogs(&src, Ends(src, 1), 7, now, 7, &fmt, nullptr);
  REQUIRE(two_days.ok());
  REQUIRE(two_days->size() == 7);
  CHECK(two_days->front().text == "day2");
  auto all = CollectLastLogs(&src, Ends(src, 1), 1000, now, 7, &fmt, nullptr);
  REQUIRE(all.ok());
  CHECK(all->size() == 45);
  CHECK(all->front().text == "day40");
}

TEST_CASE("filters apply before counting") {
  test::FakeSource src(1);
  for (int t = 0; t < 20; ++t) src.Put(0, {(t % 2 ? "odd" : "even") + std::to_string(t)}, 1000 + t);
  auto filter = LogFilter::Create({"^odd"}, {});
  REQUIRE(filter.ok());
  ValueFormatter fmt;
  auto r = CollectLastLogs(&src, Ends(src, 1), 3, 1020, 100, &fmt, &*filter);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].text == "odd15");
  CHECK((*r)[2].text == "odd19");
}

TEST_CASE("equal times come out by shard, then by position in the shard") {
  test::FakeSource src(3);
  for (int shard : {2, 0, 1})
    src.Put(shard, {"s" + std::to_string(shard) + "a", "s" + std::to_string(shard) + "b"}, 1000, 1000);
  ValueFormatter fmt;
  auto all = CollectLastLogs(&src, Ends(src, 3), 6, 1001, 100, &fmt, nullptr);
  REQUIRE(all.ok());
  std::vector<std::string> got;
  for (auto& r : *all) got.push_back(r.text);
  CHECK(got == std::vector<std::string>{"s0a", "s0b", "s1a", "s1b", "s2a", "s2b"});
  auto two = CollectLastLogs(&src, Ends(src, 3), 2, 1001, 100, &fmt, nullptr);
  REQUIRE(two.ok());
  CHECK((*two)[0].text == "s2a");
  CHECK((*two)[1].text == "s2b");
}

TEST_CASE("--last N that does not fit in --memory is a usage error naming what it needs") {
  test::FakeSource src(1);
  std::vector<std::string> big;
  for (int i = 0; i < 200; ++i) big.push_back(std::string(10000, 'x') + std::to_string(i));
  src.Put(0, big, 1000);
  ValueFormatter fmt;
  auto r = CollectLastLogs(&src, Ends(src, 1), 200, 1001, 100, &fmt, nullptr, 1u << 20);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().ExitCode() == 2);
  CHECK(r.status().message().find("--memory 1m") != std::string::npos);
  CHECK(r.status().message().find("need about 3m") != std::string::npos);
  CHECK(CollectLastLogs(&src, Ends(src, 1), 20, 1001, 100, &fmt, nullptr, 1u << 20).ok());
}

}  // namespace
}  // namespace slsflow
