#include "core/produce/jsonl_plain.h"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace slsflow {

namespace {

constexpr size_t kMaxPlainLine = 64 * 1024;

// The bytes between two strings must be spaces, one `sep`, spaces. (Tabs
// and CRs are control bytes, which FindQuotes leaves to the general parser.)
inline bool GapIs(const char* from, const char* to, char sep) {
  while (from < to && *from == ' ') ++from;
  if (from >= to || *from != sep) return false;
  ++from;
  while (from < to && *from == ' ') ++from;
  return from == to;
}

struct QuoteScan {
  size_t quotes = 0;  // offsets written
  size_t stop = 0;    // the first '\\' or control byte, or n
  bool high = false;  // a byte >= 0x80 before stop
};

// Writes the offset of every '"' in s[0, n) before the first '\\' or
// control byte to `quotes` (room for n), and says where that byte is. On a
// line, that byte is the '\n' that ends it, or an escape (or other control
// byte) that the general parser must take.
QuoteScan FindQuotes(const char* s, size_t n, uint32_t* quotes) {
  uint32_t* at = quotes;
  size_t i = 0;
  unsigned highs = 0;
  auto collect = [&](uint64_t q, size_t base) {
    while (q) {
      *at++ = static_cast<uint32_t>(base + static_cast<size_t>(__builtin_ctzll(q)));
      q &= q - 1;
    }
  };
  auto done = [&](size_t stop) { return QuoteScan{static_cast<size_t>(at - quotes), stop, highs != 0}; };
  // The round at `base` holds a bad byte (bit set in `bad`): keep what lies
  // before it and stop there.
  auto stop_in_round = [&](size_t base, uint64_t bad, uint64_t quote_bits, uint64_t high_bits) {
    uint64_t before = (uint64_t{1} << __builtin_ctzll(bad)) - 1;
    highs |= high_bits & before ? 1u : 0u;
    collect(quote_bits & before, base);
    return done(base + static_cast<size_t>(__builtin_ctzll(bad)));
  };
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1f);
  auto bad_bytes = [&](__m128i v) {
    return _mm_or_si128(_mm_cmpeq_epi8(v, slash), _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
  };
  auto mask = [](__m128i v) { return static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(v))); };
  auto quote_mask = [&](__m128i v) { return mask(_mm_cmpeq_epi8(v, quote)); };
  // 64 bytes a round: one branch for the bad-byte check and one 64-bit
  // quote mask, instead of four of each. The round that holds the line's
  // end is the only one that works out where it is.
  for (; i + 64 <= n; i += 64) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 16));
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 32));
    __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 48));
    __m128i ba = bad_bytes(a), bb = bad_bytes(b), bc = bad_bytes(c), bd = bad_bytes(d);
    uint64_t q = quote_mask(a) | quote_mask(b) << 16 | quote_mask(c) << 32 | quote_mask(d) << 48;
    if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(ba, bb), _mm_or_si128(bc, bd)))) {
      return stop_in_round(i, mask(ba) | mask(bb) << 16 | mask(bc) << 32 | mask(bd) << 48, q,
                           mask(a) | mask(b) << 16 | mask(c) << 32 | mask(d) << 48);
    }
    highs |= static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))));
    collect(q, i);
  }
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    uint64_t q = quote_mask(v);
    if (uint64_t bad = mask(bad_bytes(v))) return stop_in_round(i, bad, q, mask(v));
    highs |= static_cast<unsigned>(_mm_movemask_epi8(v));
    collect(q, i);
  }
#endif
  for (; i < n; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\' || c < 0x20) return done(i);
    highs |= c & 0x80;
    if (c == '"') *at++ = static_cast<uint32_t>(i);
  }
  return done(n);
}

// The object in s[0, len), which holds no control byte and whose quotes
// FindQuotes found: spaces, '{', "key":"value" pairs split by ',', '}',
// spaces. (Other JSON blanks are control bytes: the general parser's.)
bool TakeObject(const char* s, size_t len, const uint32_t* q, const QuoteScan& scan, ParsedLog* out) {
  size_t b = 0, e = len;
  while (b < e && s[b] == ' ') ++b;
  while (e > b && s[e - 1] == ' ') --e;
  if (e - b < 7 || s[b] != '{' || s[e - 1] != '}') return false;  // 7: {"k":""}
  // "key" : "value" , ... : four quotes a pair.
  size_t n = scan.quotes;
  if (n == 0 || n % 4 != 0) return false;
  // Only spaces between '{' and the first key, and after the last value.
  for (size_t i = b + 1; i < q[0]; ++i)
    if (s[i] != ' ') return false;
  for (size_t i = q[n - 1] + 1; i < e - 1; ++i)
    if (s[i] != ' ') return false;
  for (size_t k = 0; k < n; k += 4) {
    if (!GapIs(s + q[k + 1] + 1, s + q[k + 2], ':')) return false;
    if (k + 4 < n && !GapIs(s + q[k + 3] + 1, s + q[k + 4], ',')) return false;
  }
  // Bytes outside the strings are ASCII by now, and no UTF-8 sequence holds
  // a '"', so the object is valid exactly when each of its strings is.
  if (scan.high && !IsValidUtf8(std::string_view(s + b, e - b))) return false;
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

}  // namespace

bool ParsePlainJsonObject(std::string_view line, ParsedLog* out, std::vector<uint32_t>* quotes) {
  // Past this the scratch (4 bytes a byte) would not be worth it: long
  // lines are rare and their cost is in their bytes, not their strings.
  if (line.size() > kMaxPlainLine) return false;
  // Room for a quote at every byte, never shrunk, so no check per quote.
  if (quotes->size() < line.size()) quotes->resize(line.size());
  QuoteScan scan = FindQuotes(line.data(), line.size(), quotes->data());
  return scan.stop == line.size() && TakeObject(line.data(), line.size(), quotes->data(), scan, out);
}

bool ParsePlainJsonLine(std::string_view rest, size_t* line_len, ParsedLog* out, std::vector<uint32_t>* quotes) {
  size_t limit = std::min(rest.size(), kMaxPlainLine + 1);
  if (quotes->size() < limit) quotes->resize(limit);
  QuoteScan scan = FindQuotes(rest.data(), limit, quotes->data());
  size_t len = scan.stop;  // the object's bytes: the line without "\n" or "\r\n"
  if (scan.stop == rest.size()) {
    *line_len = len;  // the last line of the input, without a '\n'
  } else if (scan.stop == limit) {
    return false;  // a long line
  } else if (rest[scan.stop] == '\n') {
    *line_len = len;
  } else if (rest[scan.stop] == '\r' && scan.stop + 1 < rest.size() && rest[scan.stop + 1] == '\n') {
    *line_len = len + 1;  // the line keeps its '\r', as a split at '\n' would
  } else {
    return false;  // an escape or a control byte inside the line
  }
  return TakeObject(rest.data(), len, quotes->data(), scan, out);
}

}  // namespace slsflow
