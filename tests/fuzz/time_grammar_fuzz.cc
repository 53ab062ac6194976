// Fuzzes the text-facing parts of consume: the --from/--to grammar, the
// duration parser, the -F template compiler and the formatters' escapers.
//
// Byte 0 picks what to fuzz; the rest is the input:
//   0: ParseTimeSpec + ParseDurationMicros, with range and round-trip checks
//   1: jsonl of arbitrary bytes: the line must be valid JSON that gives the
//      value back (exactly when UTF-8, via {"base64":..} otherwise)
//   2: a fuzzed -F template and the other formats over arbitrary bytes
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/base/time_grammar.h"
#include "core/consume/format.h"
#include "core/consume/format_internal.h"
#include "core/sls/crypto.h"
#include "sls.pb.h"
#include "tests/loggroup_view_util.h"

namespace {

constexpr int64_t kNow = 1795610096;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void FuzzTime(std::string_view text) {
  slsflow::Result<slsflow::TimeSpec> spec = slsflow::ParseTimeSpec(text, kNow);
  if (spec.ok()) {
    if (spec->kind == slsflow::TimeSpec::kUnix) {
      Check(spec->unix_seconds >= 0 && spec->unix_seconds <= 4294967295LL);
      // Whatever time we accepted prints and parses back to itself.
      std::string iso;
      slsflow::AppendRfc3339Utc(spec->unix_seconds, 0, false, &iso);
      slsflow::Result<slsflow::TimeSpec> again = slsflow::ParseTimeSpec(iso, kNow);
      Check(again.ok() && again->unix_seconds == spec->unix_seconds);
    }
  } else {
    Check(spec.status().kind() == slsflow::ErrorKind::kUsage);
  }
  slsflow::Result<int64_t> d = slsflow::ParseDurationMicros(text);
  if (d.ok())
    Check(*d >= 0);
  else
    Check(d.status().kind() == slsflow::ErrorKind::kUsage);
}

sls::LogGroup GroupOf(std::string_view value) {
  sls::LogGroup g;
  g.set_topic(std::string(value.substr(0, value.size() / 3)));
  auto* tag = g.add_logtags();
  tag->set_key("t");
  tag->set_value(std::string(value.substr(value.size() / 3)));
  auto* log = g.add_logs();
  log->set_time(1);
  auto* kv = log->add_contents();
  kv->set_key(std::string(value.substr(0, 4)));
  kv->set_value(std::string(value));
  kv = log->add_contents();
  kv->set_key("v");
  kv->set_value(std::string(value));
  return g;
}

void FuzzJsonl(std::string_view value) {
  const slsflow::test::GroupView g(GroupOf(value));  // formatters read decoded pulls
  for (auto mode : {slsflow::FormatOptions::Binary::kReplace, slsflow::FormatOptions::Binary::kBase64,
                    slsflow::FormatOptions::Binary::kHex}) {
    slsflow::FormatOptions o;
    o.binary = mode;
    o.with_shard = true;
    o.with_cursor = true;
    auto f = slsflow::Formatter::Create(o);
    Check(f.ok());
    std::string line;
    (*f)->FormatLog(g, 0, {"app", 1, value}, &line);
    Check(!line.empty() && line.back() == '\n' && line.find('\n') == line.size() - 1);
    Check(slsflow::IsValidUtf8(line));
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    Check(!j.is_discarded());
    const nlohmann::json& v = j["v"];
    if (slsflow::IsValidUtf8(value)) {
      Check(v.is_string() && v.get<std::string>() == value);
    } else if (mode == slsflow::FormatOptions::Binary::kBase64) {
      std::string decoded;
      Check(slsflow::Base64Decode(v["base64"].get<std::string>(), &decoded) && decoded == value);
    } else if (mode == slsflow::FormatOptions::Binary::kHex) {
      Check(v["hex"].get<std::string>() == slsflow::HexLower(value));
    } else {
      Check(v.is_string());
    }
  }
}

void FuzzTemplateAndText(std::string_view data) {
  // First line: the template; the rest: the values.
  size_t nl = data.find('\n');
  std::string_view tmpl = data.substr(0, nl);
  std::string_view value = nl == std::string_view::npos ? std::string_view() : data.substr(nl + 1);
  const slsflow::test::GroupView g(GroupOf(value));  // formatters read decoded pulls
  slsflow::FormatOptions o;
  o.format = "template";
  o.tmpl = std::string(tmpl);
  auto f = slsflow::Formatter::Create(o);
  if (f.ok()) {
    std::string out;
    (*f)->FormatLog(g, 0, {"app", 1, "c"}, &out);
    Check(!out.empty() && out.back() == '\n');
  } else {
    Check(f.status().kind() == slsflow::ErrorKind::kUsage);
  }
  for (const char* format : {"raw", "csv", "tsv", "pretty"}) {
    for (bool color : {false, true}) {
      slsflow::FormatOptions t;
      t.format = format;
      t.raw_field = "v";
      t.fields = {"v", "__tag__:t", "__time__:iso", "v:iso"};
      t.color = color;
      t.with_shard = true;
      t.with_cursor = true;
      auto tf = slsflow::Formatter::Create(t);
      Check(tf.ok());
      std::string out;
      (*tf)->FormatLog(g, 0, {"app", 1, value}, &out);
      Check(!out.empty() && out.back() == '\n');
      if (std::string_view(format) != "raw") Check(slsflow::IsValidUtf8(out));
      if (std::string_view(format) == "pretty" && !color) {
        // Nothing a log holds reaches the terminal as a control byte.
        for (size_t i = 0; i + 1 < out.size(); ++i) {
          unsigned char c = static_cast<unsigned char>(out[i]);
          Check(c >= 0x20 && c != 0x7F);
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0:
      FuzzTime(input);
      break;
    case 1:
      FuzzJsonl(input);
      break;
    default:
      FuzzTemplateAndText(input);
      break;
  }
  return 0;
}
