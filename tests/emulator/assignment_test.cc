// Consumer-group assignment without HTTP: the clock is a parameter.
#include "emulator/assignment.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "emulator/cursor.h"

namespace slsflow::emulator {
namespace {

constexpr int64_t kSec = 1000000;

std::vector<ShardView> EvenShards(int n) {
  HashRange all;
  all.end.is_max = true;
  std::vector<ShardView> out;
  int id = 0;
  for (auto& r : SplitEvenly(all, n)) {
    ShardView v;
    v.id = id++;
    v.range = r;
    v.end_offset = 10;
    out.push_back(v);
  }
  return out;
}

std::vector<int> Beat(ConsumerGroupState& g, const std::string& c, const std::vector<int>& held,
                      const std::vector<ShardView>& shards, int64_t now) {
  auto r = g.Heartbeat(c, held, shards, now);
  REQUIRE(r.ok());
  return *r;
}

// Runs rounds of heartbeats where each consumer reports what it was given
// last time (as the SDK consumers do), until assignments stop changing.
std::map<std::string, std::vector<int>> Settle(ConsumerGroupState& g, const std::vector<std::string>& consumers,
                                               std::map<std::string, std::vector<int>> held,
                                               const std::vector<ShardView>& shards, int64_t* now) {
  for (int round = 0; round < 10; ++round) {
    auto before = held;
    for (auto& c : consumers) held[c] = Beat(g, c, held[c], shards, *now);
    *now += kSec;
    if (before == held) break;
  }
  return held;
}

void CheckDisjointBalanced(const std::map<std::string, std::vector<int>>& held, const std::vector<std::string>& who,
                           size_t total) {
  std::set<int> seen;
  size_t lo = SIZE_MAX, hi = 0;
  for (auto& c : who) {
    const auto& shards = held.at(c);
    for (int s : shards) CHECK_MESSAGE(seen.insert(s).second, "shard " << s << " handed out twice");
    lo = std::min(lo, shards.size());
    hi = std::max(hi, shards.size());
  }
  CHECK(seen.size() == total);
  CHECK(hi - lo <= 1);
}

}  // namespace

TEST_CASE("two then three consumers on 8 shards get disjoint balanced sets; transfers wait for release") {
  ConsumerGroupState g(ConsumerGroupMeta{"cg", 60, false});
  auto shards = EvenShards(8);
  int64_t now = 1000 * kSec;
  std::map<std::string, std::vector<int>> held;

  held["a"] = Beat(g, "a", {}, shards, now);
  CHECK(held["a"].size() == 8);  // alone, it gets everything
  held = Settle(g, {"a", "b"}, held, shards, &now);
  CheckDisjointBalanced(held, {"a", "b"}, 8);
  CHECK(held["a"].size() == 4);

  // A third consumer: shards move only once their holder stops listing them.
  auto c_first = Beat(g, "c", {}, shards, now);
  CHECK(c_first.empty());  // everything it is owed is still held by a or b
  int in_transfer = 0;
  for (auto& s : shards) in_transfer += g.StateOf(s.id) == AllocState::kTransfer;
  CHECK(in_transfer == 2);
  held["c"] = c_first;
  held = Settle(g, {"a", "b", "c"}, held, shards, &now);
  CheckDisjointBalanced(held, {"a", "b", "c"}, 8);
  CHECK(held["c"].size() >= 2);
}

TEST_CASE("a shard in transfer is left out of its holder's reply but not given away while still held") {
  ConsumerGroupState g(ConsumerGroupMeta{"cg", 60, false});
  auto shards = EvenShards(2);
  int64_t now = 1000 * kSec;
  auto a = Beat(g, "a", {}, shards, now);
  REQUIRE(a == std::vector<int>{0, 1});
  auto b = Beat(g, "b", {}, shards, now);
  CHECK(b.empty());
  // a keeps listing both: the moving shard is omitted from a's reply...
  auto a2 = Beat(g, "a", {0, 1}, shards, now + kSec);
  CHECK(a2.size() == 1);
  int moving = a2[0] == 0 ? 1 : 0;
  CHECK(g.StateOf(moving) == AllocState::kTransfer);
  // ...and b does not get it until a lets go.
  CHECK(Beat(g, "b", {}, shards, now + kSec).empty());
  CHECK(Beat(g, "a", {0, 1}, shards, now + 2 * kSec) == a2);
  CHECK(Beat(g, "a", a2, shards, now + 3 * kSec) == a2);  // released
  CHECK(Beat(g, "b", {}, shards, now + 3 * kSec) == std::vector<int>{moving});
}

TEST_CASE("a silent consumer's shards move after the timeout; it must rejoin with an empty list") {
  ConsumerGroupState g(ConsumerGroupMeta{"cg", 20, false});
  auto shards = EvenShards(8);
  int64_t now = 1000 * kSec;
  std::map<std::string, std::vector<int>> held;
  held = Settle(g, {"a", "b"}, held, shards, &now);
  CheckDisjointBalanced(held, {"a", "b"}, 8);

  // b goes silent; a keeps beating. Before the timeout nothing moves.
  for (int i = 0; i < 19; ++i) {
    held["a"] = Beat(g, "a", held["a"], shards, now);
    now += kSec;
  }
  CHECK(held["a"].size() == 4);
  now += 2 * kSec;
  held["a"] = Beat(g, "a", held["a"], shards, now);
  CHECK(held["a"].size() == 8);
  CHECK(g.LiveConsumers() == std::vector<std::string>{"a"});

  // b comes back still listing its old shards: refused, as SLS does.
  auto late = g.Heartbeat("b", held["b"], shards, now);
  REQUIRE_FALSE(late.ok());
  CHECK(late.status().sls_code() == "NotExistConsumerWithBody");
  CHECK(Beat(g, "b", {}, shards, now).empty());  // rejoined; shards come by transfer
  held["b"] = {};
  held = Settle(g, {"a", "b"}, held, shards, &now);
  CheckDisjointBalanced(held, {"a", "b"}, 8);
}

TEST_CASE("a consumer the group never saw may join only with an empty list") {
  ConsumerGroupState g(ConsumerGroupMeta{"cg", 60, false});
  auto shards = EvenShards(2);
  int64_t now = 1000 * kSec;
  // After an emulator restart, say: the consumer still lists what it held.
  auto stale = g.Heartbeat("a", {0, 1}, shards, now);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.status().http_status() == 400);
  CHECK(stale.status().sls_code() == "NotExistConsumerWithBody");
  CHECK(g.LiveConsumers().empty());  // not registered by the refused beat
  CHECK(Beat(g, "a", {}, shards, now) == std::vector<int>{0, 1});
  CHECK(Beat(g, "a", {0, 1}, shards, now + kSec) == std::vector<int>{0, 1});
}

