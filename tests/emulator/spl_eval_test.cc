// The SPL evaluator: text and numbers, null, like, casts, runtime
// failures, and what each command does to a log's fields.
#include <doctest/doctest.h>

#include <utility>

#include "core/sls/loggroup_view.h"
#include "emulator/spl_eval.h"
#include "sls.pb.h"

namespace slsflow::emulator::spl {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// Keeps the names and values that a Row views.
struct TestRow {
  explicit TestRow(Fields f) : fields(std::move(f)) {
    for (auto& [k, v] : fields) row.fields.push_back(RowField{k, Value::TextView(v)});
    row.time = 1700000000;
  }
  Fields fields;
  Row row;
};

Program MustParse(std::string_view q) {
  auto r = ParseSpl(q);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return std::move(*r);
}

// What `* | where <condition>` does to a log of `fields`: "kept", "dropped"
// or "failed: <why>".
std::string WhereOn(const std::string& condition, Fields fields) {
  Program p = MustParse("* | where " + condition);
  TestRow t(std::move(fields));
  std::string why;
  switch (RunProgram(p, &t.row, &why)) {
    case RowOutcome::kKept:
      return "kept";
    case RowOutcome::kDropped:
      return "dropped";
    case RowOutcome::kFailed:
      return "failed: " + why;
  }
  return "?";
}

// The value of `expr` on a log of `fields`, rendered: null, 'text', 12L,
// 1.5D, true/false, or "error: <why>".
std::string Eval(const std::string& expr, Fields fields = {}) {
  Program p = MustParse("* | extend result__ = " + expr);
  TestRow t(std::move(fields));
  auto v = Evaluate(*p.stages[0].assignments[0].value, t.row);
  if (!v.ok()) return "error: " + v.status().message();
  switch (v->kind()) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kText:
      return "'" + std::string(v->text()) + "'";
    case Value::Kind::kBigint:
      return v->ToText() + "L";
    case Value::Kind::kDouble:
      return v->ToText() + "D";
    case Value::Kind::kBoolean:
      return v->ToText();
  }
  return "?";
}

// The log after `query`, as "k=v k=v", or the outcome when not kept.
std::string Reshape(const std::string& query, Fields fields) {
  Program p = MustParse(query);
  TestRow t(std::move(fields));
  switch (RunProgram(p, &t.row)) {
    case RowOutcome::kDropped:
      return "<dropped>";
    case RowOutcome::kFailed:
      return "<failed>";
    case RowOutcome::kKept:
      break;
  }
  std::string s;
  for (const RowField& f : t.row.fields) {
    if (!s.empty()) s += " ";
    s += std::string(f.name) + "=" + f.value.ToText();
  }
  return s;
}

}  // namespace

TEST_CASE("ParseNumber takes whole decimal numbers only") {
  Value v;
  REQUIRE(ParseNumber("500", &v));
  CHECK(v.kind() == Value::Kind::kBigint);
  CHECK(v.bigint() == 500);
  REQUIRE(ParseNumber("-0012", &v));
  CHECK(v.bigint() == -12);
  REQUIRE(ParseNumber("+7", &v));
  CHECK(v.bigint() == 7);
  REQUIRE(ParseNumber("9223372036854775808", &v));  // past bigint: a double
  CHECK(v.kind() == Value::Kind::kDouble);
  for (const char* d : {"1.5", "-.5", "5.", "1e3", "2E-2", "+1.0e+1"}) {
    REQUIRE_MESSAGE(ParseNumber(d, &v), d);
    CHECK(v.kind() == Value::Kind::kDouble);
  }
  CHECK(v.double_value() == 10.0);
  for (const char* bad : {"", "-", "+", ".", "e3", "1e", "1e+", " 1", "1 ", "0x10", "1,000", "nan", "inf", "Infinity",
                          "1.2.3", "--1", "1e999", "12abc", "\xef\xbc\x91"}) {
    CHECK_MESSAGE(!ParseNumber(bad, &v), bad);
  }
}

