// Formatter factory and the field references shared by template and csv.
#include "core/consume/format.h"

#include <charconv>

#include "core/base/time_grammar.h"
#include "core/consume/format_internal.h"

namespace slsflow {

Result<FormatOptions::Binary> ParseBinaryMode(std::string_view text) {
  if (text == "replace") return FormatOptions::Binary::kReplace;
  if (text == "base64") return FormatOptions::Binary::kBase64;
  if (text == "hex") return FormatOptions::Binary::kHex;
  return Status::Usage("bad --binary '" + std::string(text) + "': use replace (U+FFFD, the default), base64 or hex");
}

std::vector<std::string> DefaultCsvFields() {
  return {"__time__", "content"};
}

Result<std::unique_ptr<Formatter>> Formatter::Create(const FormatOptions& options) {
  const std::string& f = options.format;
  if (f == "jsonl" || f == "json") return fmt::MakeJsonlFormatter(options);
  if (f == "pretty") return fmt::MakePrettyFormatter(options);
  if (f == "raw") {
    if (options.raw_field.empty()) return Status::Usage("-f raw needs --field NAME");
    return fmt::MakeRawFormatter(options);
  }
  if (f == "template") return fmt::MakeTemplateFormatter(options);
  if (f == "csv") return fmt::MakeDelimitedFormatter(options, false);
  if (f == "tsv") return fmt::MakeDelimitedFormatter(options, true);
  return Status::Usage("unknown format '" + f + "': use jsonl, raw, template (-F), csv, tsv or pretty");
}

namespace fmt {

Result<FieldRef> ParseFieldRef(std::string_view spec) {
  FieldRef ref;
  constexpr std::string_view kTagPrefix = "__tag__:";
  if (spec.substr(0, kTagPrefix.size()) == kTagPrefix) {
    ref.kind = FieldRef::kTag;
    ref.name = std::string(spec.substr(kTagPrefix.size()));
    if (ref.name.empty()) return Status::Usage("empty tag name in '" + std::string(spec) + "'");
    return ref;
  }
  std::string_view name = spec;
  std::string_view modifier;
  if (size_t colon = spec.rfind(':'); colon != std::string_view::npos) {
    name = spec.substr(0, colon);
    modifier = spec.substr(colon + 1);
  }
  if (name.empty()) return Status::Usage("empty field name in '" + std::string(spec) + "'");
  auto bad_modifier = [&]() {
    return Status::Usage("unknown modifier '" + std::string(modifier) + "' in '" + std::string(spec) +
                         "': use NAME, NAME:iso, __time__:unix or __tag__:KEY");
  };
  if (name == "__time__") {
    if (modifier.empty() || modifier == "unix") {
      ref.kind = FieldRef::kTime;
    } else if (modifier == "iso") {
      ref.kind = FieldRef::kTimeIso;
    } else {
      return bad_modifier();
    }
    return ref;
  }
  if (!modifier.empty() && modifier != "iso") return bad_modifier();
  if (modifier.empty()) {
    static constexpr struct {
      std::string_view name;
      FieldRef::Kind kind;
    } kPseudo[] = {{"__time_ns__", FieldRef::kTimeNs}, {"__topic__", FieldRef::kTopic},
                   {"__source__", FieldRef::kSource},  {"__shard__", FieldRef::kShard},
                   {"__cursor__", FieldRef::kCursor},  {"__logstore__", FieldRef::kLogstore}};
    for (const auto& p : kPseudo) {
      if (name == p.name) {
        ref.kind = p.kind;
        return ref;
      }
    }
  }
  ref.kind = modifier.empty() ? FieldRef::kContent : FieldRef::kContentIso;
  ref.name = std::string(name);
  return ref;
}

namespace {

bool FindContent(const LogView& log, std::string_view key, std::string_view* value) {
  for (const KeyValueView& kv : log.contents()) {
    if (kv.key() == key) {
      *value = kv.value();
      return true;
    }
  }
  return false;
}

std::string_view IntInto(int64_t v, char* scratch) {
  auto r = std::to_chars(scratch, scratch + 24, v);
  return std::string_view(scratch, static_cast<size_t>(r.ptr - scratch));
}

std::string_view IsoInto(int64_t seconds, int64_t nanos, bool millis, char* scratch) {
  return std::string_view(scratch, FormatRfc3339Utc(seconds, nanos, millis, scratch));
}

}  // namespace

bool ResolveField(const FieldRef& ref, const LogGroupView& group, const LogView& log, const RecordMeta& meta,
                  char* scratch, std::string_view* value) {
  switch (ref.kind) {
    case FieldRef::kContent: {
      return FindContent(log, ref.name, value);
    }
    case FieldRef::kContentIso: {
      std::string_view stored;
      if (!FindContent(log, ref.name, &stored)) return false;
      const std::string_view* v = &stored;
      // Unix seconds, optionally with a fraction; anything else is shown as
      // stored rather than dropped.
      int64_t secs = 0;
      const char* b = v->data();
      const char* e = b + v->size();
      auto r = std::from_chars(b, e, secs);
      if (r.ec != std::errc() || secs < 0 || secs > 253402300799LL) {
        *value = *v;
        return true;
      }
      int64_t nanos = 0;
      bool frac = false;
      if (r.ptr < e && *r.ptr == '.') {
        frac = true;
        int64_t scale = 100000000;
        for (const char* p = r.ptr + 1; p < e; ++p) {
          if (*p < '0' || *p > '9') {
            *value = *v;
            return true;
          }
          nanos += (*p - '0') * scale;
          scale /= 10;
        }
      } else if (r.ptr != e) {
        *value = *v;
        return true;
      }
      *value = IsoInto(secs, nanos, frac, scratch);
      return true;
    }
    case FieldRef::kTime:
      *value = IntInto(log.time(), scratch);
      return true;
    case FieldRef::kTimeIso:
      *value = IsoInto(log.time(), log.timens(), log.has_timens(), scratch);
      return true;
    case FieldRef::kTimeNs:
      if (!log.has_timens()) return false;
      *value = IntInto(log.timens(), scratch);
      return true;
    case FieldRef::kTopic:
      *value = group.topic();
      return true;
    case FieldRef::kSource:
      *value = group.source();
      return true;
    case FieldRef::kTag:
      for (const KeyValueView& tag : group.logtags()) {
        if (tag.key() == ref.name) {
          *value = tag.value();
          return true;
        }
      }
      return false;
    case FieldRef::kShard:
      *value = IntInto(meta.shard, scratch);
      return true;
    case FieldRef::kCursor:
      *value = meta.cursor;
      return true;
    case FieldRef::kLogstore:
      *value = meta.logstore;
      return true;
  }
  return false;
}

}  // namespace fmt
}  // namespace slsflow
