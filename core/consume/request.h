// The request a consume state was made for: the flags that decide which
// records go into the output and how they look, recorded as typed
// ("--from yesterday", not the instant it meant). A rerun into the same
// output must ask for the same thing: flags left out are taken from the
// recording, and explicit values that differ are refused (exit 2).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/status.h"
#include "core/base/time_grammar.h"
#include "core/consume/format.h"

namespace slsflow {

// Flag name -> value as typed. Repeated flags (--grep, --where) are joined
// with '\n', --fields with ','; switches are "1" or "".
using RequestFlags = std::map<std::string, std::string>;

// The flags that make up a request, in the order messages name them.
const std::vector<std::string>& RequestFlagNames();

struct MergedRequest {
  RequestFlags flags;  // given, else recorded
  // One entry per flag given with another value than recorded:
  // "--to was 'today', now '-1h'".
  std::vector<std::string> differences;
};

// `recorded` is empty for a new state (or one written before requests were
// recorded): then everything given is taken as is.
MergedRequest MergeRequest(const RequestFlags& recorded, const RequestFlags& given);

// "--from 'yesterday' --to 'today'" for messages: the non-empty values of
// `names` in `flags`.
std::string DescribeRequest(const RequestFlags& flags, const std::vector<std::string>& names);

// What a request means for this run, once relative times are resolved.
struct ParsedRequest {
  TimeSpec from;
  std::optional<int64_t> to_unix;  // --to; a time in the future means now
  int64_t last = 0;
  std::vector<int> shards;  // --shards; empty: all
  std::string query;
  FormatOptions format;  // color is the caller's
  std::vector<std::string> greps;
  std::vector<std::string> wheres;
};

struct RequestDefaults {
  std::string format = "jsonl";  // "pretty" for a terminal
  std::string from;              // a profile's start position; "" for the usual default
};

// Fills the defaults into `flags` (so that the state records what the run
// really did) and parses them. kUsage names the flag at fault.
Result<ParsedRequest> ParseRequest(RequestFlags* flags, const RequestDefaults& defaults, int64_t now_unix);

// Repeated flags as RequestFlags keep them.
std::string JoinValues(const std::vector<std::string>& values, char separator);
std::vector<std::string> SplitValues(const std::string& text, char separator);

}  // namespace slsflow
