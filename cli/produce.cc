// PLACEHOLDER: replaced by the produce implementation. Not done.
#include "cli/commands.h"

namespace slsflow::cli {
void RegisterProduceCommand(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand("produce", "produce (not implemented yet)");
  cmd->callback([exit_code] { *exit_code = 1; });
}
}  // namespace slsflow::cli
