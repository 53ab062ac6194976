// UTF-8 well-formedness, as SLS checks it (PutLogs refuses anything else)
// and as consume's formatters repair it. One definition for produce, consume
// and the emulator, so the three can never disagree on what is valid.
#pragma once

#include <cstddef>
#include <string_view>

namespace slsflow {

// Length of the well-formed UTF-8 sequence starting at p (1-4), or 0 when it
// is ill-formed (overlong, surrogate, past U+10FFFF, cut short); then
// *bad_len is the length of its maximal subpart (Unicode 15 §3.9, as WHATWG
// decodes), so that each bad subpart can become exactly one U+FFFD.
// Inline: it is the inner loop of every non-ASCII byte.
inline size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end, size_t* bad_len) {
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

// True when all of `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

}  // namespace slsflow
