// slsflow: tail, backfill and ship Alibaba Cloud Log Service logstores.
#include <curl/curl.h>
#include <lz4.h>
#include <signal.h>
#include <unistd.h>
#include <zstd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/app.h"
#include "version.h"

namespace {

std::string VersionText() {
  std::string v = std::string("slsflow ") + SLSFLOW_VERSION + " (" + SLSFLOW_GIT_DESCRIBE + ")\n";
  v += std::string("libcurl ") + curl_version_info(CURLVERSION_NOW)->version;
  v += std::string(", lz4 ") + LZ4_versionString();
  v += std::string(", zstd ") + ZSTD_versionString();
  return v;
}

// Copies the arguments for the parser, then blanks secret values in the
// process's own argv so that `ps` and /proc/PID/cmdline stop showing them.
// They were visible from exec until here; slsflow(1) documents that limit.
std::vector<std::string> TakeArgsScrubbingSecrets(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto is_secret_flag = [](std::string_view a) {
    return a == "--access-key-secret" || a == "--security-token" || a == "--sts-token";
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    char* value = nullptr;
    if (is_secret_flag(a) && i + 1 < argc) {
      value = argv[++i];
    } else if (auto eq = a.find('='); eq != std::string_view::npos && is_secret_flag(a.substr(0, eq))) {
      value = argv[i] + eq + 1;
    }
    if (value)
      for (char* c = value; *c; ++c) *c = 'x';
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe must surface as EPIPE on write, so that `| head` ends us
  // cleanly with consistent state rather than killing us mid-commit.
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_DEFAULT);

  int exit_code = 0;
  auto app = slsflow::cli::BuildCommandLine(&exit_code);
  app->set_version_flag("--version", VersionText());
  exit_code = slsflow::cli::RunCommandLine(*app, TakeArgsScrubbingSecrets(argc, argv), exit_code);
  std::fflush(nullptr);
#if defined(__SANITIZE_ADDRESS__) || defined(SLSFLOW_COVERAGE)
  return exit_code;  // let LeakSanitizer's check, or gcov's counters, run at exit
#else
  // Every command has closed (and synced) what it wrote by now. What is
  // left is teardown the kernel does faster at exit: OpenSSL's atexit
  // cleanup and every CLI11 option. It was ~1% of a 0.6 s produce run.
  _exit(exit_code);
#endif
}
