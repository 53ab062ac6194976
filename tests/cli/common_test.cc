#include "cli/common.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "cli/values.h"
#include "tests/test_util.h"

using namespace slsflow;
using namespace slsflow::cli;

namespace {

// Parses `args` (in order) against a command with the common flags.
std::string Parse(CLI::App& app, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("common flags: --timeout takes a duration, a bare number is milliseconds") {
  for (auto [text, us] : std::vector<std::pair<std::string, int64_t>>{
           {"5s", 5000000}, {"500ms", 500000}, {"2m", 120000000}, {"250", 250000}}) {
    CLI::App app("t", "slsflow");
    CommonFlags f;
    AddCommonFlags(&app, &f, LogstoreArity::kOne);
    ApplyGrammar(&app);
    CHECK(Parse(app, {"--timeout", text}) == "");
    CHECK(f.timeout_us == us);
  }
  CLI::App app("t", "slsflow");
  CommonFlags f;
  AddCommonFlags(&app, &f, LogstoreArity::kOne);
  CHECK(Parse(app, {"--timeout", "5x"}).find("--timeout: expected a duration like 500ms") != std::string::npos);
}

TEST_CASE("common flags: -l takes one value per use, or a comma list") {
  CLI::App app("t", "slsflow");
  CommonFlags f;
  std::string positional;
  app.add_option("GROUP", positional);
  AddCommonFlags(&app, &f, LogstoreArity::kMany);
  ApplyGrammar(&app);
  CHECK(Parse(app, {"-l", "a,b", "-l", "c", "g1"}) == "");
  CHECK(f.logstores == std::vector<std::string>{"a", "b", "c"});
  CHECK(positional == "g1");
}

TEST_CASE("listings take -f/--format; -o/--output stays as a hidden alias for old scripts") {
  for (const char* flag : {"-f", "--format", "-o", "--output"}) {
    CLI::App app("t", "slsflow");
    CommonFlags f;
    AddCommonFlags(&app, &f, LogstoreArity::kOne, /*listing=*/true);
    ApplyGrammar(&app);
    CHECK(Parse(app, {flag, "json"}) == "");
    CHECK(f.format == "json");
    CHECK(Parse(app, {flag, "yaml"}).find("expected table, json, csv") != std::string::npos);
  }
  CLI::App app("t", "slsflow");
  CommonFlags f;
  AddCommonFlags(&app, &f, LogstoreArity::kOne, true);
  CHECK(app.get_option("--output")->get_group().empty());  // not in --help
  CHECK(app.get_option("--format")->get_group() == "Options");
}

TEST_CASE("a report names what to check when no server answered") {
  auto stderr_of = [](const Status& st, int* code) {
    std::string path = test::MakeTempDir("slsflow-report") + "/err";
    std::fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, STDERR_FILENO);
    *code = ReportError(st);
    dup2(saved, STDERR_FILENO);
    ::close(fd);
    ::close(saved);
    return test::ReadFileOrDie(path);
  };
  int code = 0;
  std::string err =
      stderr_of(Status::Error(ErrorKind::kUnreachable, "cannot reach http://127.0.0.1:1: connection refused"), &code);
  CHECK(code == 1);
  CHECK(err ==
        "slsflow: cannot reach http://127.0.0.1:1: connection refused; check the endpoint (--endpoint, "
        "SLSFLOW_ENDPOINT or the profile; the project is part of its host name) and that the server is up\n");
  err = stderr_of(Status::Usage("no logstore"), &code);
  CHECK(code == 2);
  CHECK(err == "slsflow: no logstore\n");
}
