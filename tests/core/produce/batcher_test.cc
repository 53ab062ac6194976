#include "core/produce/batcher.h"

#include <doctest/doctest.h>

#include "sls.pb.h"
#include "tests/produce_reference.h"

using namespace slsflow;

namespace {

struct Harness {
  MemoryBudget budget{1 << 30};
  std::vector<std::unique_ptr<Batch>> out;
  Batcher batcher;
  explicit Harness(BatcherOptions o)
      : batcher(std::move(o), &budget, [this](std::unique_ptr<Batch> b) { out.push_back(std::move(b)); }) {}
};

ParsedLog Log(std::string_view value) {
  ParsedLog l;
  l.has_time = true;
  l.time = 1700000000;
  l.contents.emplace_back("content", value);
  return l;
}

}  // namespace

TEST_CASE("seals at the log count threshold and decodes as one LogGroup") {
  BatcherOptions o;
  o.max_logs = 3;
  o.defaults.topic = "tp";
  o.defaults.tags = {{"env", "x"}};
  Harness h(o);
  for (int i = 0; i < 7; ++i) REQUIRE(h.batcher.Add(Log("v" + std::to_string(i)), "", 0, 0).ok());
  REQUIRE(h.out.size() == 2);
  CHECK(h.batcher.open_batches() == 1);
  sls::LogGroup g;
  REQUIRE(g.ParseFromString(h.out[0]->data));
  CHECK(g.logs_size() == 3);
  CHECK(g.topic() == "tp");
  CHECK(g.logtags(0).key() == "env");
  CHECK(g.logs(2).contents(0).value() == "v2");
  CHECK(h.out[0]->route.kind == PutRoute::kLoadBalanced);
  h.batcher.SealAll();
  CHECK(h.out.size() == 3);
  CHECK(h.out[2]->logs == 1);
  // What is charged is what each batch's buffer holds, at least its bytes.
  CHECK(h.budget.used() == h.out[0]->charged + h.out[1]->charged + h.out[2]->charged);
  for (auto& b : h.out) CHECK(b->charged >= b->data.size());
}

TEST_CASE("seals at the byte threshold and on linger") {
  BatcherOptions o;
  o.max_bytes = 1000;
  o.linger_us = 200;
  Harness h(o);
  std::string v(300, 'a');
  for (int i = 0; i < 3; ++i) REQUIRE(h.batcher.Add(Log(v), "", 0, 100).ok());
  CHECK(h.out.size() == 0);
  REQUIRE(h.batcher.Add(Log(v), "", 0, 100).ok());
  CHECK(h.out.size() == 1);  // >= 1000 bytes
  REQUIRE(h.batcher.Add(Log("x"), "", 0, 150).ok());
  CHECK(h.batcher.NextDeadline() == 350);
  h.batcher.SealExpired(349);
  CHECK(h.out.size() == 1);
  h.batcher.SealExpired(350);
  CHECK(h.out.size() == 2);
  CHECK(h.batcher.NextDeadline() == INT64_MAX);
}

TEST_CASE("routes and per-line metadata batch apart") {
  Harness h(BatcherOptions{});
  ParsedLog a = Log("a");
  ParsedLog b = Log("b");
  b.has_topic = true;
  b.topic = "other";
  b.tags.emplace_back("k", "v");
  REQUIRE(h.batcher.Add(a, "", 1, 0).ok());
  REQUIRE(h.batcher.Add(a, "90000000000000000000000000000000", 1, 0).ok());
  REQUIRE(h.batcher.Add(b, "", 2, 0).ok());
  REQUIRE(h.batcher.Add(a, "", 2, 0).ok());
  CHECK(h.batcher.open_batches() == 3);
  h.batcher.SealAll();
  REQUIRE(h.out.size() == 3);
  CHECK(h.out[0]->logs == 2);
  CHECK(h.out[0]->chunks == std::vector<std::pair<uint64_t, uint32_t>>{{1, 1}, {2, 1}});
  CHECK(h.out[1]->route.kind == PutRoute::kHashKey);
  CHECK(h.out[1]->route.hash_key == "90000000000000000000000000000000");
  sls::LogGroup g;
  REQUIRE(g.ParseFromString(h.out[2]->data));
  CHECK(g.topic() == "other");
  CHECK(g.logtags(0).key() == "k");
}

