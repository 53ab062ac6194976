// Helpers shared by unit tests: golden captures, temp dirs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace slsflow::test {

// Every capture file under tests/data/golden/<sdk>/*.json, sorted.
std::vector<std::string> GoldenCaptureFiles();
nlohmann::json LoadJsonFile(const std::string& path);
std::string GoldenDir();
// A fresh directory under $TMPDIR, removed with its contents when the test
// binary exits normally (SLSFLOW_KEEP_TEST_DIRS=1 keeps it).
std::string MakeTempDir(const std::string& prefix = "slsflow-test");
std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& data);

}  // namespace slsflow::test
