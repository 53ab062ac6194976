#include "cli/app.h"

#include <algorithm>
#include <cstdio>

#include "cli/commands.h"
#include "cli/usage.h"
#include "cli/values.h"

namespace slsflow::cli {

std::unique_ptr<CLI::App> BuildCommandLine(int* exit_code) {
  auto app = std::make_unique<CLI::App>("slsflow: tail, backfill and ship Alibaba Cloud Log Service (SLS) logstores",
                                        "slsflow");
  app->require_subcommand(1);
  app->footer(
      "Exit codes: 0 ok, 1 runtime failure or undelivered data, 2 usage, 3 auth/config.\n"
      "Values: durations 500ms 5s 2m 1h; sizes 512k 100m 1g; times begin end -15m '2h ago' 2026-11-01T00:00Z.\n"
      "See 'slsflow help' (slsflow(1)) and 'slsflow help COMMAND' (slsflow-COMMAND(1)).");
  RegisterConsumeCommand(*app, exit_code);
  RegisterProduceCommand(*app, exit_code);
  RegisterShardsCommand(*app, exit_code);
  RegisterGroupsCommand(*app, exit_code);
  RegisterEmulatorCommand(*app, exit_code);
  RegisterConfigCommands(*app, exit_code);
  RegisterHelpCommand(*app, exit_code);
  RegisterCompletionCommand(*app, exit_code);
  ApplyGrammar(app.get());
  return app;
}

int RunCommandLine(CLI::App& app, std::vector<std::string> args, const int& exit_code) {
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector back to front
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 runs callbacks inside parse(); none has run when it throws.
    std::fputs(DescribeParseError(app, e).c_str(), stderr);
    std::fflush(stderr);
    return 2;
  }
  return exit_code;
}

}  // namespace slsflow::cli
