// The kinds of value a command line takes, one parser each, for every
// subcommand. man/slsflow.1 (VALUES) is the grammar. CLI11 applies them
// while parsing, so a bad value is a usage error (exit 2) before anything
// else runs, worded the same way whichever flag or subcommand it came with.
//
// The validators' type names are what --help shows and what the generated
// shell completions read ("a|b|c" lists the choices; TIME, PATH, DIR and
// FILE get their own completion).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"

namespace slsflow::cli {

// What a number without a unit means for a duration flag. Each flag keeps
// the unit it had before units were accepted, and its help says which.
enum class BareNumber { kMilliseconds, kSeconds };

// "512k", "100M", "1g", "2KiB", "1048576" (powers of 1024, either case),
// from `min` to `max`. kUsage, naming `flag`, otherwise.
Result<uint64_t> ParseSize(std::string_view text, std::string_view flag, uint64_t min = 0,
                           uint64_t max = std::numeric_limits<uint64_t>::max());

// "500ms", "5s", "2m", "1h", "1h30m", or a bare number in `bare` units,
// from `min_us` to `max_us`. Microseconds; kUsage, naming `flag`, otherwise.
Result<int64_t> ParseDuration(std::string_view text, std::string_view flag, BareNumber bare, int64_t min_us = 0,
                              int64_t max_us = std::numeric_limits<int64_t>::max());

// Transformers: the text becomes the number (bytes; microseconds), so the
// option binds to an integer, and a value outside [min, max] is refused.
CLI::Validator SizeValue(uint64_t min = 0, uint64_t max = std::numeric_limits<uint64_t>::max());
CLI::Validator DurationValue(BareNumber bare, int64_t min_us = 0, int64_t max_us = std::numeric_limits<int64_t>::max());

// Checks that leave the text as typed (the command keeps the words):
// a point in time (--from, --to), a shard set ("0,3-5"), one of `choices`.
CLI::Validator TimeValue();
CLI::Validator ShardSetValue();
CLI::Validator OneOf(std::vector<std::string> choices);

// "2s", "1m30s", "250ms": a duration as a person would type it back.
std::string FormatDuration(int64_t micros);

// Run once over the finished command tree. Every option takes one value per
// use (`-l a -l b`, or `-l a,b` where the option splits on commas), so a
// list option never swallows the positional argument after it; and an
// option checked by a validator above shows its kind as its type name.
void ApplyGrammar(CLI::App* app);

}  // namespace slsflow::cli
