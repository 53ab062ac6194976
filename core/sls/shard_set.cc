#include "core/sls/shard_set.h"

#include <algorithm>
#include <charconv>

namespace slsflow {
namespace {

using u128 = unsigned __int128;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ParseId(std::string_view s, int* out) {
  s = Trim(s);
  if (s.empty() || s.size() > 9) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && *out >= 0;
}

bool IsHex32(std::string_view s) {
  if (s.size() != 32) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); });
}

u128 FromHex(std::string_view hex) {
  u128 v = 0;
  for (char c : hex) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : c - 'A' + 10;
    v = (v << 4) | static_cast<u128>(d);
  }
  return v;
}

std::string ToHex(u128 v) {
  std::string out(32, '0');
  for (int i = 31; i >= 0; --i) {
    out[static_cast<size_t>(i)] = "0123456789abcdef"[static_cast<int>(v & 0xf)];
    v >>= 4;
  }
  return out;
}

bool IsMaxEnd(const std::string& end) {
  return end == std::string(32, 'f');
}

}  // namespace

Result<std::vector<int>> ParseShardSet(std::string_view text, std::string_view flag) {
  auto bad = [&](std::string_view why) {
    return Status::Usage(std::string(flag) + " '" + std::string(text) + "': " + std::string(why) +
                         "; expected shard ids and ranges such as 0,3-5");
  };
  std::vector<int> out;
  if (Trim(text).empty()) return bad("empty");
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = Trim(text.substr(start, comma - start));
    if (item.empty()) return bad("empty item");
    size_t dash = item.find('-');
    int first = 0, last = 0;
    if (dash == std::string_view::npos) {
      if (!ParseId(item, &first)) return bad("'" + std::string(item) + "' is not a shard id");
      last = first;
    } else {
      if (!ParseId(item.substr(0, dash), &first) || !ParseId(item.substr(dash + 1), &last))
        return bad("'" + std::string(item) + "' is not a range of shard ids");
      if (last < first) return bad("range " + std::string(item) + " runs backwards");
      if (last - first > 100000) return bad("range " + std::string(item) + " is too long");
    }
    for (int id = first; id <= last; ++id) out.push_back(id);
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string FormatShardSet(std::vector<int> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string out;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(ids[i]);
    if (j > i) out += "-" + std::to_string(ids[j]);
    i = j + 1;
  }
  return out;
}

Result<std::string> NormalizeHashKey(std::string_view key, std::string_view flag) {
  if (!IsHex32(key))
    return Status::Usage(std::string(flag) + " '" + std::string(key) +
                         "': a hash key is exactly 32 hex digits, e.g. 80000000000000000000000000000000");
  std::string out(key);
  for (char& c : out)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool HashKeyStrictlyInside(const std::string& key, const std::string& begin, const std::string& end) {
  if (!IsHex32(key) || !IsHex32(begin) || !IsHex32(end)) return false;
  u128 k = FromHex(key), b = FromHex(begin);
  if (k <= b) return false;
  if (IsMaxEnd(end)) return true;  // end is 2^128, above every 128-bit key
  return k < FromHex(end);
}

Result<std::vector<std::string>> EqualSplitKeys(const std::string& begin, const std::string& end, int n) {
  if (n < 2) return Status::Usage("--into must be at least 2");
  if (!IsHex32(begin) || !IsHex32(end)) return Status::Invalid("shard range is not 32-hex keys");
  u128 b = FromHex(begin);
  // width - 1 always fits in 128 bits, even for [0, 2^128).
  u128 width_minus_one = IsMaxEnd(end) ? ~b : FromHex(end) - b - 1;
  if (!IsMaxEnd(end) && FromHex(end) <= b) return Status::Invalid("shard range is empty");
  u128 nn = static_cast<u128>(n);
  // floor(width / n) without forming width: (M + 1) / n = M / n + ((M % n) + 1) / n.
  u128 step = width_minus_one / nn + ((width_minus_one % nn) + 1) / nn;
  if (step == 0) return Status::Usage("the shard's range is too narrow to split into " + std::to_string(n));
  std::vector<std::string> keys;
  for (int i = 1; i < n; ++i) keys.push_back(ToHex(b + step * static_cast<u128>(i)));
  return keys;
}

}  // namespace slsflow