TEST_CASE("in order: split children are handed out only after the parent is checkpointed at its end") {
  ConsumerGroupState g(ConsumerGroupMeta{"cg", 60, true});
  // Shard 0 was split into 1 and 2; shard 0 holds 5 groups and is readonly.
  HashRange all;
  all.end.is_max = true;
  auto halves = SplitEvenly(all, 2);
  std::vector<ShardView> shards(3);
  shards[0] = ShardView{0, true, all, 5};
  shards[1] = ShardView{1, false, halves[0], 0};
  shards[2] = ShardView{2, false, halves[1], 0};
  int64_t now = 1000 * kSec;
  CHECK(Beat(g, "a", {}, shards, now) == std::vector<int>{0});
  CHECK(g.StateOf(1) == AllocState::kWait);

  // Halfway is not enough.
  g.SetCheckpoint(CheckpointRecord{0, EncodeCursor(4), now, "a"}, shards);
  CHECK(Beat(g, "a", {0}, shards, now) == std::vector<int>{0});
  // At the end the parent is over and the children are released.
  g.SetCheckpoint(CheckpointRecord{0, EncodeCursor(5), now, "a"}, shards);
  CHECK(g.StateOf(0) == AllocState::kOver);
  CHECK(Beat(g, "a", {0}, shards, now) == std::vector<int>{1, 2});

  // Without order, children are consumable at once, next to the parent.
  ConsumerGroupState loose(ConsumerGroupMeta{"cg2", 60, false});
  CHECK(Beat(loose, "a", {}, shards, now) == std::vector<int>{0, 1, 2});
}

