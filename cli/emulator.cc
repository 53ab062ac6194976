// PLACEHOLDER: replaced by the emulator implementation. Not done.
#include "cli/commands.h"

namespace slsflow::cli {
void RegisterEmulatorCommand(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand("emulator", "emulator (not implemented yet)");
  cmd->callback([exit_code] { *exit_code = 1; });
}
}  // namespace slsflow::cli
