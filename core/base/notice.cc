#include "core/base/notice.h"

#include <spdlog/spdlog.h>

namespace slsflow {

void Notice(const std::string& line) {
  if (auto logger = spdlog::get(kNoticeLogger)) {
    logger->warn("{}", line);
    logger->flush();
    return;
  }
  spdlog::warn("{}", line);
}

void NoticeRetry(const Status& failure, int retry, int retries) {
  Notice(failure.ToString() + "; retrying (" + std::to_string(retry) + "/" + std::to_string(retries) + ")");
}

}  // namespace slsflow