TEST_CASE("in order: a merge waits for both parents; an empty readonly parent counts as finished") {
  ConsumerGroupState g(ConsumerGroupMeta{"cg", 60, true});
  HashRange all;
  all.end.is_max = true;
  auto halves = SplitEvenly(all, 2);
  std::vector<ShardView> shards(3);
  shards[0] = ShardView{0, true, halves[0], 3};
  shards[1] = ShardView{1, true, halves[1], 0};  // never written
  shards[2] = ShardView{2, false, all, 0};       // the merge
  int64_t now = 1000 * kSec;
  CHECK(Beat(g, "a", {}, shards, now) == std::vector<int>{0});
  g.SetCheckpoint(CheckpointRecord{0, EncodeCursor(3), now, "a"}, shards);
  CHECK(Beat(g, "a", {0}, shards, now) == std::vector<int>{2});
  // Forcing the parent's checkpoint back makes it consumable again.
  g.SetCheckpoint(CheckpointRecord{0, EncodeCursor(1), now, ""}, shards);
  CHECK(g.StateOf(0) != AllocState::kOver);
}

TEST_CASE("ownership check for forceSuccess=false") {
  ConsumerGroupState g(ConsumerGroupMeta{"cg", 60, false});
  auto shards = EvenShards(2);
  int64_t now = 1000 * kSec;
  Beat(g, "a", {}, shards, now);
  CHECK(g.CheckOwner("a", 0, now).ok());
  Status not_member = g.CheckOwner("zed", 0, now);
  CHECK(not_member.sls_code() == "ConsumerNotExist");
  Beat(g, "b", {}, shards, now);
  Beat(g, "a", {0, 1}, shards, now);  // one shard goes to transfer; a may still commit it
  CHECK(g.CheckOwner("a", 0, now).ok());
  CHECK(g.CheckOwner("a", 1, now).ok());
  Status wrong = g.CheckOwner("b", 0, now);
  CHECK(wrong.sls_code() == "ConsumerNotMatch");
  CHECK(wrong.http_status() == 400);
}

TEST_CASE("shard states carry the names of the JavaCons design notes; unknown shards are free and unowned") {
  CHECK(std::string(AllocStateName(AllocState::kNotAlloc)) == "not_alloc");
  CHECK(std::string(AllocStateName(AllocState::kAlloc)) == "already_alloc");
  CHECK(std::string(AllocStateName(AllocState::kTransfer)) == "transfer");
  CHECK(std::string(AllocStateName(AllocState::kWait)) == "wait");
  CHECK(std::string(AllocStateName(AllocState::kOver)) == "over");
  ConsumerGroupState g(ConsumerGroupMeta{"cg", 60, false});
  CHECK(g.StateOf(42) == AllocState::kNotAlloc);
  CHECK(g.OwnerOf(42).empty());
  Status st = g.CheckOwner("a", 0, 1000 * kSec);
  CHECK(st.sls_code() == "ConsumerNotExist");
}

TEST_CASE("the earmarked receiver timing out first leaves the holder with the shard") {
  ConsumerGroupState g(ConsumerGroupMeta{"cg", 20, false});
  auto shards = EvenShards(2);
  int64_t now = 1000 * kSec;
  REQUIRE(Beat(g, "a", {}, shards, now) == std::vector<int>{0, 1});
  CHECK(Beat(g, "b", {}, shards, now).empty());
  CHECK(g.StateOf(1) == AllocState::kTransfer);  // highest id moves first
  // b is never heard from again; a keeps listing both, and is not given 1 back while b is live.
  CHECK(Beat(g, "a", {0, 1}, shards, now + 10 * kSec) == std::vector<int>{0});
  CHECK(Beat(g, "a", {0, 1}, shards, now + 21 * kSec) == std::vector<int>{0, 1});
  CHECK(g.StateOf(1) == AllocState::kAlloc);
  CHECK(g.OwnerOf(1) == "a");
  CHECK(g.LiveConsumers() == std::vector<std::string>{"a"});
}