TEST_CASE("LikeMatch: % any run, _ one UTF-8 character, everything else literal") {
  struct Case {
    const char* text;
    const char* pattern;
    bool match;
  };
  const Case cases[] = {
      {"www.example.com", "%www%", true},
      {"api.example.com", "%www%", false},
      {"abc", "abc", true},
      {"abc", "ab", false},
      {"abc", "a_c", true},
      {"ac", "a_c", false},
      {"abc", "%", true},
      {"", "%", true},
      {"", "", true},
      {"", "_", false},
      {"abc", "%%%c", true},
      {"abcabd", "%abd", true},
      {"aaaaaaaaab", "%a%a%b", true},
      {"aaaaaaaaaa", "%a%a%b", false},
      {"ERROR", "error", false},
      {"h\xc3\xa9llo", "h_llo", true},
      {"h\xc3\xa9llo", "h__llo", false},
      {"\xe4\xb8\xad", "_", true},
      {"\xff\xfe", "__", true},
      {"a%b", "a%b", true},
      {"a.b", "a\\.b", false},
      {"a\\.b", "a\\.b", true},
      {"mississippi", "%iss%pi", true},
      {"x", "x%", true},
  };
  for (const Case& c : cases) CHECK_MESSAGE(LikeMatch(c.text, c.pattern) == c.match, c.text, " like ", c.pattern);
}

TEST_CASE("text compares with text bytewise, and with a number numerically when it is one") {
  CHECK(WhereOn("level = 'ERROR'", {{"level", "ERROR"}}) == "kept");
  CHECK(WhereOn("level = 'ERROR'", {{"level", "error"}}) == "dropped");
  CHECK(WhereOn("level != 'ERROR'", {{"level", "INFO"}}) == "kept");
  CHECK(WhereOn("a < 'b'", {{"a", "B"}}) == "kept");                     // 'B' < 'b' in bytes
  CHECK(WhereOn("a > 'z'", {{"a", "\xc3\xa9"}}) == "kept");              // bytes compare unsigned
  CHECK(WhereOn("status = '500'", {{"status", "500.0"}}) == "dropped");  // text, not numbers
  CHECK(WhereOn("status = 500", {{"status", "500.0"}}) == "kept");
  CHECK(WhereOn("status >= 500", {{"status", "503"}}) == "kept");
  CHECK(WhereOn("status > 500", {{"status", "99"}}) == "dropped");  // 99 < 500 as numbers
  CHECK(WhereOn("status > '500'", {{"status", "99"}}) == "kept");   // '99' > '500' as text
  CHECK(WhereOn("latency < 0.5", {{"latency", "0.25"}}) == "kept");
  CHECK(WhereOn("latency < 1e-3", {{"latency", "2E-4"}}) == "kept");
  CHECK(WhereOn("big > 9223372036854775807", {{"big", "9223372036854775808"}}) == "kept");
}

TEST_CASE("a bigint against a double compares exactly, and NaN is unordered") {
  // 2^63 - 1 and 2^63 are the same double: compared as such, they would be equal.
  CHECK(Eval("9223372036854775807 = 9223372036854775808.0") == "false");
  CHECK(Eval("9223372036854775807 < 9223372036854775808.0") == "true");
  CHECK(Eval("9223372036854775808.0 > 9223372036854775807") == "true");
  CHECK(Eval("-9223372036854775808 = -9223372036854775808.0") == "true");
  CHECK(Eval("-9223372036854775808 > -1e19") == "true");
  CHECK(Eval("3 < 3.5") == "true");
  CHECK(Eval("3 = 3.0") == "true");
  CHECK(Eval("-3 > -3.5") == "true");
  CHECK(Eval("-4 < -3.5") == "true");
  CHECK(Eval("3.5 > 3") == "true");
  const std::string nan = "(1e308 * 10 - 1e308 * 10)";
  CHECK(Eval(nan + " = " + nan) == "false");
  CHECK(Eval(nan + " != 1") == "true");
  CHECK(Eval(nan + " < 1") == "false");
  CHECK(Eval("1 >= " + nan) == "false");
  CHECK(Eval("(1 < 2) > (2 < 1)") == "true");  // false < true
}

TEST_CASE("text that is no number gives null against a number: where drops it either way") {
  CHECK(WhereOn("status > 400", {{"status", "n/a"}}) == "dropped");
  CHECK(WhereOn("not (status > 400)", {{"status", "n/a"}}) == "dropped");
  CHECK(Eval("status > 400", {{"status", "n/a"}}) == "null");
  CHECK(Eval("status = 400", {{"status", " 400"}}) == "null");
  CHECK(Eval("status = 400", {{"status", ""}}) == "null");
  CHECK(WhereOn("status > 400 or level = 'x'", {{"status", "n/a"}, {"level", "x"}}) == "kept");
}

