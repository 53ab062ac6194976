// Golden-output tests for every consume format. Expected bytes are spelled
// out here on purpose: a change in output is a change users see, and it
// must show up in review as a change to this file.
#include "core/consume/format.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "core/consume/format_internal.h"
#include "core/sls/crypto.h"
#include "sls.pb.h"
#include "tests/loggroup_view_util.h"

namespace slsflow {
namespace {

using Binary = FormatOptions::Binary;

struct KV {
  std::string key;
  std::string value;
};

sls::LogGroup MakeGroup(const std::vector<KV>& contents, uint32_t time = 1795610096, std::string topic = "",
                        std::string source = "", const std::vector<KV>& tags = {}) {
  sls::LogGroup g;
  g.set_topic(topic);
  g.set_source(source);
  for (const KV& t : tags) {
    sls::LogTag* tag = g.add_logtags();
    tag->set_key(t.key);
    tag->set_value(t.value);
  }
  sls::Log* log = g.add_logs();
  log->set_time(time);
  for (const KV& c : contents) {
    sls::LogContent* kv = log->add_contents();
    kv->set_key(c.key);
    kv->set_value(c.value);
  }
  return g;
}

std::unique_ptr<Formatter> Make(FormatOptions o) {
  Result<std::unique_ptr<Formatter>> f = Formatter::Create(o);
  REQUIRE_MESSAGE(f.ok(), f.status().ToString());
  return std::move(f).value();
}

// Tests build groups with protobuf; formatters read them as consume
// decodes them, in place.
std::string Format(Formatter& f, const sls::LogGroup& g, RecordMeta meta = {}) {
  std::string out;
  const test::GroupView view(g);
  for (int i = 0; i < g.logs_size(); ++i) f.FormatLog(view, i, meta, &out);
  return out;
}

std::string Format(const FormatOptions& o, const sls::LogGroup& g, RecordMeta meta = {}) {
  return Format(*Make(o), g, meta);
}

FormatOptions Opts(std::string format) {
  FormatOptions o;
  o.format = std::move(format);
  return o;
}

std::string Jsonl(const sls::LogGroup& g, Binary binary = Binary::kReplace) {
  FormatOptions o = Opts("jsonl");
  o.binary = binary;
  return Format(o, g);
}

const std::string kTwoKb = [] {
  std::string s;
  for (int i = 0; s.size() < 2048; ++i) s += "0123456789abcdef"[i % 16];
  return s;
}();

// ---- jsonl -----------------------------------------------------------------

TEST_CASE("jsonl: key order, pseudo fields, tags, shard and cursor") {
  sls::LogGroup g = MakeGroup({{"level", "INFO"}, {"message", "hello world"}}, 1795610096, "web", "10.0.0.1",
                              {{"__hostname__", "h1"}, {"env", "prod"}});
  CHECK(Jsonl(g) ==
        "{\"__time__\":1795610096,\"__topic__\":\"web\",\"__source__\":\"10.0.0.1\","
        "\"__tag__:__hostname__\":\"h1\",\"__tag__:env\":\"prod\","
        "\"level\":\"INFO\",\"message\":\"hello world\"}\n");

  g.mutable_logs(0)->set_timens(123456789);
  FormatOptions o = Opts("jsonl");
  o.with_shard = true;
  o.with_cursor = true;
  RecordMeta meta{"app", 3, "MTcwMDAwMDAwMDAwMDAwMDAwMQ=="};
  CHECK(Format(o, g, meta) ==
        "{\"__time__\":1795610096,\"__time_ns__\":123456789,\"__topic__\":\"web\","
        "\"__source__\":\"10.0.0.1\",\"__tag__:__hostname__\":\"h1\",\"__tag__:env\":\"prod\","
        "\"level\":\"INFO\",\"message\":\"hello world\",\"__shard__\":3,"
        "\"__cursor__\":\"MTcwMDAwMDAwMDAwMDAwMDAwMQ==\"}\n");
}

TEST_CASE("jsonl: empty group fields, empty values, no contents") {
  CHECK(Jsonl(MakeGroup({}, 0)) == "{\"__time__\":0,\"__topic__\":\"\",\"__source__\":\"\"}\n");
  CHECK(Jsonl(MakeGroup({{"", ""}, {"k", ""}}, 7)) ==
        "{\"__time__\":7,\"__topic__\":\"\",\"__source__\":\"\",\"\":\"\",\"k\":\"\"}\n");
}

TEST_CASE("jsonl: escaping of controls, quotes, backslash; unicode verbatim") {
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  CHECK(Jsonl(MakeGroup({{"c", controls}}, 1)) ==
        "{\"__time__\":1,\"__topic__\":\"\",\"__source__\":\"\",\"c\":\""
        "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e"
        "\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a"
        "\\u001b\\u001c\\u001d\\u001e\\u001f\"}\n");
  CHECK(Jsonl(MakeGroup({{"q\"k\\", "say \"hi\" \\ back\x7f"}}, 1)) ==
        "{\"__time__\":1,\"__topic__\":\"\",\"__source__\":\"\","
        "\"q\\\"k\\\\\":\"say \\\"hi\\\" \\\\ back\x7f\"}\n");
  // CJK, emoji (4 bytes), U+2028 and the largest code point stay as bytes.
  std::string uni = "日志 \xF0\x9F\x98\x80 \xE2\x80\xA8 \xF4\x8F\xBF\xBF é";
  CHECK(Jsonl(MakeGroup({{"消息", uni}}, 1)) ==
        "{\"__time__\":1,\"__topic__\":\"\",\"__source__\":\"\",\"消息\":\"" + uni + "\"}\n");
  // Escapes right at the 8-byte word boundaries of the fast path.
  CHECK(Jsonl(MakeGroup({{"k", "1234567\n12345678\"abcdefgh"}}, 1)) ==
        "{\"__time__\":1,\"__topic__\":\"\",\"__source__\":\"\","
        "\"k\":\"1234567\\n12345678\\\"abcdefgh\"}\n");
}

TEST_CASE("jsonl: 2 KB values are copied whole") {
  std::string big = kTwoKb;
  big[1000] = '\n';
  std::string expected_value = kTwoKb.substr(0, 1000) + "\\n" + kTwoKb.substr(1001);
  CHECK(Jsonl(MakeGroup({{"big", big}}, 1)) ==
        "{\"__time__\":1,\"__topic__\":\"\",\"__source__\":\"\",\"big\":\"" + expected_value + "\"}\n");
}

TEST_CASE("jsonl: invalid UTF-8 becomes one U+FFFD per maximal subpart") {
  auto value_of = [](const std::string& v) {
    std::string line = Jsonl(MakeGroup({{"v", v}}, 1));
    const std::string prefix = "{\"__time__\":1,\"__topic__\":\"\",\"__source__\":\"\",\"v\":\"";
    REQUIRE(line.substr(0, prefix.size()) == prefix);
    REQUIRE(line.substr(line.size() - 3) == "\"}\n");
    return line.substr(prefix.size(), line.size() - prefix.size() - 3);
  };
  CHECK(value_of("a\xFFz") == "a\\ufffdz");
  CHECK(value_of("\xC3") == "\\ufffd");                                   // truncated at the end
  CHECK(value_of("\xE2\x82z") == "\\ufffdz");                             // truncated 3-byte: one subpart
  CHECK(value_of("\xF0\x9F\x98") == "\\ufffd");                           // truncated 4-byte
  CHECK(value_of("\xC0\xAF") == "\\ufffd\\ufffd");                        // overlong: two bad bytes
  CHECK(value_of("\xED\xA0\x80") == "\\ufffd\\ufffd\\ufffd");             // surrogate
  CHECK(value_of("\xF4\x90\x80\x80") == "\\ufffd\\ufffd\\ufffd\\ufffd");  // > U+10FFFF
  CHECK(value_of("\x80\x80") == "\\ufffd\\ufffd");                        // stray continuations
  CHECK(value_of("ok\xE6\x97\xA5\xE6\x97") == "ok\xE6\x97\xA5\\ufffd");
  // A bad key is repaired too (JSON keys must be strings).
  CHECK(Jsonl(MakeGroup({{"k\xFF", "v"}}, 1)) ==
        "{\"__time__\":1,\"__topic__\":\"\",\"__source__\":\"\",\"k\\ufffd\":\"v\"}\n");
}

TEST_CASE("jsonl: --binary base64|hex writes non-UTF-8 values as objects") {
  sls::LogGroup g =
      MakeGroup({{"bin", std::string("\x00\xFF\xFEz", 4)}, {"text", "ok"}}, 1, "t\xC3", "s", {{"tk", "\xFF"}});
  CHECK(Jsonl(g, Binary::kBase64) ==
        "{\"__time__\":1,\"__topic__\":{\"base64\":\"dMM=\"},\"__source__\":\"s\","
        "\"__tag__:tk\":{\"base64\":\"/w==\"},\"bin\":{\"base64\":\"AP/+eg==\"},\"text\":\"ok\"}\n");
  CHECK(Jsonl(g, Binary::kHex) ==
        "{\"__time__\":1,\"__topic__\":{\"hex\":\"74c3\"},\"__source__\":\"s\","
        "\"__tag__:tk\":{\"hex\":\"ff\"},\"bin\":{\"hex\":\"00fffe7a\"},\"text\":\"ok\"}\n");
  // Valid UTF-8 with controls stays a plain string in binary modes.
  CHECK(Jsonl(MakeGroup({{"k", "a\tb"}}, 1), Binary::kBase64) ==
        "{\"__time__\":1,\"__topic__\":\"\",\"__source__\":\"\",\"k\":\"a\\tb\"}\n");
}

TEST_CASE("jsonl: values larger than the internal record buffer, in every mode") {
  // 40 KB of text with escapes and multi-byte characters spread through it,
  // so escapes straddle every internal flush point.
  std::string big;
  for (int i = 0; big.size() < 40000; ++i) big += (i % 7 == 0) ? "\"q\"\n日" : "abcdefghij";
  std::string bad = big + "\xFF";  // invalid only at the very end
  sls::LogGroup g = MakeGroup({{"first", "x"}, {"big", big}, {"bad", bad}, {"last", "y"}}, 1);
  for (Binary mode : {Binary::kReplace, Binary::kBase64, Binary::kHex}) {
    std::string line = Jsonl(g, mode);
    nlohmann::json j = nlohmann::json::parse(line);
    CHECK(j["first"] == "x");
    CHECK(j["big"].get<std::string>() == big);
    CHECK(j["last"] == "y");
    if (mode == Binary::kReplace) {
      CHECK(j["bad"].get<std::string>() == big + "\xEF\xBF\xBD");
    } else if (mode == Binary::kBase64) {
      std::string decoded;
      REQUIRE(Base64Decode(j["bad"]["base64"].get<std::string>(), &decoded));
      CHECK(decoded == bad);
    } else {
      CHECK(j["bad"]["hex"].get<std::string>() == HexLower(bad));
    }
    // Appending after existing buffer content keeps that content intact.
    std::string out = "keep";
    Make([mode] {
      FormatOptions o = Opts("jsonl");
      o.binary = mode;
      return o;
    }())
        ->FormatLog(test::GroupView(g), 0, {}, &out);
    CHECK(out == "keep" + line);
  }
}

std::string RandomUtf8(std::mt19937& rng, size_t max_len) {
  static const char* kPieces[] = {
      "a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\x7f", "é", "日", "\xF0\x9F\x98\x80", "\xE2\x80\xA8",
      "{", "}"};
  std::uniform_int_distribution<size_t> len(0, max_len);
  std::uniform_int_distribution<size_t> pick(0, std::size(kPieces) - 1);
  std::string s;
  for (size_t i = 0, n = len(rng); i < n; ++i) s += kPieces[pick(rng)];
  return s;
}

std::string RandomBytes(std::mt19937& rng, size_t max_len) {
  std::uniform_int_distribution<size_t> len(0, max_len);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string s;
  for (size_t i = 0, n = len(rng); i < n; ++i) s.push_back(static_cast<char>(byte(rng)));
  return s;
}

TEST_CASE("jsonl: lines parse with nlohmann::json and give back keys and values") {
  std::mt19937 rng(42);
  for (int round = 0; round < 300; ++round) {
    std::vector<KV> contents;
    for (int i = 0; i < 5; ++i) {
      contents.push_back({"k" + std::to_string(i) + RandomUtf8(rng, 4), RandomUtf8(rng, 40)});
    }
    contents.push_back({"big", kTwoKb});
    sls::LogGroup g =
        MakeGroup(contents, 1795610096 + round, RandomUtf8(rng, 8), RandomUtf8(rng, 8), {{"t", RandomUtf8(rng, 8)}});
    std::string line = Jsonl(g);
    REQUIRE(line.back() == '\n');
    REQUIRE(line.find('\n') == line.size() - 1);
    nlohmann::json j = nlohmann::json::parse(line);
    CHECK(j["__time__"].get<int64_t>() == 1795610096 + round);
    CHECK(j["__topic__"].get<std::string>() == g.topic());
    CHECK(j["__source__"].get<std::string>() == g.source());
    CHECK(j["__tag__:t"].get<std::string>() == g.logtags(0).value());
    // Key order is the log's order, after the pseudo fields.
    std::vector<std::string> keys;
    nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(line);
    for (const auto& item : ordered.items()) keys.push_back(item.key());
    REQUIRE(keys.size() == 4 + contents.size());
    for (size_t i = 0; i < contents.size(); ++i) {
      CHECK(keys[4 + i] == contents[i].key);
      CHECK(j[contents[i].key].get<std::string>() == contents[i].value);
    }
  }
}

TEST_CASE("jsonl: arbitrary bytes always give valid JSON; base64 and hex decode exactly") {
  std::mt19937 rng(7);
  for (int round = 0; round < 500; ++round) {
    std::string value = RandomBytes(rng, 64);
    sls::LogGroup g = MakeGroup({{"v", value}}, 1);
    // Replace mode: always valid UTF-8 JSON (nlohmann rejects bad UTF-8).
    nlohmann::json j = nlohmann::json::parse(Jsonl(g));
    CHECK(j["v"].is_string());
    if (IsValidUtf8(value)) CHECK(j["v"].get<std::string>() == value);

    nlohmann::json b = nlohmann::json::parse(Jsonl(g, Binary::kBase64));
    if (b["v"].is_string()) {
      CHECK(IsValidUtf8(value));
      CHECK(b["v"].get<std::string>() == value);
    } else {
      CHECK_FALSE(IsValidUtf8(value));
      std::string decoded;
      REQUIRE(Base64Decode(b["v"]["base64"].get<std::string>(), &decoded));
      CHECK(decoded == value);
    }
    nlohmann::json h = nlohmann::json::parse(Jsonl(g, Binary::kHex));
    if (!h["v"].is_string()) CHECK(h["v"]["hex"].get<std::string>() == HexLower(value));
  }
}

TEST_CASE("jsonl: byte-stable and appends without disturbing the buffer") {
  sls::LogGroup g = MakeGroup({{"a", "1"}, {"b", "x\xFFy"}}, 5, "t", "s", {{"k", "v"}});
  g.add_logs()->CopyFrom(g.logs(0));
  auto f = Make(Opts("jsonl"));
  std::string out = "prefix|";
  const test::GroupView view(g);
  f->FormatLog(view, 0, {}, &out);
  f->FormatLog(view, 1, {}, &out);
  std::string line =
      "{\"__time__\":5,\"__topic__\":\"t\",\"__source__\":\"s\",\"__tag__:k\":\"v\","
      "\"a\":\"1\",\"b\":\"x\\ufffdy\"}\n";
  CHECK(out == "prefix|" + line + line);
  CHECK(f->Header().empty());
}

// ---- UTF-8 helpers -----------------------------------------------------------

TEST_CASE("utf8: validation agrees with the definition") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ascii that is longer than eight bytes"));
  CHECK(IsValidUtf8("\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF"));
  for (const char* bad : {"\xC1\xBF", "\xE0\x9F\xBF", "\xED\xA0\x80", "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80",
                          "\xF5\x80\x80\x80", "\xFF", "\x80", "abcdefgh\xC3"}) {
    CHECK_FALSE(IsValidUtf8(bad));
  }
  std::string repaired;
  fmt::AppendUtf8Repaired(
      "a\xE2\x82\xFF"
      "b",
      &repaired);
  CHECK(repaired ==
        "a\xEF\xBF\xBD\xEF\xBF\xBD"
        "b");
}

// ---- raw ---------------------------------------------------------------------

TEST_CASE("raw: the field's bytes, nothing for a log without it") {
  FormatOptions o = Opts("raw");
  o.raw_field = "message";
  sls::LogGroup g = MakeGroup({{"level", "INFO"}, {"message", "line \"one\"\twith\\tabs"}});
  CHECK(Format(o, g) == "line \"one\"\twith\\tabs\n");
  CHECK(Format(o, MakeGroup({{"level", "INFO"}})) == "");
  CHECK(Format(o, MakeGroup({{"message", ""}})) == "\n");
  CHECK(Format(o, MakeGroup({{"message", "日志 \xFF"}})) == "日志 \xFF\n");  // verbatim
  CHECK(Format(o, MakeGroup({{"message", kTwoKb}})) == kTwoKb + "\n");
  o.binary = Binary::kBase64;
  CHECK(Format(o, MakeGroup({{"message", "\xFF\xFE"}})) == "base64://4=\n");
  CHECK(Format(o, MakeGroup({{"message", "日志"}})) == "日志\n");
  o.binary = Binary::kHex;
  CHECK(Format(o, MakeGroup({{"message", "\xFF\xFE"}})) == "hex:fffe\n");
  // The default field is "content".
  CHECK(Format(Opts("raw"), MakeGroup({{"content", "c"}})) == "c\n");
}

// ---- template ----------------------------------------------------------------

TEST_CASE("template: fields, pseudo fields, modifiers, escapes and braces") {
  FormatOptions o = Opts("template");
  o.tmpl =
      "{__time__:iso} {__time__} {__time__:unix} [{level}] {message}\\t{__topic__}/{__source__}"
      " {__tag__:host} #{__shard__} {__logstore__} {__cursor__} {{lit}} {missing}|"
      "{ts:iso} {ts_frac:iso} {bad_ts:iso}\\n--";
  sls::LogGroup g = MakeGroup({{"level", "WARN"},
                               {"message", "disk 91%"},
                               {"ts", "1709208000"},
                               {"ts_frac", "1709208000.25"},
                               {"bad_ts", "soon"}},
                              1795610096, "web", "10.0.0.1", {{"host", "h1"}});
  RecordMeta meta{"app", 2, "CUR"};
  CHECK(Format(o, g, meta) ==
        "2026-11-25T12:34:56Z 1795610096 1795610096 [WARN] disk 91%\tweb/10.0.0.1 h1 #2 app CUR "
        "{lit} |2024-02-29T12:00:00Z 2024-02-29T12:00:00.250Z soon\n--\n");

  g.mutable_logs(0)->set_timens(5000000);
  o.tmpl = "{__time__:iso} {__time_ns__}";
  CHECK(Format(o, g) == "2026-11-25T12:34:56.005Z 5000000\n");
}

TEST_CASE("template: values are written as stored, UTF-8 repaired or marked") {
  FormatOptions o = Opts("template");
  o.tmpl = "<{v}>";
  CHECK(Format(o, MakeGroup({{"v", "multi\nline \"q\" 日志"}})) == "<multi\nline \"q\" 日志>\n");
  CHECK(Format(o, MakeGroup({{"v", "a\xFF"}})) == "<a\xEF\xBF\xBD>\n");
  CHECK(Format(o, MakeGroup({{"v", ""}})) == "<>\n");
  CHECK(Format(o, MakeGroup({{"v", kTwoKb}})) == "<" + kTwoKb + ">\n");
  o.binary = Binary::kBase64;
  CHECK(Format(o, MakeGroup({{"v", "a\xFF"}})) == "<base64:Yf8=>\n");
}

TEST_CASE("template: bad templates are usage errors") {
  for (const char* bad :
       {"", "{", "{unclosed", "a}b", "{}", "{x:nope}", "{__time__:iso8601}", "{__tag__:}", "{a{b}", "{:iso}"}) {
    FormatOptions o = Opts("template");
    o.tmpl = bad;
    INFO(bad);
    auto f = Formatter::Create(o);
    REQUIRE_FALSE(f.ok());
    CHECK(f.status().kind() == ErrorKind::kUsage);
  }
}

// ---- csv / tsv ---------------------------------------------------------------

TEST_CASE("csv: header, RFC 4180 quoting, default columns") {
  FormatOptions o = Opts("csv");
  o.fields = {"__time__", "level", "message", "__tag__:host", "missing"};
  auto f = Make(o);
  CHECK(f->Header() == "__time__,level,message,__tag__:host,missing\n");
  sls::LogGroup g = MakeGroup({{"level", "INFO"}, {"message", "a,b \"c\"\nd"}}, 9, "", "", {{"host", "h1"}});
  CHECK(Format(*f, g) == "9,INFO,\"a,b \"\"c\"\"\nd\",h1,\n");
  CHECK(Format(*f, MakeGroup({{"level", ""}, {"message", "日志\r"}}, 9)) == "9,,\"日志\r\",,\n");
  CHECK(Format(*f, MakeGroup({{"message", kTwoKb}}, 9)) == "9,," + kTwoKb + ",,\n");
  CHECK(Format(*f, MakeGroup({{"message", "x\xFF"}}, 9)) == "9,,x\xEF\xBF\xBD,,\n");

  auto d = Make(Opts("csv"));
  CHECK(DefaultCsvFields() == std::vector<std::string>{"__time__", "content"});
  CHECK(d->Header() == "__time__,content\n");
  CHECK(Format(*d, MakeGroup({{"content", "raw line"}, {"other", "x"}}, 3)) == "3,raw line\n");

  o.fields = {"a,b", "q\""};
  CHECK(Make(o)->Header() == "\"a,b\",\"q\"\"\"\n");
  o.fields = {"v"};
  o.binary = Binary::kHex;
  CHECK(Format(o, MakeGroup({{"v", "\xFF,"}})) == "hex:ff2c\n");
  o.fields = {"bad:modifier"};
  CHECK(Formatter::Create(o).status().kind() == ErrorKind::kUsage);
}

TEST_CASE("tsv: header and backslash escapes, no quoting") {
  FormatOptions o = Opts("tsv");
  o.fields = {"__time__:iso", "msg", "__topic__"};
  auto f = Make(o);
  CHECK(f->Header() == "__time__:iso\tmsg\t__topic__\n");
  CHECK(Format(*f, MakeGroup({{"msg", "a\tb\nc\rd\\e \"q\",日"}}, 0, "t")) ==
        "1970-01-01T00:00:00Z\ta\\tb\\nc\\rd\\\\e \"q\",日\tt\n");
  CHECK(Format(*f, MakeGroup({{"msg", ""}}, 0)) == "1970-01-01T00:00:00Z\t\t\n");
  o.binary = Binary::kBase64;
  CHECK(Format(o, MakeGroup({{"msg", "\xFF\t"}}, 0)) == "1970-01-01T00:00:00Z\tbase64:/wk=\t\n");
}

// ---- pretty ------------------------------------------------------------------

TEST_CASE("pretty: time first, topic/source, key=value with logfmt quoting") {
  FormatOptions o = Opts("pretty");
  sls::LogGroup g = MakeGroup(
      {{"level", "ERROR"}, {"msg", "disk full"}, {"empty", ""}, {"eq", "a=b"}, {"path", "/var/log"}, {"uni", "日志"}},
      1795610096, "web", "10.0.0.1", {{"host", "h1"}});
  CHECK(Format(o, g) ==
        "2026-11-25T12:34:56.000Z web 10.0.0.1 level=ERROR msg=\"disk full\" empty=\"\" "
        "eq=\"a=b\" path=/var/log uni=日志\n");
  g.mutable_logs(0)->set_timens(123999999);
  o.with_shard = true;
  o.with_cursor = true;
  CHECK(Format(o, g, RecordMeta{"app", 1, "CUR"}) ==
        "2026-11-25T12:34:56.123Z #1 web 10.0.0.1 level=ERROR msg=\"disk full\" empty=\"\" "
        "eq=\"a=b\" path=/var/log uni=日志 cursor=CUR\n");
  // No topic/source: nothing printed for them.
  CHECK(Format(Opts("pretty"), MakeGroup({{"k", "v"}}, 0)) == "1970-01-01T00:00:00.000Z k=v\n");
}

TEST_CASE("pretty: colour codes only when asked") {
  FormatOptions o = Opts("pretty");
  o.color = true;
  sls::LogGroup g = MakeGroup({{"level", "warning"}, {"msg", "x"}}, 0, "web");
  CHECK(Format(o, g) ==
        "\x1b[36m1970-01-01T00:00:00.000Z\x1b[0m \x1b[2mweb\x1b[0m "
        "\x1b[34mlevel\x1b[0m=\x1b[33mwarning\x1b[0m \x1b[34mmsg\x1b[0m=x\n");
}

TEST_CASE("pretty: logs cannot emit terminal control sequences") {
  FormatOptions o = Opts("pretty");
  sls::LogGroup g = MakeGroup(
      {{"k\x1b", "\x1b[31mred\x07"}, {"nl", "a\nb\\c"}, {"c1", "x\xC2\x9By"}, {"bad", "\xFF"}, {"del", "\x7f"}}, 0);
  CHECK(Format(o, g) ==
        "1970-01-01T00:00:00.000Z k\\x1b=\"\\x1b[31mred\\x07\" nl=\"a\\nb\\\\c\" "
        "c1=\"x\\u009by\" bad=\xEF\xBF\xBD del=\"\\x7f\"\n");
  o.binary = Binary::kBase64;
  CHECK(Format(o, MakeGroup({{"bad", "\xFF"}}, 0)) == "1970-01-01T00:00:00.000Z bad=base64:/w==\n");
  CHECK(Format(o, MakeGroup({{"v", kTwoKb}}, 0)) == "1970-01-01T00:00:00.000Z v=" + kTwoKb + "\n");
}

// ---- every format over the same awkward values ---------------------------------

TEST_CASE("every format: empty, unicode, control, invalid UTF-8 and 2 KB values") {
  const sls::LogGroup g =
      MakeGroup({{"e", ""}, {"u", "日志 \xF0\x9F\x98\x80"}, {"c", "a\x01\tb\nc"}, {"i", "x\xFFy"}, {"b", kTwoKb}},
                1795610096, "t", "s");
  const std::string fffd = "\xEF\xBF\xBD";
  struct Case {
    const char* name;
    FormatOptions options;
    std::string expected;
  };
  auto opts = [](const char* format, Binary binary = Binary::kReplace) {
    FormatOptions o = Opts(format);
    o.binary = binary;
    o.tmpl = "{e}|{u}|{c}|{i}|{b}";
    o.fields = {"e", "u", "c", "i", "b"};
    return o;
  };
  const Case cases[] = {
      {"jsonl", opts("jsonl"),
       "{\"__time__\":1795610096,\"__topic__\":\"t\",\"__source__\":\"s\",\"e\":\"\","
       "\"u\":\"日志 \xF0\x9F\x98\x80\",\"c\":\"a\\u0001\\tb\\nc\",\"i\":\"x\\ufffdy\","
       "\"b\":\"" +
           kTwoKb + "\"}\n"},
      {"jsonl base64", opts("jsonl", Binary::kBase64),
       "{\"__time__\":1795610096,\"__topic__\":\"t\",\"__source__\":\"s\",\"e\":\"\","
       "\"u\":\"日志 \xF0\x9F\x98\x80\",\"c\":\"a\\u0001\\tb\\nc\",\"i\":{\"base64\":\"eP95\"},"
       "\"b\":\"" +
           kTwoKb + "\"}\n"},
      {"template", opts("template"), "|日志 \xF0\x9F\x98\x80|a\x01\tb\nc|x" + fffd + "y|" + kTwoKb + "\n"},
      {"template hex", opts("template", Binary::kHex),
       "|日志 \xF0\x9F\x98\x80|a\x01\tb\nc|hex:78ff79|" + kTwoKb + "\n"},
      {"csv", opts("csv"), ",日志 \xF0\x9F\x98\x80,\"a\x01\tb\nc\",x" + fffd + "y," + kTwoKb + "\n"},
      {"tsv", opts("tsv"), "\t日志 \xF0\x9F\x98\x80\ta\x01\\tb\\nc\tx" + fffd + "y\t" + kTwoKb + "\n"},
      {"tsv base64", opts("tsv", Binary::kBase64),
       "\t日志 \xF0\x9F\x98\x80\ta\x01\\tb\\nc\tbase64:eP95\t" + kTwoKb + "\n"},
      {"pretty", opts("pretty"),
       "2026-11-25T12:34:56.000Z t s e=\"\" u=\"日志 \xF0\x9F\x98\x80\" c=\"a\\x01\\tb\\nc\" i=x" + fffd +
           "y b=" + kTwoKb + "\n"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    CHECK(Format(c.options, g) == c.expected);
  }
  // raw: one field at a time, bytes as stored.
  for (const KV& kv : std::vector<KV>{
           {"e", ""}, {"u", "日志 \xF0\x9F\x98\x80"}, {"c", "a\x01\tb\nc"}, {"i", "x\xFFy"}, {"b", kTwoKb}}) {
    FormatOptions o = Opts("raw");
    o.raw_field = kv.key;
    CHECK(Format(o, g) == kv.value + "\n");
  }
}

// ---- factory -----------------------------------------------------------------

TEST_CASE("Create: unknown formats and options are usage errors") {
  CHECK(Formatter::Create(Opts("xml")).status().kind() == ErrorKind::kUsage);
  CHECK(Formatter::Create(Opts("")).status().kind() == ErrorKind::kUsage);
  FormatOptions raw = Opts("raw");
  raw.raw_field.clear();
  CHECK(Formatter::Create(raw).status().kind() == ErrorKind::kUsage);
  CHECK(*ParseBinaryMode("base64") == Binary::kBase64);
  CHECK(*ParseBinaryMode("hex") == Binary::kHex);
  CHECK(*ParseBinaryMode("replace") == Binary::kReplace);
  CHECK(ParseBinaryMode("b64").status().kind() == ErrorKind::kUsage);
  CHECK(Formatter::Create(Opts("json")).ok());  // alias
}

}  // namespace
}  // namespace slsflow
