#include "emulator/cursor.h"

#include <charconv>

#include "core/sls/crypto.h"

namespace slsflow::emulator {

std::string EncodeCursor(uint64_t offset) {
  return Base64Encode(std::to_string(kCursorBase + offset));
}

bool DecodeCursor(std::string_view cursor, uint64_t* offset) {
  if (cursor.empty() || cursor.size() > 64) return false;
  std::string decimal;
  if (!Base64Decode(cursor, &decimal) || decimal.empty() || decimal.size() > 20) return false;
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(decimal.data(), decimal.data() + decimal.size(), value);
  if (ec != std::errc() || ptr != decimal.data() + decimal.size()) return false;
  if (value < kCursorBase) return false;
  *offset = value - kCursorBase;
  return true;
}

}  // namespace slsflow::emulator
