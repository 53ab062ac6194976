#include "core/base/utf8.h"

#include <cstdint>
#include <cstring>

namespace slsflow {

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // Eight ASCII bytes at a time: the common case for log text.
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (w & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p >= end) break;
    if (*p < 0x80) {
      ++p;
      continue;
    }
    size_t bad = 0;
    const size_t n = Utf8SequenceLength(p, end, &bad);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

}  // namespace slsflow
