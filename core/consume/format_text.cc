// raw, template and pretty: the formats meant for people and pipes.
//
// Choices (also in doc/output-formats.md):
// - raw writes the value's bytes as stored, with no escaping at all (that
//   is what raw means, and what kcat does); a log without the field is
//   skipped, not printed as an empty line. --binary base64|hex replaces a
//   non-UTF-8 value by "base64:..." / "hex:...".
// - template values are written as stored (a multi-line stack trace stays
//   multi-line), with ill-formed UTF-8 repaired to U+FFFD or, with
//   --binary, marked as above. A missing field renders as "". A newline is
//   appended after each record.
// - pretty is for a terminal, so it never lets a log emit terminal control
//   sequences: C0 controls and DEL become \n, \t, \r or \xNN, C1 controls
//   \u0080..\u009f. Values that are empty or hold a space, '"', '=' or an
//   escape are double-quoted (logfmt style). Tags are left out (use jsonl or
//   a template for them).
#include <cstring>

#include "core/base/time_grammar.h"
#include "core/consume/format_internal.h"

namespace slsflow::fmt {
namespace {

void AppendTextValue(std::string_view value, Binary mode, std::string* out) {
  if (mode != Binary::kReplace && !IsValidUtf8(value)) {
    AppendBinaryMarked(value, mode, out);
    return;
  }
  AppendUtf8Repaired(value, out);
}

class RawFormatter final : public Formatter {
 public:
  explicit RawFormatter(const FormatOptions& o) : field_(o.raw_field), binary_(o.binary) {}

  void FormatLog(const LogGroupView& group, int index, const RecordMeta&, std::string* out) override {
    for (const KeyValueView& kv : group.logs(index).contents()) {
      if (kv.key() != field_) continue;
      if (binary_ != Binary::kReplace && !IsValidUtf8(kv.value())) {
        AppendBinaryMarked(kv.value(), binary_, out);
      } else {
        out->append(kv.value());
      }
      out->push_back('\n');
      return;
    }
    ++without_field_;
  }

  int64_t records_without_field() const override { return without_field_; }

 private:
  std::string field_;
  Binary binary_;
  int64_t without_field_ = 0;
};

class TemplateFormatter final : public Formatter {
 public:
  struct Segment {
    std::string literal;  // written before the field
    bool has_field = false;
    FieldRef field;
  };

  TemplateFormatter(std::vector<Segment> segments, Binary binary) : segments_(std::move(segments)), binary_(binary) {}

  void FormatLog(const LogGroupView& group, int index, const RecordMeta& meta, std::string* out) override {
    const LogView& log = group.logs(index);
    char scratch[48];
    for (const Segment& seg : segments_) {
      out->append(seg.literal);
      if (!seg.has_field) continue;
      std::string_view value;
      if (ResolveField(seg.field, group, log, meta, scratch, &value)) {
        AppendTextValue(value, binary_, out);
      }
    }
    out->push_back('\n');
  }

 private:
  std::vector<Segment> segments_;
  Binary binary_;
};

// ---- pretty ---------------------------------------------------------------

constexpr const char* kReset = "\x1b[0m";
constexpr const char* kTimeColor = "\x1b[36m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kKeyColor = "\x1b[34m";
constexpr const char* kRed = "\x1b[31m";
constexpr const char* kYellow = "\x1b[33m";

// A C0 control, DEL, or the UTF-8 encoding of a C1 control.
inline bool IsControlAt(const unsigned char* p, const unsigned char* end) {
  if (*p < 0x20 || *p == 0x7F) return true;
  return *p == 0xC2 && end - p >= 2 && p[1] >= 0x80 && p[1] <= 0x9F;
}

bool PrettyNeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  for (; p < end; ++p) {
    if (*p == ' ' || *p == '"' || *p == '=' || IsControlAt(p, end)) return true;
  }
  return false;
}

// Escapes controls; with `quoted` also '"' and '\\'. Ill-formed UTF-8 is
// repaired.
void AppendPrettyEscaped(std::string_view s, bool quoted, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  const auto* run = p;
  auto flush = [&]() {
    AppendUtf8Repaired(std::string_view(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run)), out);
  };
  while (p < end) {
    const unsigned char c = *p;
    const bool special = IsControlAt(p, end) || (quoted && (c == '"' || c == '\\'));
    if (!special) {
      ++p;
      continue;
    }
    flush();
    if (c == 0xC2) {
      const char buf[6] = {'\\', 'u', '0', '0', kHex[p[1] >> 4], kHex[p[1] & 0xF]};
      out->append(buf, 6);
      p += 2;
    } else {
      switch (c) {
        case '\n':
          out->append("\\n");
          break;
        case '\t':
          out->append("\\t");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        default: {
          const char buf[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 0xF]};
          out->append(buf, 4);
        }
      }
      ++p;
    }
    run = p;
  }
  flush();
}