TEST_CASE("the holder timing out mid-transfer hands the shard straight to its receiver") {
  ConsumerGroupState g(ConsumerGroupMeta{"cg", 20, false});
  auto shards = EvenShards(2);
  int64_t now = 1000 * kSec;
  Beat(g, "a", {}, shards, now);
  Beat(g, "b", {}, shards, now);
  REQUIRE(g.StateOf(1) == AllocState::kTransfer);
  // a goes silent without ever letting go; b keeps beating.
  for (int i = 0; i < 20; ++i) CHECK(Beat(g, "b", {}, shards, now + i * kSec).empty());
  CHECK(Beat(g, "b", {}, shards, now + 21 * kSec) == std::vector<int>{0, 1});
  CHECK(g.OwnerOf(1) == "b");
  CHECK(g.OwnerOf(0) == "b");
  // a was expired: it must rejoin empty.
  CHECK(g.Heartbeat("a", {0}, shards, now + 21 * kSec).status().sls_code() == "NotExistConsumerWithBody");
}

TEST_CASE("a consumer whose shards are all still incoming gives up one of them to a newcomer") {
  ConsumerGroupState g(ConsumerGroupMeta{"cg", 60, false});
  auto shards = EvenShards(6);
  int64_t now = 1000 * kSec;
  REQUIRE(Beat(g, "a", {}, shards, now).size() == 6);
  CHECK(Beat(g, "b", {}, shards, now).empty());  // 3, 4, 5 earmarked for b
  CHECK(Beat(g, "a", {0, 1, 2, 3, 4, 5}, shards, now) == std::vector<int>{0, 1, 2});
  // c joins: a hands over 2, and one of b's incoming shards (the highest, 5)
  // is redirected to c, since b has nothing of its own to give.
  CHECK(Beat(g, "c", {}, shards, now).empty());
  // Once a lets go, every transfer completes in one round, balanced 2/2/2.
  CHECK(Beat(g, "a", {0, 1}, shards, now + kSec) == std::vector<int>{0, 1});
  CHECK(Beat(g, "b", {}, shards, now + kSec) == std::vector<int>{3, 4});
  CHECK(Beat(g, "c", {}, shards, now + kSec) == std::vector<int>{2, 5});
}

TEST_CASE("when the holder's other shards finish, a pending transfer away from it is cancelled") {
  ConsumerGroupState g(ConsumerGroupMeta{"cg", 60, false});
  auto shards = EvenShards(4);
  int64_t now = 1000 * kSec;
  Beat(g, "a", {}, shards, now);
  Beat(g, "b", {}, shards, now);  // 2 and 3 earmarked for b
  REQUIRE(Beat(g, "a", {0, 1, 2, 3}, shards, now) == std::vector<int>{0, 1});
  // Shards 0 and 1 become readonly and are read to their end: over, so a
  // holds nothing of its own and the balance says it should keep one.
  shards[0].readonly = shards[1].readonly = true;
  g.SetCheckpoint(CheckpointRecord{0, EncodeCursor(10), now, "a"}, shards);
  g.SetCheckpoint(CheckpointRecord{1, EncodeCursor(10), now, "a"}, shards);
  REQUIRE(g.StateOf(0) == AllocState::kOver);
  CHECK(Beat(g, "a", {0, 1, 2, 3}, shards, now + kSec) == std::vector<int>{3});
  CHECK(g.StateOf(3) == AllocState::kAlloc);
  CHECK(g.StateOf(2) == AllocState::kTransfer);
  CHECK(Beat(g, "b", {}, shards, now + kSec).empty());  // 2 is still a's until a lets go
  CHECK(Beat(g, "a", {3}, shards, now + 2 * kSec) == std::vector<int>{3});
  CHECK(Beat(g, "b", {}, shards, now + 2 * kSec) == std::vector<int>{2});
}

}  // namespace slsflow::emulator