TEST_CASE("a missing field is null, and where on null is false") {
  CHECK(WhereOn("level = 'ERROR'", {{"msg", "x"}}) == "dropped");
  CHECK(WhereOn("level != 'ERROR'", {{"msg", "x"}}) == "dropped");
  CHECK(WhereOn("level is null", {{"msg", "x"}}) == "kept");
  CHECK(WhereOn("level is not null", {{"msg", "x"}}) == "dropped");
  CHECK(WhereOn("level is null", {{"level", ""}}) == "dropped");  // empty text is a value
  CHECK(WhereOn("level like '%'", {{"msg", "x"}}) == "dropped");
  CHECK(WhereOn("level not like '%'", {{"msg", "x"}}) == "dropped");
  CHECK(Eval("cast(level as bigint) + 1") == "null");
  CHECK(Eval("-cast(level as double)") == "null");
  CHECK(Eval("cast(level as varchar)") == "null");
}

TEST_CASE("and, or, not: SQL's three-valued logic") {
  // t = true, f = false, n = null (a comparison with a missing field).
  const char* t = "a = 'x'";
  const char* f = "a = 'y'";
  const char* n = "m = 'x'";
  Fields row = {{"a", "x"}};
  auto e = [&](const std::string& x) { return Eval(x, row); };
  auto op = [](const char* l, const char* o, const char* r) {
    return "(" + std::string(l) + ") " + o + " (" + r + ")";
  };
  CHECK(e(op(t, "and", t)) == "true");
  CHECK(e(op(t, "and", f)) == "false");
  CHECK(e(op(f, "and", n)) == "false");
  CHECK(e(op(n, "and", f)) == "false");
  CHECK(e(op(t, "and", n)) == "null");
  CHECK(e(op(n, "and", n)) == "null");
  CHECK(e(op(f, "or", f)) == "false");
  CHECK(e(op(t, "or", n)) == "true");
  CHECK(e(op(n, "or", t)) == "true");
  CHECK(e(op(f, "or", n)) == "null");
  CHECK(e(op(n, "or", f)) == "null");
  CHECK(e(std::string("not (") + t + ")") == "false");
  CHECK(e(std::string("not (") + n + ")") == "null");
  CHECK(e(std::string("(") + n + ") is null") == "true");
  // A failure on the side that does not decide is never reached.
  CHECK(e(op(f, "and", "cast(a as bigint) = 1")) == "false");
  CHECK(e(op(t, "or", "cast(a as bigint) = 1")) == "true");
  CHECK(e(op(t, "and", "cast(a as bigint) = 1")).starts_with("error: cannot cast 'x' to bigint"));
}

TEST_CASE("cast: text to numbers strictly, numbers to text in SQL's spelling") {
  CHECK(Eval("cast(v as bigint)", {{"v", "14000"}}) == "14000L");
  CHECK(Eval("cast(v as bigint)", {{"v", "-3"}}) == "-3L");
  CHECK(Eval("cast(v as bigint)", {{"v", "1.5"}}) == "error: cannot cast '1.5' to bigint");
  CHECK(Eval("cast(v as bigint)", {{"v", "abc"}}) == "error: cannot cast 'abc' to bigint");
  CHECK(Eval("cast(v as bigint)", {{"v", "9223372036854775808"}}) ==
        "error: cannot cast '9223372036854775808' to bigint");
  CHECK(Eval("cast(v as bigint)", {{"v", std::string(100, '7')}}).find("...'") != std::string::npos);
  CHECK(Eval("cast(v as double)", {{"v", "1.5"}}) == "1.5D");
  CHECK(Eval("cast(v as double)", {{"v", "2"}}) == "2.0D");
  CHECK(Eval("cast(v as double)", {{"v", "x1"}}) == "error: cannot cast 'x1' to double");
  CHECK(Eval("cast(cast(v as double) as bigint)", {{"v", "2.5"}}) == "3L");  // half away from zero
  CHECK(Eval("cast(cast(v as double) as bigint)", {{"v", "-2.5"}}) == "-3L");
  CHECK(Eval("cast(cast(v as double) as bigint)", {{"v", "1e19"}}) ==
        "error: cannot cast 1e+19 to bigint: out of range");
  CHECK(Eval("cast(cast(v as bigint) as double)", {{"v", "7"}}) == "7.0D");
  CHECK(Eval("cast(cast(v as bigint) as varchar)", {{"v", "007"}}) == "'7'");
  CHECK(Eval("cast(cast(v as double) as varchar)", {{"v", "0.10"}}) == "'0.1'");
  CHECK(Eval("cast(v = 'x' as varchar)", {{"v", "x"}}) == "'true'");
  CHECK(Eval("cast(v = 'x' as bigint)", {{"v", "y"}}) == "0L");
  CHECK(Eval("cast(v = 'x' as double)", {{"v", "x"}}) == "1.0D");
  CHECK(Eval("cast(v as varchar)", {{"v", "as is"}}) == "'as is'");
}

