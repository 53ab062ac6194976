#include "cli/values.h"

#include <doctest/doctest.h>

using namespace slsflow;
using namespace slsflow::cli;

namespace {

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

TEST_CASE("one size grammar for every size flag, either case") {
  CHECK(*ParseSize("512k", "--x") == 512u << 10);
  CHECK(*ParseSize("100M", "--x") == 100u << 20);
  CHECK(*ParseSize("100m", "--x") == 100u << 20);
  CHECK(*ParseSize("1g", "--x") == 1ull << 30);
  CHECK(*ParseSize("2KiB", "--x") == 2048);
  CHECK(*ParseSize("32MB", "--x") == 32u << 20);
  CHECK(*ParseSize("7", "--x") == 7);
  for (const char* bad : {"", "k", "1x", "-1", "99999999999999999999", "17179869184G"}) {
    auto r = ParseSize(bad, "--rotate-size");
    INFO(bad);
    CHECK(r.status().ExitCode() == 2);
    CHECK(r.status().message() == std::string("--rotate-size: expected a size like 512k, 100m or 1g (either case; a "
                                              "bare number is bytes), not '") +
                                      bad + "'");
  }
}

TEST_CASE("one duration grammar; a bare number keeps each flag's unit") {
  CHECK(*ParseDuration("500ms", "--x", BareNumber::kSeconds) == 500000);
  CHECK(*ParseDuration("5s", "--x", BareNumber::kMilliseconds) == 5000000);
  CHECK(*ParseDuration("2m", "--x", BareNumber::kSeconds) == 120000000);
  CHECK(*ParseDuration("1h", "--x", BareNumber::kSeconds) == 3600000000LL);
  CHECK(*ParseDuration("1h30m", "--x", BareNumber::kSeconds) == 5400000000LL);
  CHECK(*ParseDuration("90", "--x", BareNumber::kSeconds) == 90000000);
  CHECK(*ParseDuration("90", "--x", BareNumber::kMilliseconds) == 90000);
  CHECK(*ParseDuration("1.5", "--x", BareNumber::kSeconds) == 1500000);
  auto bad = ParseDuration("5x", "--timeout", BareNumber::kMilliseconds);
  CHECK(bad.status().ExitCode() == 2);
  CHECK(bad.status().message() ==
        "--timeout: expected a duration like 500ms, 5s, 2m or 1h (a bare number is milliseconds), not '5x'");
  CHECK_FALSE(ParseDuration("-5s", "--x", BareNumber::kSeconds).ok());
  CHECK_FALSE(ParseDuration("", "--x", BareNumber::kSeconds).ok());
}

TEST_CASE("FormatDuration prints what a person would type") {
  CHECK(FormatDuration(2000000) == "2s");
  CHECK(FormatDuration(90000000) == "1m30s");
  CHECK(FormatDuration(250000) == "250ms");
  CHECK(FormatDuration(86400000000LL) == "1d");
  CHECK(FormatDuration(0) == "0s");
}

TEST_CASE("validators turn text into numbers while parsing and refuse values out of range") {
  CLI::App app("t", "slsflow");
  int64_t wait_us = 0;
  uint64_t bytes = 0;
  app.add_option("--wait", wait_us)->transform(DurationValue(BareNumber::kSeconds, 1000000, 60000000));
  app.add_option("--memory", bytes)->transform(SizeValue(4u << 20));
  ApplyGrammar(&app);
  CHECK(app.get_option("--wait")->get_type_name() == "DURATION");
  CHECK(app.get_option("--memory")->get_type_name() == "SIZE");
  CHECK(Parse(app, {"--wait", "30s", "--memory", "1g"}) == "");
  CHECK(wait_us == 30000000);
  CHECK(bytes == 1ull << 30);
  CHECK(Parse(app, {"--wait", "2m"}) == "--wait: must be from 1s to 1m, not '2m'");
  CHECK(Parse(app, {"--memory", "1m"}) == "--memory: must be at least 4194304 bytes, not '1m'");
  CHECK(Parse(app, {"--memory", "lots"}).find("--memory: expected a size like 512k") == 0);
}

TEST_CASE("checks leave the text as typed: times, shard sets, choices") {
  CLI::App app("t", "slsflow");
  std::string from, shards, color;
  app.add_option("--from", from)->check(TimeValue());
  app.add_option("--shards", shards)->check(ShardSetValue());
  app.add_option("--color", color)->check(OneOf({"auto", "always", "never"}));
  ApplyGrammar(&app);
  CHECK(app.get_option("--color")->get_type_name() == "auto|always|never");
  CHECK(app.get_option("--from")->get_type_name() == "TIME");
  CHECK(Parse(app, {"--from", "-15m", "--shards", "0,3-5", "--color", "never"}) == "");
  CHECK(from == "-15m");
  CHECK(shards == "0,3-5");
  CHECK(Parse(app, {"--from", "lastweek"}).find("--from: ") == 0);
  CHECK(Parse(app, {"--shards", "3-1"}).find("--shards: '3-1'") == 0);
  CHECK(Parse(app, {"--color", "blue"}) == "--color: expected auto, always, never; not 'blue'");
}

TEST_CASE("a list option takes one value per use and never swallows a positional") {
  CLI::App app("t", "slsflow");
  std::vector<std::string> logstores, greps;
  std::string group;
  app.add_option("GROUP", group);
  app.add_option("-l", logstores)->delimiter(',');
  app.add_option("--grep", greps);
  ApplyGrammar(&app);
  CHECK(Parse(app, {"-l", "app", "g1", "--grep", "a,b"}) == "");
  CHECK(group == "g1");
  CHECK(logstores == std::vector<std::string>{"app"});
  CHECK(greps == std::vector<std::string>{"a,b"});  // never split: a regex may hold commas
}
