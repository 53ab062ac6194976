#include "core/consume/group.h"

#include <doctest/doctest.h>

using namespace slsflow;

TEST_CASE("held shards follow the heartbeat contract") {
  HeldShards h;
  CHECK(h.ToBeat().empty());
  auto added = h.OnReply({0, 1, 2});
  CHECK(added == std::vector<int>{0, 1, 2});
  CHECK(h.ToBeat() == std::vector<int>{0, 1, 2});

  // The server moves shard 2 elsewhere: we keep listing it until its final
  // checkpoint is pushed, but no longer read it.
  added = h.OnReply({0, 1});
  CHECK(added.empty());
  CHECK(h.assigned() == std::set<int>{0, 1});
  CHECK(h.releasing() == std::set<int>{2});
  CHECK(h.ToBeat() == std::vector<int>{0, 1, 2});
  CHECK_FALSE(h.EngineDropped(2));
  h.OnEngineDropped();
  CHECK(h.EngineDropped(2));
  CHECK_FALSE(h.EngineDropped(0));
  h.OnReleased(2);
  CHECK_FALSE(h.EngineDropped(2));
  CHECK(h.ToBeat() == std::vector<int>{0, 1});

  // A shard handed back while still releasing is simply ours again.
  h.OnReply({0});
  CHECK(h.releasing() == std::set<int>{1});
  added = h.OnReply({0, 1, 5});
  CHECK(added == std::vector<int>{1, 5});
  CHECK(h.releasing().empty());
  h.Clear();
  CHECK(h.ToBeat().empty());
}

TEST_CASE("a default consumer name is host-pid") {
  std::string name = DefaultConsumerName();
  CHECK(name.find('-') != std::string::npos);
  CHECK(name.size() > 2);
}