TEST_CASE("arithmetic: bigint stays bigint, a double makes a double, errors fail the log") {
  CHECK(Eval("cast(a as bigint) - cast(b as bigint)", {{"a", "1700000100"}, {"b", "1700000000"}}) == "100L");
  CHECK(Eval("7 / 2") == "3L");  // truncates, as SQL does
  CHECK(Eval("-7 / 2") == "-3L");
  CHECK(Eval("7 / 2.0") == "3.5D");
  CHECK(Eval("2 * 3 + 1") == "7L");
  CHECK(Eval("0.1 + 0.2") == "0.30000000000000004D");
  CHECK(Eval("1e308 * 10") == "InfinityD");
  CHECK(Eval("-1e308 * 10") == "-InfinityD");
  CHECK(Eval("1e308 * 10 - 1e308 * 10") == "NaND");
  CHECK(Eval("1 / 0") == "error: division by zero");
  CHECK(Eval("1.5 / 0") == "error: division by zero");
  CHECK(Eval("9223372036854775807 + 1") == "error: bigint overflow");
  CHECK(Eval("-9223372036854775808 - 1") == "error: bigint overflow");
  CHECK(Eval("4611686018427387904 * 2") == "error: bigint overflow");
  CHECK(Eval("-9223372036854775808 / -1") == "error: bigint overflow");
  CHECK(Eval("-(-9223372036854775808)") == "error: bigint overflow");
  CHECK(Eval("-(2.5)") == "-2.5D");
}

TEST_CASE("a runtime failure fails the log (counted), it does not drop it silently as false") {
  CHECK(WhereOn("cast(body_bytes_sent as bigint) > 14000", {{"body_bytes_sent", "15000"}}) == "kept");
  CHECK(WhereOn("cast(body_bytes_sent as bigint) > 14000", {{"body_bytes_sent", "-"}}) ==
        "failed: cannot cast '-' to bigint");
  CHECK(WhereOn("cast(body_bytes_sent as bigint) > 14000", {}) == "dropped");  // missing: null, not a failure
}

TEST_CASE("metadata: __time__, __topic__, __source__ and __tag__: read from the log and its group") {
  sls::LogGroup g;
  g.set_topic("nginx");
  g.set_source("10.0.0.7");
  auto* tag = g.add_logtags();
  tag->set_key("host");
  tag->set_value("web-1");
  auto* log = g.add_logs();
  log->set_time(1700000123);
  auto* c = log->add_contents();
  c->set_key("level");
  c->set_value("WARN");
  std::string raw = g.SerializeAsString();
  LogGroupListView view;
  REQUIRE(view.ParseGroup(raw).ok());
  Row row;
  LoadRow(view.loggroups(0).logs(0), view.loggroups(0), &row);
  CHECK(row.time == 1700000123);
  REQUIRE(row.fields.size() == 1);
  CHECK(row.Get("level").text() == "WARN");
  CHECK(row.Get("__time__").text() == "1700000123");
  CHECK(row.Get("__topic__").text() == "nginx");
  CHECK(row.Get("__source__").text() == "10.0.0.7");
  CHECK(row.Get("__tag__:host").text() == "web-1");
  CHECK(row.Get("__tag__:zone").is_null());
  CHECK(row.Get("missing").is_null());
  Program p = MustParse("* | where __time__ >= 1700000000 and __topic__ = 'nginx' and \"__tag__:host\" like 'web-%'");
  CHECK(RunProgram(p, &row) == RowOutcome::kKept);

  sls::LogGroup bare;
  bare.add_logs()->set_time(1);
  std::string bare_raw = bare.SerializeAsString();
  REQUIRE(view.ParseGroup(bare_raw).ok());
  LoadRow(view.loggroups(0).logs(0), view.loggroups(0), &row);
  CHECK(row.Get("__topic__").text().empty());  // a group without topic: empty text
  CHECK(row.Get("__source__").text().empty());
  CHECK_FALSE(row.Get("__topic__").is_null());
}

