// Every mistake CLI11 finds on a command line, said one way: what is wrong,
// what was probably meant when a name is a near miss, then the usage line
// of the (sub)command it was found in. Every one of them exits 2.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace slsflow::cli {

// The lines to print on stderr, each ending in '\n'.
std::string DescribeParseError(const CLI::App& root, const CLI::ParseError& error);

// The deepest subcommand this command line selected (the root if none).
const CLI::App& SelectedCommand(const CLI::App& root);

// "slsflow groups lag"
std::string CommandPath(const CLI::App& app);

// "usage: slsflow groups lag GROUP [OPTIONS]"
std::string UsageLine(const CLI::App& app);

// The visible names a command offers: its options (long and short) or its
// subcommands.
std::vector<std::string> OptionNames(const CLI::App& app);
std::vector<std::string> SubcommandNames(const CLI::App& app);

// The candidate `typed` most likely meant: one or two letters off, two
// letters swapped, or the start of exactly one candidate. "" when none is
// close enough to be a slip.
std::string DidYouMean(const std::string& typed, const std::vector<std::string>& candidates);

}  // namespace slsflow::cli