void AppendPrettyValue(std::string_view value, Binary mode, std::string* out) {
  if (mode != Binary::kReplace && !IsValidUtf8(value)) {
    AppendBinaryMarked(value, mode, out);
    return;
  }
  if (!PrettyNeedsQuotes(value)) {
    AppendPrettyEscaped(value, false, out);
    return;
  }
  out->push_back('"');
  AppendPrettyEscaped(value, true, out);
  out->push_back('"');
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool IsLevelKey(std::string_view key) {
  for (std::string_view name : {"level", "severity", "lvl", "loglevel"}) {
    if (key.size() == name.size() && StartsWithIgnoreCase(key, name)) return true;
  }
  return false;
}

const char* LevelColor(std::string_view value) {
  for (std::string_view bad : {"err", "fatal", "crit", "panic", "emerg", "alert"}) {
    if (StartsWithIgnoreCase(value, bad)) return kRed;
  }
  if (StartsWithIgnoreCase(value, "warn")) return kYellow;
  return nullptr;
}

class PrettyFormatter final : public Formatter {
 public:
  explicit PrettyFormatter(const FormatOptions& o)
      : color_(o.color), with_shard_(o.with_shard), with_cursor_(o.with_cursor), binary_(o.binary) {}

  void FormatLog(const LogGroupView& group, int index, const RecordMeta& meta, std::string* out) override {
    const LogView& log = group.logs(index);
    // Always milliseconds, so the columns line up whether or not a log has
    // TimeNs.
    if (color_) out->append(kTimeColor);
    AppendRfc3339Utc(log.time(), log.has_timens() ? log.timens() : 0, true, out);
    if (color_) out->append(kReset);
    if (with_shard_) {
      out->push_back(' ');
      if (color_) out->append(kDim);
      out->push_back('#');
      AppendInt(meta.shard, out);
      if (color_) out->append(kReset);
    }
    for (std::string_view s : {group.topic(), group.source()}) {
      if (s.empty()) continue;
      out->push_back(' ');
      if (color_) out->append(kDim);
      AppendPrettyValue(s, binary_, out);
      if (color_) out->append(kReset);
    }
    for (const KeyValueView& kv : log.contents()) {
      out->push_back(' ');
      if (color_) out->append(kKeyColor);
      AppendPrettyEscaped(kv.key(), false, out);
      if (color_) out->append(kReset);
      out->push_back('=');
      const char* level = color_ && IsLevelKey(kv.key()) ? LevelColor(kv.value()) : nullptr;
      if (level != nullptr) out->append(level);
      AppendPrettyValue(kv.value(), binary_, out);
      if (level != nullptr) out->append(kReset);
    }
    if (with_cursor_) {
      out->push_back(' ');
      if (color_) out->append(kDim);
      out->append("cursor=");
      AppendPrettyValue(meta.cursor, Binary::kReplace, out);
      if (color_) out->append(kReset);
    }
    out->push_back('\n');
  }

 private:
  bool color_;
  bool with_shard_;
  bool with_cursor_;
  Binary binary_;
};

}  // namespace

std::unique_ptr<Formatter> MakeRawFormatter(const FormatOptions& options) {
  return std::make_unique<RawFormatter>(options);
}

std::unique_ptr<Formatter> MakePrettyFormatter(const FormatOptions& options) {
  return std::make_unique<PrettyFormatter>(options);
}

Result<std::unique_ptr<Formatter>> MakeTemplateFormatter(const FormatOptions& options) {
  const std::string& t = options.tmpl;
  if (t.empty()) return Status::Usage("-f template needs -F 'TEMPLATE', e.g. '{__time__:iso} {message}'");
  auto bad = [&t](size_t at, const std::string& why) {
    return Status::Usage("bad template at offset " + std::to_string(at) + ": " + why + " in '" + t +
                         "'; use {field}, {field:iso}, {__time__:iso|unix}, {__tag__:KEY}, "
                         "{{ and }} for braces, \\t and \\n");
  };
  std::vector<TemplateFormatter::Segment> segments;
  TemplateFormatter::Segment current;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '{') {
      if (i + 1 < t.size() && t[i + 1] == '{') {
        current.literal.push_back('{');
        ++i;
        continue;
      }
      size_t close = t.find('}', i + 1);
      if (close == std::string::npos) return bad(i, "unclosed '{'");
      std::string_view spec(t.data() + i + 1, close - i - 1);
      if (spec.empty()) return bad(i, "empty '{}'");
      if (spec.find('{') != std::string_view::npos) return bad(i, "'{' inside a field");
      Result<FieldRef> ref = ParseFieldRef(spec);
      if (!ref.ok()) return ref.status();
      current.has_field = true;
      current.field = std::move(ref).value();
      segments.push_back(std::move(current));
      current = TemplateFormatter::Segment();
      i = close;
    } else if (c == '}') {
      if (i + 1 < t.size() && t[i + 1] == '}') {
        current.literal.push_back('}');
        ++i;
        continue;
      }
      return bad(i, "a lone '}' (write }} for a literal brace)");
    } else if (c == '\\' && i + 1 < t.size() && (t[i + 1] == 't' || t[i + 1] == 'n' || t[i + 1] == '\\')) {
      const char e = t[++i];
      current.literal.push_back(e == 't' ? '\t' : e == 'n' ? '\n' : '\\');
    } else {
      current.literal.push_back(c);
    }
  }
  if (!current.literal.empty()) segments.push_back(std::move(current));
  return std::unique_ptr<Formatter>(std::make_unique<TemplateFormatter>(std::move(segments), options.binary));
}

}  // namespace slsflow::fmt
