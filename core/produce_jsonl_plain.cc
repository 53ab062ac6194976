#include "core/produce_jsonl_plain.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace slsflow {

namespace {

constexpr size_t kMaxPlainLine = 64 * 1024;

inline bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The bytes between two strings must be blanks, one `sep`, blanks.
inline bool GapIs(const char* from, const char* to, char sep) {
  while (from < to && IsJsonSpace(*from)) ++from;
  if (from >= to || *from != sep) return false;
  ++from;
  while (from < to && IsJsonSpace(*from)) ++from;
  return from == to;
}

// Writes the offset of every '"' in s[0, n) to `quotes` (room for n) and
// returns how many, or -1 at the first '\\' or control character: escapes
// are the general parser's job. `high` notes any byte >= 0x80.
long FindQuotes(const char* s, size_t n, uint32_t* quotes, bool* high) {
  uint32_t* at = quotes;
  size_t i = 0;
  unsigned highs = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1f);
  auto bad_bytes = [&](__m128i v) {
    return _mm_or_si128(_mm_cmpeq_epi8(v, slash), _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
  };
  auto quote_mask = [&](__m128i v) {
    return static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote))));
  };
  // 64 bytes a round: one branch for the bad-byte check and one 64-bit
  // quote mask, instead of four of each.
  for (; i + 64 <= n; i += 64) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 16));
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 32));
    __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 48));
    __m128i bad = _mm_or_si128(_mm_or_si128(bad_bytes(a), bad_bytes(b)), _mm_or_si128(bad_bytes(c), bad_bytes(d)));
    if (_mm_movemask_epi8(bad)) return -1;
    highs |= static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))));
    uint64_t q = quote_mask(a) | quote_mask(b) << 16 | quote_mask(c) << 32 | quote_mask(d) << 48;
    while (q) {
      *at++ = static_cast<uint32_t>(i + static_cast<size_t>(__builtin_ctzll(q)));
      q &= q - 1;
    }
  }
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    if (_mm_movemask_epi8(bad_bytes(v))) return -1;
    highs |= static_cast<unsigned>(_mm_movemask_epi8(v));
    uint64_t q = quote_mask(v);
    while (q) {
      *at++ = static_cast<uint32_t>(i + static_cast<size_t>(__builtin_ctzll(q)));
      q &= q - 1;
    }
  }
#endif
  for (; i < n; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\' || c < 0x20) return -1;
    highs |= c & 0x80;
    if (c == '"') *at++ = static_cast<uint32_t>(i);
  }
  *high = highs != 0;
  return at - quotes;
}

}  // namespace

bool ParsePlainJsonObject(std::string_view line, ParsedLog* out, std::vector<uint32_t>* quotes) {
  // Past this the scratch (4 bytes a byte) would not be worth it: long
  // lines are rare and their cost is in their bytes, not their strings.
  if (line.size() > kMaxPlainLine) return false;
  size_t b = 0, e = line.size();
  while (b < e && IsJsonSpace(line[b])) ++b;
  while (e > b && IsJsonSpace(line[e - 1])) --e;
  // The object alone, from '{' to '}': blanks around it (a CRLF line's
  // '\r') are not scanned, since FindQuotes declines any control byte.
  const char* s = line.data() + b;
  size_t len = e - b;
  if (len < 7 || s[0] != '{' || s[len - 1] != '}') return false;  // 7: {"k":""}
  // Room for a quote at every byte, never shrunk, so no check per quote.
  if (quotes->size() < len) quotes->resize(len);
  bool high = false;
  const uint32_t* q = quotes->data();
  long found = FindQuotes(s, len, quotes->data(), &high);
  // "key" : "value" , ... : four quotes a pair.
  if (found <= 0 || found % 4 != 0) return false;
  size_t n = static_cast<size_t>(found);
  // Only blanks between '{' and the first key, and after the last value.
  for (size_t i = 1; i < q[0]; ++i)
    if (!IsJsonSpace(s[i])) return false;
  for (size_t i = q[n - 1] + 1; i < len - 1; ++i)
    if (!IsJsonSpace(s[i])) return false;
  for (size_t k = 0; k < n; k += 4) {
    if (!GapIs(s + q[k + 1] + 1, s + q[k + 2], ':')) return false;
    if (k + 4 < n && !GapIs(s + q[k + 3] + 1, s + q[k + 4], ',')) return false;
  }
  // Bytes outside the strings are ASCII by now, and no UTF-8 sequence holds
  // a '"', so the object is valid exactly when each of its strings is.
  if (high && !IsValidUtf8(std::string_view(s, len))) return false;
  for (size_t k = 0; k < n; k += 4) {
    std::string_view key(s + q[k] + 1, q[k + 1] - q[k] - 1);
    std::string_view value(s + q[k + 2] + 1, q[k + 3] - q[k + 2] - 1);
    if (!out->AddField(key, value).ok()) {
      out->Clear();
      return false;
    }
  }
  if (out->contents.empty()) {  // only reserved keys: the general parser says why that fails
    out->Clear();
    return false;
  }
  return true;
}

}  // namespace slsflow
