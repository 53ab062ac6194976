// PLACEHOLDER: replaced by the shards implementation. Not done.
#include "cli/commands.h"

namespace slsflow::cli {
void RegisterShardsCommand(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand("shards", "shards (not implemented yet)");
  cmd->callback([exit_code] { *exit_code = 1; });
}
}  // namespace slsflow::cli
