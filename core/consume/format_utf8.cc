// UTF-8 repair and the --binary encodings, shared by every format.
#include <cstring>

#include "core/consume/format_internal.h"
#include "core/sls/crypto.h"

namespace slsflow::fmt {

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
