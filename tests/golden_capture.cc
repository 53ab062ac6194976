#include "tests/golden_capture.h"

#include "core/sls/crypto.h"
#include "tests/test_util.h"

namespace slsflow::test {

GoldenCapture LoadGoldenCapture(const std::string& path) {
  GoldenCapture c;
  c.file = path;
  c.json = LoadJsonFile(path);
  c.request.method = c.json["method"].get<std::string>();
  c.request.path = c.json["path"].get<std::string>();
  for (auto& kv : c.json["query"]) c.request.query.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
  for (auto& kv : c.json["headers"]) c.request.headers.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
  Base64Decode(c.json["body_b64"].get<std::string>(), &c.body);
  const std::string* date = FindHeader(c.request.headers, "date");
  if (!date) date = FindHeader(c.request.headers, "x-log-date");
  if (date) ParseRequestTime(*date, &c.request_time);
  return c;
}

}  // namespace slsflow::test
