// The shape nearly every jsonl line has: one object of string keys and
// string values, with no escapes and no control characters, as `consume -f
// jsonl` and most loggers write it. Finding every quote with SIMD first and
// then checking only the few bytes between strings costs fewer unpredictable
// branches than a general parser's walk. Anything else is left to the
// general parser (produce_parser_jsonl.cc), which also words the errors.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/produce/record.h"

namespace slsflow {

// `out` must be clear. True: the line had that shape and `out` holds its
// fields, exactly as the general parser would fill it. False: `out` is clear
// again and the general parser must decide. `quotes` is scratch, reused
// (it grows to the longest line, at most 64 K entries, and stays there).
bool ParsePlainJsonObject(std::string_view line, ParsedLog* out, std::vector<uint32_t>* quotes);

// The same for the first line of `rest` (a block's unparsed lines), whose
// end the one scan also finds, so lines are not split by a pass of their
// own. True: `*line_len` is that line's length without its '\n' (all of
// `rest` when it has none), and `out` holds its fields. The scan may read
// past the line, never past `rest`.
bool ParsePlainJsonLine(std::string_view rest, size_t* line_len, ParsedLog* out, std::vector<uint32_t>* quotes);

}  // namespace slsflow
