// The whole command line: every subcommand with its flags, parsed with the
// one grammar of cli/values.h and with every mistake reported by
// cli/usage.h. main() only adds what needs the process (argv scrubbing,
// library versions); the tests build the same tree.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

namespace slsflow::cli {

// The callback of the subcommand that runs stores its exit code in *exit_code.
std::unique_ptr<CLI::App> BuildCommandLine(int* exit_code);

// Parses `args` (in order, without the program name) and runs the selected
// subcommand. Returns the process's exit code: the command's, 0 for --help
// and --version, 2 for any mistake on the command line.
int RunCommandLine(CLI::App& app, std::vector<std::string> args, const int& exit_code);

}  // namespace slsflow::cli
