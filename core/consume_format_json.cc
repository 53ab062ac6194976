// jsonl: one JSON object per log.
//
// Choices (also in doc/output-formats.md):
// - Key order is fixed: __time__, __time_ns__ (only when the log has
//   TimeNs), __topic__, __source__, __tag__:<k> per group tag in group
//   order, the contents in log order, then __shard__ and __cursor__ when
//   asked. __topic__ and __source__ are always present ("" when unset) so
//   every line has the same leading schema. Duplicate keys are written as
//   they are stored (a content key "__topic__" is not renamed).
// - Escaping: '"' '\\' and the C0 controls only, with the short forms
//   \b \f \n \r \t and \u00xx (lowercase hex) for the rest. DEL, U+2028/9
//   and all other valid UTF-8 are copied verbatim, so a UTF-8 value costs
//   no more than its bytes.
// - Ill-formed UTF-8: by default each maximal ill-formed subpart becomes
//   \ufffd (lossy). With --binary base64|hex a value that is not UTF-8 is
//   written as {"base64":"..."} / {"hex":"..."} instead, which `produce`
//   decodes back to the exact bytes. Keys must be JSON strings, so a
//   non-UTF-8 key is always \ufffd-repaired.
// - The escaper is table driven: an 8-byte SWAR test skips clean ASCII,
//   clean runs are copied whole, and everything is appended to the
//   caller's buffer (no per-record allocation, no iostreams).
#include <cstring>

#include "core/consume_format_internal.h"

namespace slsflow::fmt {
namespace {

// 0: copy; 1: escape; 2: UTF-8 lead or stray byte (validate).
constexpr struct EscapeTable {
  unsigned char cls[256];
  constexpr EscapeTable() : cls() {
    for (int c = 0; c < 0x20; ++c) cls[c] = 1;
    cls[static_cast<unsigned char>('"')] = 1;
    cls[static_cast<unsigned char>('\\')] = 1;
    for (int c = 0x80; c < 0x100; ++c) cls[c] = 2;
  }
} kEscape;

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

inline uint64_t HasZeroByte(uint64_t w) { return (w - kOnes) & ~w & kHighs; }

// True when none of the 8 bytes needs attention (ASCII, >= 0x20, not '"'
// or '\\').
inline bool CleanWord(const unsigned char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  uint64_t special = (w & kHighs) | ((w - 0x20 * kOnes) & ~w & kHighs) |
                     HasZeroByte(w ^ (0x22 * kOnes)) | HasZeroByte(w ^ (0x5C * kOnes));
  return special == 0;
}

inline void AppendControlEscape(unsigned char c, std::string* out) {
  switch (c) {
    case '"': out->append("\\\"", 2); return;
    case '\\': out->append("\\\\", 2); return;
    case '\b': out->append("\\b", 2); return;
    case '\f': out->append("\\f", 2); return;
    case '\n': out->append("\\n", 2); return;
    case '\r': out->append("\\r", 2); return;
    case '\t': out->append("\\t", 2); return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out->append(buf, 6);
    }
  }
}

}  // namespace

bool AppendJsonEscaped(std::string_view s, bool stop_on_invalid, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  const auto* run = p;
  auto flush = [&]() {
    out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
  };
  while (p < end) {
    while (end - p >= 8 && CleanWord(p)) p += 8;
    if (p >= end) break;
    const unsigned char c = *p;
    const unsigned char cls = kEscape.cls[c];
    if (cls == 0) {
      ++p;
      continue;
    }
    if (cls == 2) {
      size_t bad = 0;
      size_t n = Utf8SequenceLength(p, end, &bad);
      if (n != 0) {
        p += n;
        continue;
      }
      if (stop_on_invalid) return false;
      flush();
      out->append("\\ufffd", 6);
      p += bad;
      run = p;
      continue;
    }
    flush();
    AppendControlEscape(c, out);
    ++p;
    run = p;
  }
  flush();
  return true;
}

void AppendJsonValue(std::string_view s, Binary mode, std::string* out) {
  const size_t mark = out->size();
  out->push_back('"');
  if (mode == Binary::kReplace) {
    AppendJsonEscaped(s, false, out);
    out->push_back('"');
    return;
  }
  // Optimistic single pass: almost every value is UTF-8; on the first bad
  // byte, drop what was written and emit the binary object instead.
  if (AppendJsonEscaped(s, true, out)) {
    out->push_back('"');
    return;
  }
  out->resize(mark);
  out->append(mode == Binary::kHex ? "{\"hex\":\"" : "{\"base64\":\"");
  AppendBinaryEncoded(s, mode, out);
  out->append("\"}");
}

namespace {

class JsonlFormatter final : public Formatter {
 public:
  explicit JsonlFormatter(const FormatOptions& o)
      : binary_(o.binary), with_shard_(o.with_shard), with_cursor_(o.with_cursor) {}

  void FormatLog(const sls::LogGroup& group, int index, const RecordMeta& meta,
                 std::string* out) override {
    const sls::Log& log = group.logs(index);
    out->append("{\"__time__\":", 12);
    AppendInt(log.time(), out);
    if (log.has_timens()) {
      out->append(",\"__time_ns__\":", 15);
      AppendInt(log.timens(), out);
    }
    out->append(",\"__topic__\":", 13);
    AppendJsonValue(group.topic(), binary_, out);
    out->append(",\"__source__\":", 14);
    AppendJsonValue(group.source(), binary_, out);
    for (const sls::LogTag& tag : group.logtags()) {
      out->append(",\"__tag__:", 10);
      AppendJsonEscaped(tag.key(), false, out);
      out->append("\":", 2);
      AppendJsonValue(tag.value(), binary_, out);
    }
    for (const sls::LogContent& kv : log.contents()) {
      out->append(",\"", 2);
      AppendJsonEscaped(kv.key(), false, out);
      out->append("\":", 2);
      AppendJsonValue(kv.value(), binary_, out);
    }
    if (with_shard_) {
      out->append(",\"__shard__\":", 13);
      AppendInt(meta.shard, out);
    }
    if (with_cursor_) {
      out->append(",\"__cursor__\":", 14);
      AppendJsonValue(meta.cursor, Binary::kReplace, out);
    }
    out->append("}\n", 2);
  }

 private:
  Binary binary_;
  bool with_shard_;
  bool with_cursor_;
};

}  // namespace

std::unique_ptr<Formatter> MakeJsonlFormatter(const FormatOptions& options) {
  return std::make_unique<JsonlFormatter>(options);
}

}  // namespace slsflow::fmt
