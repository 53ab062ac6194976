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
//
// Speed: std::string::append is an out-of-line libstdc++ call, and a log
// needs ~50 small appends. So a record is built in a stack buffer with
// inline pointer writes and handed to the caller's string in one append.
// The escaper stores 8 bytes at a time while a SWAR test says they are
// clean ASCII, then falls back to a 256-entry class table.
#include <algorithm>
#include <cstring>

#include "core/consume/format_internal.h"

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

inline uint64_t HasZeroByte(uint64_t w) {
  return (w - kOnes) & ~w & kHighs;
}

// Non-zero when one of the 8 bytes is non-ASCII, < 0x20, '"' or '\\'.
inline uint64_t SpecialBytes(uint64_t w) {
  return (w & kHighs) | ((w - 0x20 * kOnes) & ~w & kHighs) | HasZeroByte(w ^ (0x22 * kOnes)) |
         HasZeroByte(w ^ (0x5C * kOnes));
}

// A record under construction: a fixed stack buffer flushed into the
// caller's string when full and at the end.
class RecordBuffer {
 public:
  static constexpr size_t kCapacity = 8192;
  // Every primitive below needs at most this much room at once.
  static constexpr size_t kMaxStep = 32;

  explicit RecordBuffer(std::string* out) : out_(out), p_(buf_) {}
  RecordBuffer(const RecordBuffer&) = delete;
  RecordBuffer& operator=(const RecordBuffer&) = delete;

  void Flush() {
    out_->append(buf_, static_cast<size_t>(p_ - buf_));
    p_ = buf_;
  }
  // A pointer with room for n (<= kCapacity) bytes; Advance() past what
  // was written.
  char* Room(size_t n = kMaxStep) {
    if (static_cast<size_t>(buf_ + kCapacity - p_) < n) Flush();
    return p_;
  }
  void Advance(char* to) { p_ = to; }

  // A point to roll back to, even across flushes.
  struct Mark {
    size_t out_size;
    size_t buffered;
  };
  Mark GetMark() const { return {out_->size(), static_cast<size_t>(p_ - buf_)}; }
  void Rollback(Mark m) {
    if (out_->size() == m.out_size) {
      p_ = buf_ + m.buffered;
    } else {
      // What was buffered at the mark has been flushed right after
      // out_size; keep it, drop the rest.
      out_->resize(m.out_size + m.buffered);
      p_ = buf_;
    }
  }

  template <size_t N>
  void Lit(const char (&s)[N]) {
    static_assert(N - 1 <= kMaxStep);
    char* p = Room();
    std::memcpy(p, s, N - 1);
    p_ = p + N - 1;
  }
  void Char(char c) {
    *Room() = c;
    ++p_;
  }
  void Bytes(const char* s, size_t n) {
    if (n > static_cast<size_t>(buf_ + kCapacity - p_)) {
      Flush();
      if (n > kCapacity / 2) {
        out_->append(s, n);
        return;
      }
    }
    std::memcpy(p_, s, n);
    p_ += n;
  }
  template <typename Int>
  void Integer(Int v) {
    char* p = Room();
    p_ = std::to_chars(p, p + 24, v).ptr;
  }

 private:
  std::string* out_;
  char* p_;
  char buf_[kCapacity];
};

inline char* WriteEscape(unsigned char c, char* d) {
  static constexpr char kHex[] = "0123456789abcdef";
  d[0] = '\\';
  switch (c) {
    case '"':
      d[1] = '"';
      return d + 2;
    case '\\':
      d[1] = '\\';
      return d + 2;
    case '\b':
      d[1] = 'b';
      return d + 2;
    case '\f':
      d[1] = 'f';
      return d + 2;
    case '\n':
      d[1] = 'n';
      return d + 2;
    case '\r':
      d[1] = 'r';
      return d + 2;
    case '\t':
      d[1] = 't';
      return d + 2;
    default:
      d[1] = 'u';
      d[2] = '0';
      d[3] = '0';
      d[4] = kHex[c >> 4];
      d[5] = kHex[c & 0xF];
      return d + 6;
  }
}

