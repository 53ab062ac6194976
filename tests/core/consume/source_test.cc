#include "core/consume/source.h"
#include "core/sls/shard_set.h"

#include <doctest/doctest.h>

#include "tests/core/consume/fake_source.h"

namespace slsflow {
namespace {

TEST_CASE("--shards uses the shared shard-set grammar") {
  CHECK(*ParseShardSet("0,3-5") == std::vector<int>{0, 3, 4, 5});
  CHECK(*ParseShardSet("7,1,1") == std::vector<int>{1, 7});
  for (const char* bad : {"", "a", "1-", "-1", "3-1", "1,,2", "1.5"})
    CHECK(ParseShardSet(bad).status().ExitCode() == 2);
}

TEST_CASE("5xx is retried with backoff up to the attempt limit; auth errors are not") {
  test::FakeSource fake(1);
  fake.Put(0, {"v"});
  auto src = NewRetryingSource(&fake, Env::Default(), 4);
  PullRequest req;
  req.logstore = "app";
  req.cursor = test::FakeSource::Cursor(0);
  fake.fail_next_ = 3;
  auto ok = src->PullLogs(req);
  REQUIRE(ok.ok());
  CHECK(ok->count == 1);
  CHECK(fake.pulls_.load() == 4);

  fake.fail_next_ = 10;
  auto gave_up = src->PullLogs(req);
  CHECK_FALSE(gave_up.ok());
  CHECK(fake.pulls_.load() == 8);
  fake.fail_next_ = 0;

  fake.fatal_ = true;
  auto auth = src->PullLogs(req);
  CHECK(auth.status().ExitCode() == 3);
  CHECK(fake.pulls_.load() == 9);
}

TEST_CASE("all-shards assignment narrows to a selection and its descendants") {
  test::FakeSource fake(3);
  auto kids = fake.Split(1, 0x70);
  auto a = NewAllShardsAssigner({1});
  auto got = a->Assign("app", *fake.ListShards("app"));
  REQUIRE(got.ok());
  std::vector<int> ids;
  for (const auto& s : *got) ids.push_back(s.id);
  CHECK(ids == std::vector<int>{1, kids[0], kids[1]});
  CHECK(NewAllShardsAssigner({})->Assign("app", *fake.ListShards("app"))->size() == 5);
}

}  // namespace
}  // namespace slsflow
