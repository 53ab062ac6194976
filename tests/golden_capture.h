// Turns a golden capture (tests/data/golden/<sdk>/<api>.json) into the
// pieces our signer, decoder and emulator take.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/sls/auth.h"

namespace slsflow::test {

struct GoldenCapture {
  std::string file;
  nlohmann::json json;
  SignableRequest request;
  std::string body;          // bytes as sent
  int64_t request_time = 0;  // from Date or x-log-date
};

GoldenCapture LoadGoldenCapture(const std::string& path);

}  // namespace slsflow::test
