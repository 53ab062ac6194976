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
// A fresh directory under /tmp, removed by the OS eventually; tests clean
// up what they can.
std::string MakeTempDir(const std::string& prefix = "slsflow-test");
std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& data);

}  // namespace slsflow::test
