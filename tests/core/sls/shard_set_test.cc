#include "core/sls/shard_set.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace slsflow {
namespace {

std::vector<int> Ids(std::string_view text) {
  auto r = ParseShardSet(text);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

void ExpectBad(std::string_view text) {
  INFO("input: '", std::string(text), "'");
  auto r = ParseShardSet(text, "--shards");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::kUsage);
  CHECK(r.status().message().find("--shards") != std::string::npos);
  CHECK(r.status().message().find("0,3-5") != std::string::npos);
}

const std::string kZero(32, '0');
const std::string kMax(32, 'f');
const std::string kHalf = "80000000000000000000000000000000";

TEST_CASE("shard sets: ids, ranges, duplicates and order") {
  CHECK(Ids("0,3-5") == std::vector<int>{0, 3, 4, 5});
  CHECK(Ids("7") == std::vector<int>{7});
  CHECK(Ids("0-3") == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("shard sets: unsorted and overlapping input comes back sorted and unique") {
  CHECK(Ids("9,2-4,3, 1 ,2") == std::vector<int>{1, 2, 3, 4, 9});
  CHECK(Ids("4-4") == std::vector<int>{4});
}

TEST_CASE("shard sets: nonsense is a usage error that shows the grammar") {
  for (const char* bad :
       {"", " ", ",", "1,", ",1", "a", "1-", "-1", "3-1", "1.5", "1-2-3", "0x1", "1,,2", "99999999999", "0-200000"})
    ExpectBad(bad);
}

TEST_CASE("shard sets: formatting folds runs back into ranges") {
  CHECK(FormatShardSet({5, 0, 3, 4}) == "0,3-5");
  CHECK(FormatShardSet({}) == "");
  CHECK(FormatShardSet({2, 2, 1}) == "1-2");
}

TEST_CASE("hash keys: 32 hex digits, lower-cased") {
  auto k = NormalizeHashKey("ABCDEF00000000000000000000000000");
  REQUIRE(k.ok());
  CHECK(*k == "abcdef00000000000000000000000000");
  for (const char* bad : {"", "80", "g0000000000000000000000000000000", "800000000000000000000000000000000"}) {
    auto r = NormalizeHashKey(bad, "--key");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().kind() == ErrorKind::kUsage);
    CHECK(r.status().message().find("--key") != std::string::npos);
  }
}

TEST_CASE("hash keys: strictly inside [begin, end), end of all f meaning 2^128") {
  CHECK(HashKeyStrictlyInside(kHalf, kZero, kMax));
  CHECK_FALSE(HashKeyStrictlyInside(kZero, kZero, kMax));   // the begin itself is not inside
  CHECK(HashKeyStrictlyInside(kMax, kZero, kMax));          // 2^128-1 < 2^128
  CHECK_FALSE(HashKeyStrictlyInside(kHalf, kZero, kHalf));  // the exclusive end
  CHECK(HashKeyStrictlyInside("7fffffffffffffffffffffffffffffff", kZero, kHalf));
  CHECK_FALSE(HashKeyStrictlyInside("c0000000000000000000000000000000", kZero, kHalf));
  CHECK_FALSE(HashKeyStrictlyInside("40000000000000000000000000000000", kHalf, kMax));
  CHECK_FALSE(HashKeyStrictlyInside("xyz", kZero, kMax));
}

TEST_CASE("equal split keys over the whole space and a sub-range") {
  auto two = EqualSplitKeys(kZero, kMax, 2);
  REQUIRE(two.ok());
  CHECK(*two == std::vector<std::string>{kHalf});

  auto four = EqualSplitKeys(kZero, kMax, 4);
  REQUIRE(four.ok());
  CHECK(*four ==
        std::vector<std::string>{"40000000000000000000000000000000", kHalf, "c0000000000000000000000000000000"});

  // [0x80.., 2^128) into 2 is the midpoint 0xc0..
  auto upper = EqualSplitKeys(kHalf, kMax, 2);
  REQUIRE(upper.ok());
  CHECK(*upper == std::vector<std::string>{"c0000000000000000000000000000000"});

  // A range of 10 keys into 3: steps of 3, the last range takes the remainder.
  auto small = EqualSplitKeys("00000000000000000000000000000010", "0000000000000000000000000000001a", 3);
  REQUIRE(small.ok());
  CHECK(*small == std::vector<std::string>{"00000000000000000000000000000013", "00000000000000000000000000000016"});

  // 3 ways over the whole space: 2^128 / 3 = 0x5555...5 (floor).
  auto three = EqualSplitKeys(kZero, kMax, 3);
  REQUIRE(three.ok());
  CHECK(*three == std::vector<std::string>{"55555555555555555555555555555555", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"});
  for (const auto& k : *three) CHECK(HashKeyStrictlyInside(k, kZero, kMax));
}

TEST_CASE("equal split keys refuse ranges narrower than the pieces") {
  auto r = EqualSplitKeys("00000000000000000000000000000010", "00000000000000000000000000000011", 2);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::kUsage);
  CHECK_FALSE(EqualSplitKeys(kZero, kMax, 1).ok());
}

}  // namespace
}  // namespace slsflow
