#include "tests/test_util.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace slsflow::test {

std::string GoldenDir() {
  if (const char* env = std::getenv("SLSFLOW_GOLDEN_DIR")) return env;
  return SLSFLOW_GOLDEN_DIR;
}

std::vector<std::string> GoldenCaptureFiles() {
  std::vector<std::string> out;
  for (auto& sdk : std::filesystem::directory_iterator(GoldenDir())) {
    if (!sdk.is_directory()) continue;
    for (auto& f : std::filesystem::directory_iterator(sdk.path())) {
      if (f.path().extension() == ".json") out.push_back(f.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileOrDie(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << data;
}

nlohmann::json LoadJsonFile(const std::string& path) {
  return nlohmann::json::parse(ReadFileOrDie(path));
}

namespace {

// Removed when the test binary exits normally, so thousands of runs do not
// pile up under /tmp; a crash keeps them for a post-mortem, and
// SLSFLOW_KEEP_TEST_DIRS=1 keeps them on purpose.
class TempDirRegistry {
 public:
  void Add(const std::string& dir) {
    std::lock_guard<std::mutex> hold(mu_);
    dirs_.push_back(dir);
  }
  ~TempDirRegistry() {
    // A forked child that exits through exit() must not take its parent's dirs.
    if (getpid() != owner_ || std::getenv("SLSFLOW_KEEP_TEST_DIRS")) return;
    std::error_code ignored;
    for (const auto& dir : dirs_) std::filesystem::remove_all(dir, ignored);
  }

 private:
  const pid_t owner_ = getpid();
  std::mutex mu_;
  std::vector<std::string> dirs_;
};

TempDirRegistry& TempDirs() {
  static TempDirRegistry registry;
  return registry;
}

}  // namespace

std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  TempDirs().Add(tmpl);
  return tmpl;
}

}  // namespace slsflow::test
