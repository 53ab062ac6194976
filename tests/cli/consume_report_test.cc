#include "cli/consume_report.h"

#include <doctest/doctest.h>

namespace slsflow::cli {
namespace {

ConsumeProgress Progress(int shards, int finished) {
  ConsumeProgress p;
  p.shards = shards;
  p.shards_finished = finished;
  p.elapsed_us = 4000000;
  p.logs = 1200;
  return p;
}

TEST_CASE("progress prefers log groups, then the time reached, then finished shards") {
  ConsumeProgress p = Progress(4, 1);
  p.groups_total = 200;
  p.groups_done = 50;
  p.low_watermark_unix = 1900;  // would say 90% by time
  CHECK(ProgressFraction(p, 1000, 2000) == doctest::Approx(0.25));
  p.groups_unknown = true;  // a cursor did not decode: time is all that is known
  CHECK(ProgressFraction(p, 1000, 2000) == doctest::Approx(0.9));
  p.low_watermark_unix = 0;
  CHECK(ProgressFraction(p, 1000, 2000) == doctest::Approx(0.25));
  CHECK(ProgressFraction(Progress(4, 4), 1000, 2000) == 1);
  CHECK(ProgressFraction(Progress(0, 0), 1000, 2000) == 0);
}

TEST_CASE("progress never leaves 0..1, whatever the engine reports") {
  ConsumeProgress p = Progress(2, 0);
  p.low_watermark_unix = 500;  // before --from: logs stamped earlier than asked
  CHECK(ProgressFraction(p, 1000, 2000) == 0);
  p.low_watermark_unix = 5000;  // past --to
  CHECK(ProgressFraction(p, 1000, 2000) == 1);
  p.low_watermark_unix = 0;
  p.groups_total = 10;
  p.groups_done = 12;  // new groups counted before the total was refreshed
  CHECK(ProgressFraction(p, 1000, 2000) == 1);
}

TEST_CASE("the progress line: bar, percent, rate and an ETA only while it means something") {
  ConsumeProgress p = Progress(4, 1);
  p.groups_total = 100;
  p.groups_done = 25;
  const std::string line = ProgressLine(p, 0, 0);
  CHECK(line.rfind("\r[#######", 0) == 0);  // 30 wide, a quarter filled
  CHECK(line.find("[#######        ") != std::string::npos);
  CHECK(line.find(" 25%  1200 logs  300 logs/s  ETA 00:00:12  shards 1/4 ") != std::string::npos);
  CHECK(ProgressLine(Progress(4, 4), 0, 0).find("100%  1200 logs  300 logs/s  ETA --:--  shards 4/4") !=
        std::string::npos);
  CHECK(ProgressLine(Progress(0, 0), 0, 0).find("  0%") != std::string::npos);
}

TEST_CASE("the --stats line names totals, rates, memory and each shard") {
  ConsumeStats s;
  s.logs = 1000;
  s.scanned = 1500;
  s.bytes = 2000000;
  s.raw_bytes = 4000000;
  s.elapsed_us = 2000000;
  s.shards[{"app", 0}] = {600, 1200000};
  s.shards[{"app", 1}] = {400, 800000};
  ConsumeBudget budget(16u << 20);
  const std::string line = StatsLine(s, budget, 20480);
  CHECK(line ==
        "consumed 1000 logs (1500 read), 2000000 bytes in 2.000 s (500 logs/s, 1.0 MB/s out, 2.0 MB/s pulled); "
        "peak RSS 20.0 MB, --memory 16 MB, at most 0.0 MB held; app/0: 600 logs 1200000 bytes; "
        "app/1: 400 logs 800000 bytes");
  CHECK(StatsLine(s, budget, -1).find("peak RSS unknown, --memory 16 MB") != std::string::npos);
}

TEST_CASE("the peak RSS of this process is read from the kernel") {
  const int64_t kb = PeakRssKb();
  CHECK(kb > 0);
  CHECK(kb < 64 * 1024 * 1024);  // under 64 GB: a parse of the wrong field would not be
}

}  // namespace
}  // namespace slsflow::cli
