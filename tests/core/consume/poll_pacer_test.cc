#include "core/consume/poll_pacer.h"

#include <doctest/doctest.h>

namespace slsflow {
namespace {

TEST_CASE("idle shards keep the fetch interval until together they would poll too often") {
  PollPacer pacer(640);
  CHECK(pacer.IdleWaitUs(100000) == 100000);  // no reader yet: as one
  for (int i = 0; i < 64; ++i) pacer.AddReader();
  CHECK(pacer.IdleWaitUs(100000) == 100000);  // 64 x 10 a second = 640
  pacer.AddReader();
  CHECK(pacer.IdleWaitUs(100000) == 101562);  // 65 readers: spread over 65 / 640 s
  for (int i = 65; i < 256; ++i) pacer.AddReader();
  CHECK(pacer.IdleWaitUs(100000) == 400000);
  CHECK(pacer.IdleWaitUs(2000000) == 2000000);  // a longer interval is kept
  for (int i = 0; i < 255; ++i) pacer.RemoveReader();
  CHECK(pacer.readers() == 1);
  CHECK(pacer.IdleWaitUs(100000) == 100000);
}

TEST_CASE("a rate of 0 leaves every shard its fetch interval") {
  PollPacer pacer(0);
  for (int i = 0; i < 1000; ++i) pacer.AddReader();
  CHECK(pacer.IdleWaitUs(100000) == 100000);
  CHECK(pacer.IdleWaitUs(1000) == 1000);
}

}  // namespace
}  // namespace slsflow
