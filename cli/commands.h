// Each subcommand lives in one file and registers itself here. The
// callback stores the command's exit code in *exit_code.
#pragma once

#include <CLI/CLI.hpp>

namespace slsflow::cli {

void RegisterConsumeCommand(CLI::App& root, int* exit_code);
void RegisterProduceCommand(CLI::App& root, int* exit_code);
void RegisterShardsCommand(CLI::App& root, int* exit_code);
void RegisterGroupsCommand(CLI::App& root, int* exit_code);
void RegisterEmulatorCommand(CLI::App& root, int* exit_code);
void RegisterConfigCommands(CLI::App& root, int* exit_code);  // configure, config show
void RegisterHelpCommand(CLI::App& root, int* exit_code);     // help [COMMAND]: the man page
// completion bash|zsh: the scripts, made from the flags registered before it.
void RegisterCompletionCommand(CLI::App& root, int* exit_code);

}  // namespace slsflow::cli
