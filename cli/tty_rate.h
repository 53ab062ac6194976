// consume --tty-rate N: a live tail on a terminal shows at most N logs a
// second, and for the rest one line saying how many were not shown, so a
// burst cannot flood the screen. Opt-in, since a read must show what its
// flags ask for; the CLI applies it only when stdout is a terminal.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/consume/format.h"

namespace slsflow::cli {

// "… 12034 logs not shown (over 200/s)\n"
std::string NotShownLine(int64_t count, int per_second);

class TtyRateFormatter final : public Formatter {
 public:
  // `now_us`: a monotonic clock in microseconds.
  TtyRateFormatter(std::unique_ptr<Formatter> inner, int per_second, std::function<int64_t()> now_us);

  std::string Header() const override { return inner_->Header(); }
  // Formats the log while this second's allowance lasts, preceded by the
  // line for the logs held back before it; otherwise only counts it.
  void FormatLog(const LogGroupView& group, int index, const RecordMeta& meta, std::string* out) override;
  int64_t records_without_field() const override { return inner_->records_without_field(); }

  // The line for logs held back since the last one shown ("" if none), for
  // the end of the output; the count starts again.
  std::string TakeNotShownLine();

 private:
  std::unique_ptr<Formatter> inner_;
  const int per_second_;
  std::function<int64_t()> now_us_;
  int64_t window_start_us_ = 0;
  int shown_in_window_ = 0;
  int64_t held_back_ = 0;
};

// Wraps *formatter when `per_second` > 0 and the records go to a terminal;
// the wrapper, or null when there is none.
TtyRateFormatter* LimitOnTerminal(std::unique_ptr<Formatter>* formatter, int per_second, bool to_terminal);

}  // namespace slsflow::cli
