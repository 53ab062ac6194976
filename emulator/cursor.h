// Cursors: base64 of the decimal (kCursorBase + group offset), as the
// golden capture server and doc/protocol.md §8.1 describe. SDK helpers
// (Py get_previous_cursor_time, Go GetPrevCursorTime) decode, subtract one
// and re-encode, so the decimal form is part of the contract.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace slsflow::emulator {

inline constexpr uint64_t kCursorBase = 1600000000000000000ULL;

std::string EncodeCursor(uint64_t offset);
// False unless `cursor` is base64 of a decimal number >= kCursorBase.
bool DecodeCursor(std::string_view cursor, uint64_t* offset);

}  // namespace slsflow::emulator