// Escapes [p, stop) into d, which has room for 6 bytes per input byte
// (the worst case: \u00xx per byte). A UTF-8 sequence may run past `stop`
// up to `end`. With kStopOnInvalid, returns false at the first ill-formed
// byte; otherwise writes \ufffd for each ill-formed subpart.
template <bool kStopOnInvalid>
bool EscapeSpan(const unsigned char*& p, const unsigned char* stop, const unsigned char* end, char*& d) {
  while (p < stop) {
    while (stop - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (SpecialBytes(w) != 0) break;
      std::memcpy(d, &w, 8);
      d += 8;
      p += 8;
    }
    // Byte by byte through a special stretch (escapes, non-ASCII text);
    // back to whole words after a clean ASCII byte.
    while (p < stop) {
      const unsigned char c = *p;
      const unsigned char cls = kEscape.cls[c];
      if (cls == 0) {
        *d++ = static_cast<char>(c);
        ++p;
        break;
      }
      if (cls == 1) {
        d = WriteEscape(c, d);
        ++p;
        continue;
      }
      size_t bad = 0;
      const size_t n = Utf8SequenceLength(p, end, &bad);
      if (n != 0) {
        std::memcpy(d, p, n);
        d += n;
        p += n;
      } else {
        if constexpr (kStopOnInvalid) return false;
        std::memcpy(d, "\\ufffd", 6);
        d += 6;
        p += bad;
      }
    }
  }
  return true;
}

// The string body, no quotes. Input is taken in pieces small enough that
// the worst-case output of a piece fits the record buffer, so the inner
// loop has no bounds checks.
template <bool kStopOnInvalid>
bool EscapeInto(std::string_view s, RecordBuffer* rb) {
  constexpr size_t kPiece = 1024;
  static_assert(kPiece * 6 + 8 <= RecordBuffer::kCapacity);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const size_t piece = std::min<size_t>(static_cast<size_t>(end - p), kPiece);
    // +3: a sequence that starts in this piece may end in the next.
    char* d = rb->Room(piece * 6 + 3);
    const bool ok = EscapeSpan<kStopOnInvalid>(p, p + piece, end, d);
    rb->Advance(d);
    if (!ok) return false;
  }
  return true;
}

void ValueInto(std::string_view s, Binary mode, RecordBuffer* rb) {
  if (mode == Binary::kReplace) {
    rb->Char('"');
    EscapeInto<false>(s, rb);
    rb->Char('"');
    return;
  }
  // Optimistic single pass: almost every value is UTF-8; at the first bad
  // byte, drop what was written and emit the binary object instead.
  const RecordBuffer::Mark mark = rb->GetMark();
  rb->Char('"');
  if (EscapeInto<true>(s, rb)) {
    rb->Char('"');
  } else {
    rb->Rollback(mark);
    if (mode == Binary::kHex) {
      rb->Lit("{\"hex\":\"");
    } else {
      rb->Lit("{\"base64\":\"");
    }
    std::string encoded;
    AppendBinaryEncoded(s, mode, &encoded);
    rb->Bytes(encoded.data(), encoded.size());
    rb->Lit("\"}");
  }
}

class JsonlFormatter final : public Formatter {
 public:
  explicit JsonlFormatter(const FormatOptions& o)
      : binary_(o.binary), with_shard_(o.with_shard), with_cursor_(o.with_cursor) {}

  void FormatLog(const LogGroupView& group, int index, const RecordMeta& meta, std::string* out) override {
    const LogView& log = group.logs(index);
    RecordBuffer rb(out);
    rb.Lit("{\"__time__\":");
    rb.Integer(log.time());
    if (log.has_timens()) {
      rb.Lit(",\"__time_ns__\":");
      rb.Integer(log.timens());
    }
    rb.Lit(",\"__topic__\":");
    ValueInto(group.topic(), binary_, &rb);
    rb.Lit(",\"__source__\":");
    ValueInto(group.source(), binary_, &rb);
    for (const KeyValueView& tag : group.logtags()) {
      rb.Lit(",\"__tag__:");
      EscapeInto<false>(tag.key(), &rb);
      rb.Lit("\":");
      ValueInto(tag.value(), binary_, &rb);
    }
    for (const KeyValueView& kv : log.contents()) {
      rb.Lit(",\"");
      EscapeInto<false>(kv.key(), &rb);
      rb.Lit("\":");
      ValueInto(kv.value(), binary_, &rb);
    }
    if (with_shard_) {
      rb.Lit(",\"__shard__\":");
      rb.Integer(meta.shard);
    }
    if (with_cursor_) {
      rb.Lit(",\"__cursor__\":");
      ValueInto(meta.cursor, Binary::kReplace, &rb);
    }
    rb.Lit("}\n");
    rb.Flush();
  }

 private:
  Binary binary_;
  bool with_shard_;
  bool with_cursor_;
};

}  // namespace

void AppendJsonValue(std::string_view s, Binary mode, std::string* out) {
  RecordBuffer rb(out);
  ValueInto(s, mode, &rb);
  rb.Flush();
}

std::unique_ptr<Formatter> MakeJsonlFormatter(const FormatOptions& options) {
  return std::make_unique<JsonlFormatter>(options);
}

}  // namespace slsflow::fmt
