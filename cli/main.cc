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
#include <iostream>

#include "cli/commands.h"
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
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector back to front
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe must surface as EPIPE on write, so that `| head` ends us
  // cleanly with consistent state rather than killing us mid-commit.
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_DEFAULT);

  CLI::App app{"slsflow: tail, backfill and ship Alibaba Cloud Log Service (SLS) logstores"};
  app.require_subcommand(1);
  app.set_version_flag("--version", VersionText());
  app.footer(
      "Exit codes: 0 ok, 1 runtime failure or undelivered data, 2 usage, 3 auth/config.\n"
      "See slsflow(1) and slsflow-<command>(1).");

  int exit_code = 0;
  slsflow::cli::RegisterConsumeCommand(app, &exit_code);
  slsflow::cli::RegisterProduceCommand(app, &exit_code);
  slsflow::cli::RegisterShardsCommand(app, &exit_code);
  slsflow::cli::RegisterGroupsCommand(app, &exit_code);
  slsflow::cli::RegisterEmulatorCommand(app, &exit_code);
  slsflow::cli::RegisterConfigCommands(app, &exit_code);

  auto args = TakeArgsScrubbingSecrets(argc, argv);
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 runs callbacks inside parse(); usage errors come here with
    // their own exit codes, which we fold into "2: usage".
    app.exit(e);
    return e.get_exit_code() == 0 ? 0 : 2;
  }
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
