#include "emulator/pull_cache.h"

#include <doctest/doctest.h>

namespace slsflow::emulator {

std::shared_ptr<const CachedReply> Reply(size_t n) {
  auto r = std::make_shared<CachedReply>();
  r->body.assign(n, 'x');
  r->raw_size = n * 2;
  return r;
}

TEST_CASE("pull cache returns what it stored and evicts least recently used past its budget") {
  PullCache cache(400);
  cache.Put({1, 0, 1, 1}, Reply(100));
  cache.Put({1, 1, 2, 1}, Reply(100));
  cache.Put({1, 2, 3, 1}, Reply(100));
  REQUIRE(cache.Get({1, 0, 1, 1}));  // touch: now most recent
  CHECK(cache.Get({1, 0, 1, 1})->raw_size == 200);
  CHECK_FALSE(cache.Get({1, 0, 1, 2}));  // another codec is another entry
  cache.Put({1, 3, 4, 1}, Reply(100));
  cache.Put({1, 4, 5, 1}, Reply(100));  // over budget: the oldest untouched goes
  CHECK(cache.bytes() <= 400);
  CHECK(cache.Get({1, 0, 1, 1}));
  CHECK_FALSE(cache.Get({1, 1, 2, 1}));
  // A reply bigger than a quarter of the budget is not cached at all.
  cache.Put({2, 0, 1, 1}, Reply(101));
  CHECK_FALSE(cache.Get({2, 0, 1, 1}));
}

}  // namespace slsflow::emulator
