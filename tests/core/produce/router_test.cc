#include "core/produce/router.h"

#include <doctest/doctest.h>

using namespace slsflow;

TEST_CASE("hash keys are adjusted like the official producers") {
  // MD5("abc") = 900150983cd24fb0d6963f7d28e17f72; 64 buckets keep 6 bits.
  CHECK(AdjustHashKey("abc", 64) == "90000000000000000000000000000000");
  CHECK(AdjustHashKey("user-42", 64) == "74000000000000000000000000000000");
  CHECK(AdjustHashKey("user-42", 512) == "76000000000000000000000000000000");
  CHECK(AdjustHashKey("abc", 0) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(AdjustHashKey("abc", 1) == "00000000000000000000000000000000");
  CHECK(CheckBuckets(64).ok());
  CHECK_FALSE(CheckBuckets(48).ok());
  CHECK_FALSE(CheckBuckets(-1).ok());
}

TEST_CASE("router: lb by default, fixed key, per-field key, __hash_key__") {
  ParsedLog log;
  log.contents.emplace_back("user", "abc");
  CHECK(Router({}).Route(log).empty());
  CHECK(Router({"abc", "", 64}).Route(log) == "90000000000000000000000000000000");
  CHECK(Router({"0123456789ABCDEF0123456789abcdef", "", 64}).Route(log) == "0123456789abcdef0123456789abcdef");
  Router by_field({"", "user", 64});
  CHECK(by_field.Route(log) == "90000000000000000000000000000000");
  ParsedLog other;
  other.contents.emplace_back("x", "y");
  CHECK(by_field.Route(other).empty());  // no field: load-balanced
  log.has_hash_key = true;
  log.hash_key = "user-42";
  CHECK(Router({}).Route(log) == "74000000000000000000000000000000");
}
