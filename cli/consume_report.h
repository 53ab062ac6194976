// What `slsflow consume` tells a person on stderr: the progress bar of a
// bounded read and the --stats line. Built as strings so tests can read them.
#pragma once

#include <cstdint>
#include <string>

#include "core/consume/budget.h"
#include "core/consume/engine.h"

namespace slsflow::cli {

// How far a --to read is, from the best figure the engine has: log groups
// between the cursors, else the time reached, else finished shards.
double ProgressFraction(const ConsumeProgress& p, int64_t from_unix, int64_t to_unix);

// "\r[####    ]  42%  1200 logs  300 logs/s  ETA 00:00:04  shards 1/4 "
std::string ProgressLine(const ConsumeProgress& p, int64_t from_unix, int64_t to_unix);

// The --stats line; `peak_rss_kb` < 0 when unknown.
std::string StatsLine(const ConsumeStats& s, const ConsumeBudget& budget, int64_t peak_rss_kb);

// VmHWM: the peak resident set of this process as the kernel counts it; -1 if unreadable.
int64_t PeakRssKb();

}  // namespace slsflow::cli