TEST_CASE("a log that alone would make a LogGroup over 5 MB is refused, never cut") {
  Harness h(BatcherOptions{});
  Status st;
  ParsedLog many;
  many.has_time = true;
  std::string mib(kMaxValueBytes, 'y');
  for (int i = 0; i < 5; ++i) many.contents.emplace_back("k", mib);
  st = h.batcher.Add(many, "", 0, 0);
  CHECK(st.message().find("5 MB") != std::string::npos);
  CHECK(h.batcher.open_batches() == 0);
  CHECK(h.out.empty());
}

TEST_CASE("a LogGroup never goes over 5 MB") {
  BatcherOptions o;
  o.max_bytes = kMaxLogGroupBytes;  // only the 5 MB rule can seal
  Harness h(o);
  std::string mib(kMaxValueBytes, 'z');
  for (int i = 0; i < 12; ++i) REQUIRE(h.batcher.Add(Log(mib), "", 0, 0).ok());
  h.batcher.SealAll();
  REQUIRE(h.out.size() >= 3);
  for (auto& b : h.out) CHECK(b->data.size() <= kMaxLogGroupBytes);
}

TEST_CASE("a recycled buffer's old bytes never leak into a batch, and big logs grow it") {
  BatcherOptions o;
  o.max_logs = 2;
  o.defaults.topic = "tp";
  o.defaults.tags = {{"env", std::string(3000, 't')}};  // meta larger than the slack Open leaves
  Harness h(o);
  // Spare buffers as a settled batch leaves them: full size, stale bytes.
  h.budget.GiveBuffer(std::string(600 * 1024, '\xff'));
  h.budget.GiveBuffer(std::string(10, '\xee'));
  std::string big(800 * 1024, 'b');  // over the first buffer's room
  std::vector<std::string> values = {"v0", big, "v2", "v3"};
  for (auto& v : values) REQUIRE(h.batcher.Add(Log(v), "", 0, 0).ok());
  REQUIRE(h.out.size() == 2);
  std::vector<ReferenceLog> expect;
  for (size_t b = 0; b < 2; ++b) {
    std::vector<ReferenceLog> logs;
    for (size_t i = 0; i < 2; ++i) {
      ReferenceLog r;
      r.time = 1700000000;
      r.contents = {{"content", values[b * 2 + i]}};
      logs.push_back(r);
    }
    // Byte for byte what protobuf writes for the same LogGroup.
    CHECK(h.out[b]->data == EncodeWithProtobuf(logs, o.defaults));
    CHECK(h.out[b]->used == h.out[b]->data.size());
  }
}

TEST_CASE("spare buffers are kept up to the budget's cap and handed out again") {
  MemoryBudget budget(1000 * 1000);
  auto buffer = [](size_t n) {
    std::string b;
    b.reserve(n);
    return b;
  };
  budget.GiveBuffer(buffer(400 * 1000));
  budget.GiveBuffer(buffer(400 * 1000));
  size_t two = budget.spare_bytes();
  CHECK(two >= 800 * 1000);
  budget.GiveBuffer(buffer(400 * 1000));  // would pass the cap: freed
  CHECK(budget.spare_bytes() == two);
  budget.GiveBuffer(buffer(2 << 20));  // a huge batch's buffer is never kept
  CHECK(budget.spare_bytes() == two);
  CHECK(budget.TakeBuffer().capacity() >= 400 * 1000);
  CHECK(budget.TakeBuffer().capacity() >= 400 * 1000);
  CHECK(budget.spare_bytes() == 0);
  CHECK(budget.TakeBuffer().capacity() < 400 * 1000);  // none left: the caller allocates

  // Where batches are bigger (--max-batch-bytes), so is what is kept.
  MemoryBudget big_batches(32 << 20, 3 << 20);
  big_batches.GiveBuffer(buffer(2 << 20));
  CHECK(big_batches.spare_bytes() >= (2u << 20));
  big_batches.GiveBuffer(buffer(4 << 20));
  CHECK(big_batches.spare_bytes() < (4u << 20));
}