TEST_CASE("extend sets or replaces a field; later assignments see earlier ones; null removes") {
  CHECK(Reshape("* | extend b = 'new'", {{"a", "1"}}) == "a=1 b=new");
  CHECK(Reshape("* | extend a = 'new'", {{"a", "1"}, {"c", "3"}}) == "a=new c=3");
  CHECK(Reshape("* | extend a = 'new'", {{"a", "1"}, {"c", "3"}, {"a", "2"}}) == "a=new c=3");  // every a
  CHECK(Reshape("* | extend n = cast(a as bigint) * 2, m = n + 1", {{"a", "20"}}) == "a=20 n=40 m=41");
  CHECK(Reshape("* | extend d = cast(a as double), ok = d > 1", {{"a", "2"}}) == "a=2 d=2.0 ok=true");
  CHECK(Reshape("* | extend a = cast(gone as varchar)", {{"a", "1"}, {"b", "2"}}) == "b=2");
  CHECK(Reshape("* | extend x = cast(gone as varchar)", {{"a", "1"}}) == "a=1");
  CHECK(Reshape("* | extend t = cast(v as bigint) | where t > 1", {{"v", "0"}}) == "<dropped>");
  CHECK(Reshape("* | extend t = cast(v as bigint)", {{"v", "zero"}}) == "<failed>");
  // The documented idiom: a difference of two casts, then a filter on it.
  CHECK(Reshape("* | extend timediff = cast(endTime as bigint) - cast(beginTime as bigint) | where timediff > 100",
                {{"beginTime", "1000"}, {"endTime", "1200"}}) == "beginTime=1000 endTime=1200 timediff=200");
}

TEST_CASE("project keeps the listed fields in the listed order; missing ones are dropped") {
  Fields log = {{"time", "t"}, {"level", "ERROR"}, {"message", "boom"}, {"host", "h"}};
  CHECK(Reshape("* | project level, message", log) == "level=ERROR message=boom");
  CHECK(Reshape("* | project message, level", log) == "message=boom level=ERROR");
  CHECK(Reshape("* | project message, nothere", log) == "message=boom");
  CHECK(Reshape("* | project nothere", log).empty());
  CHECK(Reshape("* | project level, level", log) == "level=ERROR");
  CHECK(Reshape("* | project a", {{"a", "1"}, {"b", "2"}, {"a", "3"}}) == "a=1 a=3");
  CHECK(Reshape("* | where level = 'ERROR' | project level, message", log) == "level=ERROR message=boom");
  CHECK(Reshape("* | where level = 'INFO' | project level, message", log) == "<dropped>");
  CHECK(Reshape("* | project level | where message is null", log) == "level=ERROR");
}

TEST_CASE("project-away removes fields, every one of a name, and ignores missing ones") {
  CHECK(Reshape("* | project-away host, time", {{"time", "t"}, {"level", "E"}, {"host", "h"}}) == "level=E");
  CHECK(Reshape("* | project-away a", {{"a", "1"}, {"b", "2"}, {"a", "3"}}) == "b=2");
  CHECK(Reshape("* | project-away zzz", {{"a", "1"}}) == "a=1");
  CHECK(Reshape("* | extend c = 'x' | project-away a | project c, b", {{"a", "1"}, {"b", "2"}}) == "c=x b=2");
}

TEST_CASE("Value::ToText spells numbers as SQL prints them") {
  CHECK(Value::Bigint(-42).ToText() == "-42");
  CHECK(Value::Double(2).ToText() == "2.0");
  CHECK(Value::Double(0.5).ToText() == "0.5");
  CHECK(Value::Double(1e21).ToText() == "1e+21");
  CHECK(Value::Double(-0.0).ToText() == "-0.0");
  CHECK(Value::Boolean(false).ToText() == "false");
  CHECK(Value::Text("abc").ToText() == "abc");
  CHECK(Value().ToText().empty());
}

TEST_CASE("Row::Set and Row::Get") {
  TestRow t({{"a", "1"}, {"b", "2"}, {"a", "3"}});
  CHECK(t.row.Get("a").text() == "1");  // the first of a name
  t.row.Set("b", Value::Bigint(5));
  CHECK(t.row.Get("b").bigint() == 5);
  CHECK(t.row.fields.size() == 3);
  t.row.Set("a", Value::Text("z"));
  CHECK(t.row.fields.size() == 2);
  CHECK(t.row.fields[0].name == "a");
  CHECK(t.row.Get("a").text() == "z");
  t.row.Set("a", Value());
  CHECK(t.row.fields.size() == 1);
  CHECK(t.row.Get("a").is_null());
  t.row.Set("never", Value());
  CHECK(t.row.fields.size() == 1);
}

}  // namespace slsflow::emulator::spl
