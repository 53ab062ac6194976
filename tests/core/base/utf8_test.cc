#include "core/base/utf8.h"

#include <doctest/doctest.h>

#include <string>

namespace slsflow {
namespace {

size_t SequenceLength(std::string_view s, size_t* bad) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  *bad = 0;
  return Utf8SequenceLength(p, p + s.size(), bad);
}

TEST_CASE("valid: ASCII, every sequence length, the edges of the code space") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ascii, long enough to take the eight-byte path"));
  CHECK(IsValidUtf8("\xC2\x80"));          // U+0080, the first 2-byte
  CHECK(IsValidUtf8("\xDF\xBF"));          // U+07FF
  CHECK(IsValidUtf8("\xE0\xA0\x80"));      // U+0800, the first 3-byte
  CHECK(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  CHECK(IsValidUtf8("\xEE\x80\x80"));      // U+E000, just above them
  CHECK(IsValidUtf8("\xF0\x90\x80\x80"));  // U+10000, the first 4-byte
  CHECK(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last
  CHECK(IsValidUtf8("日志 abcdefgh 😀 ijklmnop"));
}

TEST_CASE("invalid: overlongs, surrogates, past U+10FFFF, stray and cut-short bytes") {
  CHECK_FALSE(IsValidUtf8("\xC0\x80"));          // overlong NUL
  CHECK_FALSE(IsValidUtf8("\xC1\xBF"));          // overlong
  CHECK_FALSE(IsValidUtf8("\xE0\x9F\xBF"));      // overlong 3-byte
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));      // U+D800
  CHECK_FALSE(IsValidUtf8("\xF0\x8F\xBF\xBF"));  // overlong 4-byte
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  CHECK_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));
  CHECK_FALSE(IsValidUtf8("\x80"));
  CHECK_FALSE(IsValidUtf8("\xFF"));
  CHECK_FALSE(IsValidUtf8("\xE6\x97"));      // 日 without its last byte
  CHECK_FALSE(IsValidUtf8("abcdefgh\xE6"));  // after the eight-byte path
  CHECK_FALSE(IsValidUtf8(std::string("abc\xE6\x97\xA5\xFF", 7)));
}

TEST_CASE("a bad sequence reports its maximal subpart, so each becomes one U+FFFD") {
  size_t bad = 0;
  CHECK(SequenceLength("\xE6\x97\xA5", &bad) == 3);
  CHECK(SequenceLength("\xE6\x97", &bad) == 0);
  CHECK(bad == 2);  // lead + the continuation that fit
  CHECK(SequenceLength("\xE6\x97"
                       "A",
                       &bad) == 0);
  CHECK(bad == 2);
  CHECK(SequenceLength("\xED\xA0\x80", &bad) == 0);
  CHECK(bad == 1);  // a surrogate's second byte is out of range at once
  CHECK(SequenceLength("\xF0\x9F\x98", &bad) == 0);
  CHECK(bad == 3);
  CHECK(SequenceLength("\x80", &bad) == 0);
  CHECK(bad == 1);
}

}  // namespace
}  // namespace slsflow
