#include "emulator/hash_key.h"

namespace slsflow::emulator {
namespace {

constexpr u128 kMax = ~u128(0);

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool ParseHashKey(std::string_view hex, u128* out) {
  if (hex.empty() || hex.size() > 32) return false;
  u128 v = 0;
  for (size_t i = 0; i < 32; ++i) {
    int d = 0;
    if (i < hex.size()) {
      d = HexValue(hex[i]);
      if (d < 0) return false;
    }
    v = (v << 4) | static_cast<u128>(d);
  }
  *out = v;
  return true;
}

bool ParseHashEnd(std::string_view hex, HashEnd* out) {
  u128 v = 0;
  if (!ParseHashKey(hex, &v)) return false;
  out->is_max = (v == kMax);
  out->value = out->is_max ? 0 : v;
  return true;
}

std::string FormatHashKey(u128 key) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s(32, '0');
  for (int i = 31; i >= 0; --i) {
    s[static_cast<size_t>(i)] = kDigits[static_cast<int>(key & 0xf)];
    key >>= 4;
  }
  return s;
}

std::string FormatHashEnd(const HashEnd& end) {
  return end.is_max ? std::string(32, 'f') : FormatHashKey(end.value);
}

std::vector<HashRange> SplitEvenly(const HashRange& range, int n) {
  std::vector<HashRange> out;
  if (n < 1) return out;
  // width may be 2^128 (the full space), which does not fit: compute
  // width / n and width % n without forming width.
  u128 step = 0;
  u128 rem = 0;
  if (range.end.is_max) {
    u128 w1 = kMax - range.begin;  // width - 1
    step = w1 / static_cast<u128>(n);
    rem = w1 % static_cast<u128>(n) + 1;
    if (rem == static_cast<u128>(n)) {
      ++step;
      rem = 0;
    }
  } else {
    u128 w = range.end.value - range.begin;
    step = w / static_cast<u128>(n);
    rem = w % static_cast<u128>(n);
  }
  (void)rem;  // the remainder goes to the last range
  u128 cur = range.begin;
  for (int i = 0; i < n; ++i) {
    HashRange r;
    r.begin = cur;
    if (i == n - 1) {
      r.end = range.end;
    } else {
      cur += step;
      r.end.value = cur;
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace slsflow::emulator
