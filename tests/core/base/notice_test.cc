#include "core/base/notice.h"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

using namespace slsflow;

TEST_CASE("notices go to the notice logger as plain lines, or to the default logger as warnings") {
  std::ostringstream plain, warned;
  auto notices =
      std::make_shared<spdlog::logger>(kNoticeLogger, std::make_shared<spdlog::sinks::ostream_sink_mt>(plain));
  notices->set_pattern("slsflow: %v");
  auto fallback =
      std::make_shared<spdlog::logger>("fallback", std::make_shared<spdlog::sinks::ostream_sink_mt>(warned));
  fallback->set_pattern("%l: %v");
  spdlog::set_default_logger(fallback);

  Notice("waiting for x.log to appear");
  CHECK(warned.str() == "warning: waiting for x.log to appear\n");

  spdlog::register_logger(notices);
  NoticeRetry(Status::Error(ErrorKind::kUnreachable, "cannot reach http://h:1: connection refused"), 1, 5);
  CHECK(plain.str() == "slsflow: cannot reach http://h:1: connection refused; retrying (1/5)\n");
  notices->set_level(spdlog::level::off);  // -q
  Notice("not shown");
  CHECK(plain.str().find("not shown") == std::string::npos);
  spdlog::drop(kNoticeLogger);
}
