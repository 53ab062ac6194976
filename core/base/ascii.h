// Case folding for protocol tokens (HTTP header names, error codes), which
// are ASCII. std::tolower is a call per byte that consults the locale:
// signing a request lowercased its header names that way several times
// over, most of the 7 us a v1 signature took.
#pragma once

#include <string>
#include <string_view>

namespace slsflow {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

inline bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  return true;
}

}  // namespace slsflow
