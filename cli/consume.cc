// PLACEHOLDER: replaced by the consume implementation. Not done.
#include "cli/commands.h"

namespace slsflow::cli {
void RegisterConsumeCommand(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand("consume", "consume (not implemented yet)");
  cmd->callback([exit_code] { *exit_code = 1; });
}
}  // namespace slsflow::cli
