// Building blocks shared by the consume formatters. Everything here appends
// to the caller's std::string and allocates nothing else on the common path.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/utf8.h"
#include "core/consume/format.h"
#include "core/sls/loggroup_view.h"

namespace slsflow::fmt {

using Binary = FormatOptions::Binary;

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// Appends s with every ill-formed subpart replaced by U+FFFD.
void AppendUtf8Repaired(std::string_view s, std::string* out);
// "base64:..." / "hex:..." (the text formats' marker for non-UTF-8 values).
void AppendBinaryMarked(std::string_view s, Binary mode, std::string* out);
// The bare encoding, no marker.
void AppendBinaryEncoded(std::string_view s, Binary mode, std::string* out);

// A JSON value for a bytes field, exactly as the jsonl formatter writes it:
// "..." with \ufffd for ill-formed UTF-8, or per `mode` {"base64":"..."}.
void AppendJsonValue(std::string_view s, Binary mode, std::string* out);

template <typename Int>
inline void AppendInt(Int v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

// A column of csv/tsv or a {placeholder} of a template: a content field, a
// tag, or one of the pseudo fields.
struct FieldRef {
  enum Kind {
    kContent,     // name
    kContentIso,  // name:iso (the value read as unix seconds)
    kTime,        // __time__, __time__:unix
    kTimeIso,     // __time__:iso
    kTimeNs,      // __time_ns__
    kTopic,       // __topic__
    kSource,      // __source__
    kTag,         // __tag__:name
    kShard,       // __shard__
    kCursor,      // __cursor__
    kLogstore,    // __logstore__
  };
  Kind kind = kContent;
  std::string name;  // content key or tag key
};

// kUsage for an unknown modifier ("level:foo") or an empty name.
Result<FieldRef> ParseFieldRef(std::string_view spec);

// Resolves `ref` for one log. Numbers and times are rendered into
// `scratch` (at least 48 bytes). False when the field is absent.
bool ResolveField(const FieldRef& ref, const LogGroupView& group, const LogView& log, const RecordMeta& meta,
                  char* scratch, std::string_view* value);

std::unique_ptr<Formatter> MakeJsonlFormatter(const FormatOptions& options);
std::unique_ptr<Formatter> MakeRawFormatter(const FormatOptions& options);
std::unique_ptr<Formatter> MakePrettyFormatter(const FormatOptions& options);
Result<std::unique_ptr<Formatter>> MakeTemplateFormatter(const FormatOptions& options);
Result<std::unique_ptr<Formatter>> MakeDelimitedFormatter(const FormatOptions& options, bool tsv);

}  // namespace slsflow::fmt
