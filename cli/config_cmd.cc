// PLACEHOLDER: configure / config show. Not done.
#include "cli/commands.h"

namespace slsflow::cli {
void RegisterConfigCommands(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand("config", "config (not implemented yet)");
  cmd->callback([exit_code] { *exit_code = 1; });
}
}  // namespace slsflow::cli
