#include "cli/consume_report.h"

#include <algorithm>
#include <cstdio>

namespace slsflow::cli {

double ProgressFraction(const ConsumeProgress& p, int64_t from_unix, int64_t to_unix) {
  if (p.shards > 0 && p.shards == p.shards_finished) return 1;
  // What is really left: log groups between the cursors.
  if (!p.groups_unknown && p.groups_total > 0) return std::min(1.0, double(p.groups_done) / double(p.groups_total));
  if (to_unix > from_unix && p.low_watermark_unix > 0)
    return std::clamp(double(p.low_watermark_unix - from_unix) / double(to_unix - from_unix), 0.0, 1.0);
  if (p.shards > 0) return double(p.shards_finished) / p.shards;
  return 0;
}

std::string ProgressLine(const ConsumeProgress& p, int64_t from_unix, int64_t to_unix) {
  const double frac = ProgressFraction(p, from_unix, to_unix);
  const double secs = std::max(1e-3, p.elapsed_us / 1e6);
  char eta[32] = "--:--";
  if (frac > 0.01 && frac < 1) {
    const auto left = static_cast<long long>(secs * (1 - frac) / frac);
    std::snprintf(eta, sizeof eta, "%02lld:%02lld:%02lld", left / 3600, left / 60 % 60, left % 60);
  }
  const int width = 30;
  const int filled = static_cast<int>(frac * width);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(width - filled), ' ');
  char line[256];
  std::snprintf(line, sizeof line, "\r[%s] %3d%%  %lld logs  %.0f logs/s  ETA %s  shards %d/%d ", bar.c_str(),
                static_cast<int>(frac * 100), static_cast<long long>(p.logs), p.logs / secs, eta, p.shards_finished,
                p.shards);
  return line;
}

std::string StatsLine(const ConsumeStats& s, const ConsumeBudget& budget, int64_t peak_rss_kb) {
  const double secs = std::max(1e-6, s.elapsed_us / 1e6);
  std::string line = "consumed " + std::to_string(s.logs) + " logs (" + std::to_string(s.scanned) + " read), " +
                     std::to_string(s.bytes) + " bytes in ";
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.3f s (%.0f logs/s, %.1f MB/s out, %.1f MB/s pulled)", secs, s.logs / secs,
                s.bytes / secs / 1e6, s.raw_bytes / secs / 1e6);
  line += buf;
  line += "; peak RSS ";
  if (peak_rss_kb < 0) {
    line += "unknown";
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MB", peak_rss_kb / 1024.0);
    line += buf;
  }
  std::snprintf(buf, sizeof buf, ", --memory %.0f MB, at most %.1f MB held", budget.capacity() / 1048576.0,
                budget.peak() / 1048576.0);
  line += buf;
  for (const auto& [key, st] : s.shards)
    line += "; " + key.first + "/" + std::to_string(key.second) + ": " + std::to_string(st.logs) + " logs " +
            std::to_string(st.bytes) + " bytes";
  return line;
}

int64_t PeakRssKb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long long kb = -1;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %lld kB", &kb) == 1) break;
  std::fclose(f);
  return kb;
}

}  // namespace slsflow::cli
