// `slsflow help [COMMAND]`: the manual, from beside the binary (the build
// tree's man/, where CMake writes the pages with the version filled in) or
// from where it is installed, so that it works before `make install` too.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/usage.h"
#include "core/base/env.h"

extern char** environ;

namespace slsflow::cli {

namespace {

// The subcommands with a page of their own; the rest are in slsflow(1).
bool HasOwnPage(const std::string& command) {
  for (const char* c : {"consume", "produce", "shards", "groups", "emulator"})
    if (command == c) return true;
  return false;
}

std::string ExecutableDir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

// Runs `man ARGS...`; -1 when man itself could not be started.
int RunMan(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::vector<std::string> words = {"man"};
  words.insert(words.end(), args.begin(), args.end());
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "man", nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int ShowManual(const CLI::App& root, const std::vector<std::string>& words) {
  std::string page = "slsflow";
  if (!words.empty()) {
    const std::string& command = words.front();
    std::vector<std::string> commands = SubcommandNames(root);
    if (std::find(commands.begin(), commands.end(), command) == commands.end()) {
      std::string guess = DidYouMean(command, commands);
      int code = ReportError(Status::Usage("unknown command '" + command + "'" +
                                           (guess.empty() ? "" : "; did you mean '" + guess + "'?")));
      std::fprintf(stderr, "%s\n", UsageLine(*root.get_subcommand("help")).c_str());
      return code;
    }
    if (HasOwnPage(command)) page += "-" + command;
  }
  const std::string dir = ExecutableDir();
  const std::vector<std::string> places = {dir + "/man/" + page + ".1", dir + "/../share/man/man1/" + page + ".1",
                                           dir + "/../share/man/man1/" + page + ".1.gz"};
  for (const auto& path : places) {
    if (!Env::Default()->FileExists(path)) continue;
    int rc = RunMan({"-l", path});
    if (rc == -1)
      return ReportError(Status::Error(
          ErrorKind::kIO, "'man' is not installed; read " + path + " with: groff -man -Tutf8 " + path + " | less"));
    return rc == 0 ? 0 : 1;
  }
  // Not beside this binary: perhaps on man's own path.
  if (RunMan({page}) == 0) return 0;
  std::string looked;
  for (const auto& p : places) looked += (looked.empty() ? "" : ", ") + p;
  return ReportError(Status::Error(ErrorKind::kNotFound, "no manual page " + page + " in " + looked +
                                                             " or on man's path; '" +
                                                             (words.empty() ? "slsflow" : "slsflow " + words.front()) +
                                                             " --help' lists the options"));
}

}  // namespace

void RegisterHelpCommand(CLI::App& root, int* exit_code) {
  auto words = std::make_shared<std::vector<std::string>>();
  auto* cmd = root.add_subcommand("help", "show the manual: slsflow(1), or the page of COMMAND");
  cmd->add_option("COMMAND", *words, "a command, e.g. consume");
  cmd->footer(
      "Examples:\n"
      "  slsflow help            # slsflow(1): commands, values, shared flags, exit codes\n"
      "  slsflow help consume    # slsflow-consume(1)\n"
      "  MANPAGER=cat slsflow help produce | grep -A3 follow");
  const CLI::App* app = &root;
  cmd->callback([app, words, exit_code] { *exit_code = ShowManual(*app, *words); });
}

}  // namespace slsflow::cli
