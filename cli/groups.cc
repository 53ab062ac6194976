// PLACEHOLDER: replaced by the groups implementation. Not done.
#include "cli/commands.h"

namespace slsflow::cli {
void RegisterGroupsCommand(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand("groups", "groups (not implemented yet)");
  cmd->callback([exit_code] { *exit_code = 1; });
}
}  // namespace slsflow::cli
