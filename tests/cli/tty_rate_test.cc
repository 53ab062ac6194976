#include "cli/tty_rate.h"

#include <doctest/doctest.h>

#include "sls.pb.h"
#include "tests/loggroup_view_util.h"

using namespace slsflow;
using namespace slsflow::cli;

namespace {

// Prints the log's index, so the test sees which logs got through.
class IndexFormatter final : public Formatter {
 public:
  void FormatLog(const LogGroupView&, int index, const RecordMeta&, std::string* out) override {
    *out += std::to_string(index) + "\n";
  }
};

}  // namespace

TEST_CASE("--tty-rate: at most N logs a second, and one line for the rest before the next shown") {
  sls::LogGroup g;
  g.add_logs()->set_time(1);
  test::GroupView view(g);
  int64_t now = 5000000;
  TtyRateFormatter f(std::make_unique<IndexFormatter>(), 2, [&now] { return now; });
  std::string out;
  for (int i = 0; i < 5; ++i) f.FormatLog(view, i, {}, &out);
  CHECK(out == "0\n1\n");
  now += 999999;
  f.FormatLog(view, 5, {}, &out);
  CHECK(out == "0\n1\n");  // still the same second
  now += 1;
  f.FormatLog(view, 6, {}, &out);
  f.FormatLog(view, 7, {}, &out);
  f.FormatLog(view, 8, {}, &out);
  CHECK(out == "0\n1\n\u2026 4 logs not shown (over 2/s)\n6\n7\n");
  CHECK(f.TakeNotShownLine() == "\u2026 1 logs not shown (over 2/s)\n");
  CHECK(f.TakeNotShownLine() == "");
}

TEST_CASE("the not-shown line") {
  CHECK(NotShownLine(12034, 200) == "\u2026 12034 logs not shown (over 200/s)\n");
}
