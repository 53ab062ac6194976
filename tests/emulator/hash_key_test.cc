#include "emulator/hash_key.h"

#include <doctest/doctest.h>

namespace slsflow::emulator {

TEST_CASE("hash keys parse, format and pad like fixed-width hex strings") {
  u128 k = 0;
  REQUIRE(ParseHashKey("80000000000000000000000000000000", &k));
  CHECK(FormatHashKey(k) == "80000000000000000000000000000000");
  REQUIRE(ParseHashKey("C0", &k));  // a prefix, as string comparison reads it
  CHECK(FormatHashKey(k) == "c0000000000000000000000000000000");
  CHECK_FALSE(ParseHashKey("", &k));
  CHECK_FALSE(ParseHashKey("xyz", &k));
  CHECK_FALSE(ParseHashKey(std::string(33, '1'), &k));
  HashEnd end;
  REQUIRE(ParseHashEnd("ffffffffffffffffffffffffffffffff", &end));
  CHECK(end.is_max);
  CHECK(FormatHashEnd(end) == "ffffffffffffffffffffffffffffffff");
}

TEST_CASE("the last shard contains the all-ones key; split points must be strictly inside") {
  HashRange r;
  REQUIRE(ParseHashKey("80000000000000000000000000000000", &r.begin));
  r.end.is_max = true;
  u128 top = ~u128(0);
  CHECK(r.Contains(top));
  CHECK(r.Contains(r.begin));
  CHECK_FALSE(r.StrictlyInside(r.begin));
  CHECK(r.StrictlyInside(r.begin + 1));
  CHECK_FALSE(r.Contains(r.begin - 1));
}

TEST_CASE("SplitEvenly cuts the whole space into the ranges SLS shows for N shards") {
  HashRange all;
  all.end.is_max = true;
  auto four = SplitEvenly(all, 4);
  REQUIRE(four.size() == 4);
  CHECK(FormatHashKey(four[0].begin) == "00000000000000000000000000000000");
  CHECK(FormatHashKey(four[1].begin) == "40000000000000000000000000000000");
  CHECK(FormatHashKey(four[2].begin) == "80000000000000000000000000000000");
  CHECK(FormatHashKey(four[3].begin) == "c0000000000000000000000000000000");
  CHECK(FormatHashEnd(four[3].end) == "ffffffffffffffffffffffffffffffff");
  for (size_t i = 0; i + 1 < four.size(); ++i) CHECK(four[i].end.value == four[i + 1].begin);

  auto one = SplitEvenly(all, 1);
  REQUIRE(one.size() == 1);
  CHECK(one[0].begin == 0);
  CHECK(one[0].end.is_max);

  // Odd counts: contiguous, covering, none empty.
  auto three = SplitEvenly(four[1], 3);
  REQUIRE(three.size() == 3);
  CHECK(three[0].begin == four[1].begin);
  CHECK(three[2].end.value == four[1].end.value);
  for (size_t i = 0; i + 1 < three.size(); ++i) {
    CHECK(three[i].end.value == three[i + 1].begin);
    CHECK(three[i].end.value > three[i].begin);
  }
}

}  // namespace slsflow::emulator
