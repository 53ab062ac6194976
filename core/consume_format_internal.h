// Building blocks shared by the consume formatters. Everything here appends
// to the caller's std::string and allocates nothing else on the common path.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/consume_format.h"
#include "sls.pb.h"

namespace slsflow::fmt {

using Binary = FormatOptions::Binary;

// Length of the valid UTF-8 sequence starting at p (1-4), or 0 when it is
// ill-formed; then *bad_len is the length of its maximal subpart (Unicode
// 15 §3.9, "U+FFFD substitution of maximal subparts", as WHATWG decodes),
// so that each bad subpart becomes exactly one U+FFFD.
size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end, size_t* bad_len);
bool IsValidUtf8(std::string_view s);

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// Appends s with every ill-formed subpart replaced by U+FFFD.
void AppendUtf8Repaired(std::string_view s, std::string* out);
// "base64:..." / "hex:..." (the text formats' marker for non-UTF-8 values).
void AppendBinaryMarked(std::string_view s, Binary mode, std::string* out);
// The bare encoding, no marker.
void AppendBinaryEncoded(std::string_view s, Binary mode, std::string* out);

// JSON string body (no quotes). With stop_on_invalid, returns false at the
// first ill-formed UTF-8 byte (out then holds a partial body the caller
// truncates); otherwise replaces bad subparts with \ufffd and returns true.
bool AppendJsonEscaped(std::string_view s, bool stop_on_invalid, std::string* out);
// A JSON value for a bytes field: "..." or, per `mode`, {"base64":"..."}.
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
bool ResolveField(const FieldRef& ref, const sls::LogGroup& group, const sls::Log& log,
                  const RecordMeta& meta, char* scratch, std::string_view* value);

// True when `value` is safe to emit as is in the text formats.
inline bool NeedsBinaryHandling(std::string_view value) { return !IsValidUtf8(value); }

std::unique_ptr<Formatter> MakeJsonlFormatter(const FormatOptions& options);
std::unique_ptr<Formatter> MakeRawFormatter(const FormatOptions& options);
std::unique_ptr<Formatter> MakePrettyFormatter(const FormatOptions& options);
Result<std::unique_ptr<Formatter>> MakeTemplateFormatter(const FormatOptions& options);
Result<std::unique_ptr<Formatter>> MakeDelimitedFormatter(const FormatOptions& options, bool tsv);

}  // namespace slsflow::fmt
