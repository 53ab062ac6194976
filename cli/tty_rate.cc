#include "cli/tty_rate.h"

#include "core/base/env.h"

namespace slsflow::cli {

std::string NotShownLine(int64_t count, int per_second) {
  return "\u2026 " + std::to_string(count) + " logs not shown (over " + std::to_string(per_second) + "/s)\n";
}

TtyRateFormatter::TtyRateFormatter(std::unique_ptr<Formatter> inner, int per_second, std::function<int64_t()> now_us)
    : inner_(std::move(inner)), per_second_(per_second), now_us_(std::move(now_us)) {
  window_start_us_ = now_us_();
}

void TtyRateFormatter::FormatLog(const LogGroupView& group, int index, const RecordMeta& meta, std::string* out) {
  const int64_t now = now_us_();
  if (now - window_start_us_ >= 1000000) {
    window_start_us_ = now;
    shown_in_window_ = 0;
  }
  if (shown_in_window_ >= per_second_) {
    ++held_back_;
    return;
  }
  out->append(TakeNotShownLine());
  inner_->FormatLog(group, index, meta, out);
  ++shown_in_window_;
}

std::string TtyRateFormatter::TakeNotShownLine() {
  if (held_back_ == 0) return std::string();
  std::string line = NotShownLine(held_back_, per_second_);
  held_back_ = 0;
  return line;
}

TtyRateFormatter* LimitOnTerminal(std::unique_ptr<Formatter>* formatter, int per_second, bool to_terminal) {
  if (per_second <= 0 || !to_terminal) return nullptr;
  auto limited = std::make_unique<TtyRateFormatter>(std::move(*formatter), per_second,
                                                    [] { return Env::Default()->MonotonicMicros(); });
  TtyRateFormatter* raw = limited.get();
  *formatter = std::move(limited);
  return raw;
}

}  // namespace slsflow::cli