TEST_CASE("the log that crosses max_bytes gets the room it needs, not another step") {
  BatcherOptions o;
  o.max_bytes = 100 * 1000;
  Harness h(o);
  std::string v(3000, 'c');
  while (h.out.size() < 3) REQUIRE(h.batcher.Add(Log(v), "", 0, 0).ok());
  for (auto& b : h.out) {
    CHECK(b->used >= o.max_bytes);
    CHECK(b->data.size() == b->used);
    // Room is charged as it is zero-filled: past max_bytes, only what the
    // last log and the meta fields take.
    CHECK(b->charged <= std::max(o.max_bytes, b->used + 64));
  }
}

TEST_CASE("open_bytes is what the open batches charged; SealFullest sends the one with the most logs") {
  BatcherOptions o;
  Harness h(o);
  CHECK_FALSE(h.batcher.SealFullest());
  REQUIRE(h.batcher.Add(Log(std::string(100, 'a')), "route-a", 0, 0).ok());
  for (int i = 0; i < 3; ++i) REQUIRE(h.batcher.Add(Log(std::string(100, 'b')), "route-b", 0, 0).ok());
  REQUIRE(h.batcher.Add(Log(std::string(100, 'c')), "route-c", 0, 0).ok());
  CHECK(h.batcher.open_bytes() == h.budget.used());
  CHECK(h.batcher.open_bytes() == 3 * 4096);  // one page each: a few logs
  REQUIRE(h.batcher.SealFullest());
  REQUIRE(h.out.size() == 1);
  CHECK(h.out[0]->route.hash_key == "route-b");
  CHECK(h.out[0]->logs == 3);
  CHECK(h.batcher.open_batches() == 2);
  CHECK(h.batcher.open_bytes() == 2 * 4096);
  CHECK(h.budget.used() == 3 * 4096);  // the sealed batch stays charged until acknowledged
}

TEST_CASE("many open routes do not each take a whole recycled buffer") {
  BatcherOptions o;
  Harness h(o);
  for (int i = 0; i < 32; ++i) h.budget.GiveBuffer(std::string(BatchBufferBytes(o), '\0'));
  REQUIRE(h.budget.spare_bytes() == 32 * BatchBufferBytes(o));
  for (int route = 0; route < 32; ++route)
    REQUIRE(h.batcher.Add(Log("x"), "route-" + std::to_string(route), 0, 0).ok());
  // The first eight reuse a buffer, charged whole because it is resident
  // whole; the other 24 charge one page.
  CHECK(h.budget.used() == 8 * BatchBufferBytes(o) + 24 * 4096);
  CHECK(h.budget.spare_bytes() == 24 * BatchBufferBytes(o));
}

TEST_CASE("a batch grown from nothing doubles its room, then grows by 64 KB steps, charging each") {
  BatcherOptions o;
  Harness h(o);
  std::vector<size_t> rooms;
  std::string v(1000, 'g');
  while (h.out.empty()) {
    REQUIRE(h.batcher.Add(Log(v), "r", 0, 0).ok());
    if (h.out.empty() && (rooms.empty() || h.batcher.open_bytes() != rooms.back()))
      rooms.push_back(h.batcher.open_bytes());
  }
  REQUIRE(rooms.size() >= 8);
  CHECK(rooms[0] == 4096);
  CHECK(rooms[1] == 8192);
  CHECK(rooms[4] == 64 * 1024);
  CHECK(rooms[5] == 128 * 1024);
  CHECK(rooms[6] == 192 * 1024);
  CHECK(h.out[0]->charged == h.out[0]->data.size());
  CHECK(h.budget.used() == h.out[0]->charged);
}

TEST_CASE("a log too big for any LogGroup gives back what its empty batch charged") {
  BatcherOptions o;
  Harness h(o);
  h.budget.GiveBuffer(std::string(BatchBufferBytes(o), '\0'));
  const Status st = h.batcher.Add(Log(std::string(kMaxLogGroupBytes, 'x')), "r", 0, 0);
  CHECK(st.kind() == ErrorKind::kInvalid);
  CHECK(h.batcher.open_batches() == 0);
  CHECK(h.budget.used() == 0);
}

TEST_CASE("the spare buffers and the live batches share the cap") {
  MemoryBudget budget(1 << 20);
  budget.Charge(900 * 1024);
  budget.GiveBuffer(std::string(200 * 1024, '\0'));  // would pass the cap: freed
  CHECK(budget.spare_bytes() == 0);
  budget.Release(900 * 1024);
  budget.GiveBuffer(std::string(200 * 1024, '\0'));
  CHECK(budget.spare_bytes() >= 200 * 1024);
}
