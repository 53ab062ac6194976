// JSON parsing for bytes that come from the wire or from files: bounded in
// size and nesting depth, so a hostile reply can't exhaust the stack or memory.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/base/status.h"

namespace slsflow {

inline constexpr int kMaxJsonDepth = 64;
inline constexpr size_t kMaxJsonBytes = 64u << 20;

// kCorruption with `what` in the message when the text is not JSON, too deep or too large.
Result<nlohmann::json> ParseJsonBounded(std::string_view text, const std::string& what, int max_depth = kMaxJsonDepth);

}  // namespace slsflow
