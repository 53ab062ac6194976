#include "core/produce/router.h"

#include <doctest/doctest.h>

#include <set>

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

TEST_CASE("a hex value is hashed when it is data, bucketed when it is a given hash key") {
  // Trace ids look like hash keys; routed as given they would open one batch per log.
  ParsedLog log;
  log.contents.emplace_back("trace_id", "0123456789abcdef0123456789abcdef");
  Router by_field({"", "trace_id", 64});
  CHECK(by_field.Route(log) == AdjustHashKey("0123456789abcdef0123456789abcdef", 64));
  // __hash_key__ keeps its place in the key space, within its bucket.
  log.has_hash_key = true;
  log.hash_key = "FFFFFFFF0123456789abcdef01234567";
  CHECK(Router({"", "", 64}).Route(log) == "fc000000000000000000000000000000");
  CHECK(Router({"", "", 0}).Route(log) == "ffffffff0123456789abcdef01234567");
  CHECK(Router({"", "", 65536}).Route(log) == "ffff0000000000000000000000000000");
  // The same key as given and as data are two different routes, even in one run.
  ParsedLog data;
  data.contents.emplace_back("trace_id", "FFFFFFFF0123456789abcdef01234567");
  Router both({"", "trace_id", 64});
  CHECK(both.Route(log) == "fc000000000000000000000000000000");
  CHECK(both.Route(data) == AdjustHashKey("FFFFFFFF0123456789abcdef01234567", 64));
}

TEST_CASE("however many distinct values, at most --buckets routes") {
  Router by_field({"", "id", 16});
  std::set<std::string> routes;
  for (int i = 0; i < 5000; ++i) {
    ParsedLog log;
    const std::string hex = AdjustHashKey(std::to_string(i), 0);  // 32 hex digits, all different
    log.contents.emplace_back("id", hex);
    routes.insert(std::string(by_field.Route(log)));
    ParsedLog given;
    given.has_hash_key = true;
    given.hash_key = hex;
    routes.insert(std::string(by_field.Route(given)));
  }
  CHECK(routes.size() == 16);  // both ways land in the same 16 buckets, and these keys hit them all
}
