#include "cli/usage.h"

#include <doctest/doctest.h>

#include "cli/app.h"

using namespace slsflow;
using namespace slsflow::cli;

namespace {

// What the real command line says about `args`; "" when they parse.
std::string Complaint(std::vector<std::string> args) {
  int exit_code = 0;
  auto app = BuildCommandLine(&exit_code);
  // Parse only: the root's parse-complete callback runs after every check
  // and before the commands (the subcommands' callbacks); it stops there.
  struct Parsed {};
  app->parse_complete_callback([] { throw Parsed{}; });
  std::reverse(args.begin(), args.end());
  try {
    app->parse(args);
  } catch (const CLI::ParseError& e) {
    return DescribeParseError(*app, e);
  } catch (const Parsed&) {
  }
  return "";
}

}  // namespace

TEST_CASE("did you mean: slips of one or two letters, swaps and unique prefixes") {
  std::vector<std::string> commands = {"consume", "produce", "shards", "groups", "configure", "config"};
  CHECK(DidYouMean("consum", commands) == "consume");
  CHECK(DidYouMean("prodcue", commands) == "produce");
  CHECK(DidYouMean("grups", commands) == "groups");
  CHECK(DidYouMean("xyz", commands) == "");
  CHECK(DidYouMean("--form", {"--from", "--format", "--to"}) == "--from");
  CHECK(DidYouMean("--exit", {"--exit-at-end", "--count"}) == "--exit-at-end");
  CHECK(DidYouMean("--co", {"--consumer", "--count"}) == "");  // two starts: no guess
}

TEST_CASE("parser errors: program name, what is wrong, a guess, the usage line") {
  CHECK(Complaint({"consum"}) ==
        "slsflow: unknown command 'consum'; did you mean 'consume'?\n"
        "usage: slsflow COMMAND [OPTIONS]  (see 'slsflow --help')\n");
  CHECK(Complaint({"consume", "--form", "begin"}) ==
        "slsflow: unknown option '--form'; did you mean '--from'?\n"
        "usage: slsflow consume [OPTIONS]  (see 'slsflow consume --help')\n");
  CHECK(Complaint({"groups", "lg", "etl"}) ==
        "slsflow: unknown command 'lg'; did you mean 'lag'?\n"
        "usage: slsflow groups COMMAND [OPTIONS]  (see 'slsflow groups --help')\n");
  CHECK(Complaint({"groups", "lag"}) ==
        "slsflow: groups lag needs GROUP\n"
        "usage: slsflow groups lag GROUP [OPTIONS]  (see 'slsflow groups lag --help')\n");
  CHECK(Complaint({"groups"}).find("slsflow: groups needs a command: list, create, update") == 0);
  CHECK(Complaint({"consume", "--from"}).find("slsflow: --from needs a value\n") == 0);
  CHECK(Complaint({"consume", "--count", "many"}).find("slsflow: --count: expected a whole number, not 'many'\n") == 0);
  CHECK(Complaint({"consume", "--timeout", "5x"})
            .find("slsflow: --timeout: expected a duration like 500ms, 5s, 2m or 1h (a bare number is "
                  "milliseconds), not '5x'\n") == 0);
  CHECK(Complaint({"consume", "extra"}).find("slsflow: unexpected argument 'extra'\n") == 0);
  CHECK(
      Complaint({"shards", "list", "--form=json"}).find("slsflow: unknown option '--form'; did you mean '--format'?") ==
      0);
}

TEST_CASE("flags that moved say where they went") {
  CHECK(Complaint({"groups", "create", "etl", "--timeout", "2m"}) ==
        "slsflow: groups create takes no --timeout: the group's heartbeat timeout is --group-timeout (e.g. "
        "--group-timeout 2m); elsewhere --timeout is the per-request timeout\n"
        "usage: slsflow groups create GROUP [OPTIONS]  (see 'slsflow groups create --help')\n");
  CHECK(Complaint({"consume", "-F", "{a}"}).find("slsflow: consume takes no -F: -F is produce's --follow") == 0);
}

TEST_CASE("positionals may stand before or after options; -l takes one value per use") {
  CHECK(Complaint({"groups", "lag", "-p", "demo", "-l", "app", "g1"}) == "");
  CHECK(Complaint({"groups", "lag", "g1", "-p", "demo", "-l", "app"}) == "");
  CHECK(Complaint({"shards", "split", "-l", "app", "0"}) == "");
  CHECK(Complaint({"consume", "-l", "a,b", "-l", "c"}) == "");
}

TEST_CASE("usage lines name the command and its positionals") {
  int exit_code = 0;
  auto app = BuildCommandLine(&exit_code);
  CHECK(UsageLine(*app) == "usage: slsflow COMMAND [OPTIONS]  (see 'slsflow --help')");
  CHECK(UsageLine(*app->get_subcommand("shards")->get_subcommand("split")) ==
        "usage: slsflow shards split SHARD [OPTIONS]  (see 'slsflow shards split --help')");
  CHECK(UsageLine(*app->get_subcommand("help")) ==
        "usage: slsflow help [COMMAND...] [OPTIONS]  (see 'slsflow help --help')");
}
