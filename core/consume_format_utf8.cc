// UTF-8 validation and the --binary encodings, shared by every format.
#include <cstring>

#include "core/consume_format_internal.h"
#include "core/crypto.h"

namespace slsflow::fmt {

size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end, size_t* bad_len) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  unsigned char lo = 0x80, hi = 0xBF;
  size_t need;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    *bad_len = 1;  // C0, C1, F5..FF, or a stray continuation byte
    return 0;
  }
  const size_t avail = static_cast<size_t>(end - p);
  for (size_t i = 1; i <= need; ++i) {
    if (i >= avail || p[i] < lo || p[i] > hi) {
      *bad_len = i;  // the lead byte and the continuations that fit so far
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return need + 1;
}

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
    size_t n = Utf8SequenceLength(p, end, &bad);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

void AppendUtf8Repaired(std::string_view s, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  const auto* run = p;
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    size_t bad = 0;
    size_t n = Utf8SequenceLength(p, end, &bad);
    if (n != 0) {
      p += n;
      continue;
    }
    out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    out->append(kReplacementChar);
    p += bad;
    run = p;
  }
  out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
}

void AppendBinaryEncoded(std::string_view s, Binary mode, std::string* out) {
  // Rare path (only values that are not UTF-8): the crypto helpers'
  // temporary string is acceptable here.
  if (mode == Binary::kHex) {
    out->append(HexLower(s));
  } else {
    out->append(Base64Encode(s));
  }
}

void AppendBinaryMarked(std::string_view s, Binary mode, std::string* out) {
  out->append(mode == Binary::kHex ? "hex:" : "base64:");
  AppendBinaryEncoded(s, mode, out);
}

}  // namespace slsflow::fmt
