// The SPL parser: the trees it builds, the types it infers, and every part
// outside the subset refused with a message that names it.
#include <doctest/doctest.h>

#include "emulator/spl_parser.h"

namespace slsflow::emulator::spl {
namespace {

Program MustParse(std::string_view q) {
  auto r = ParseSpl(q);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return std::move(*r);
}

std::string ParseError(std::string_view q) {
  auto r = ParseSpl(q);
  REQUIRE_MESSAGE(!r.ok(), q);
  CHECK(r.status().kind() == ErrorKind::kInvalid);
  return r.status().message();
}

// A compact rendering of a tree: (op left right), fields bare, 'text',
// numbers as written with a type suffix.
std::string Show(const Expr& e) {
  auto bin = [&](const char* op) { return "(" + std::string(op) + " " + Show(*e.left) + " " + Show(*e.right) + ")"; };
  switch (e.kind) {
    case ExprKind::kField:
      return e.text;
    case ExprKind::kString:
      return "'" + e.text + "'";
    case ExprKind::kBigint:
      return std::to_string(e.int_value) + "L";
    case ExprKind::kDouble:
      return std::to_string(e.double_value) + "D";
    case ExprKind::kCast:
      return "(cast " + Show(*e.left) + " " + TypeName(e.type) + ")";
    case ExprKind::kCompare: {
      static const char* const kOps[] = {"=", "!=", "<", "<=", ">", ">="};
      return bin(kOps[static_cast<int>(e.compare)]);
    }
    case ExprKind::kLike:
      return bin(e.negated ? "not-like" : "like");
    case ExprKind::kIsNull:
      return "(" + std::string(e.negated ? "is-not-null " : "is-null ") + Show(*e.left) + ")";
    case ExprKind::kAnd:
      return bin("and");
    case ExprKind::kOr:
      return bin("or");
    case ExprKind::kNot:
      return "(not " + Show(*e.left) + ")";
    case ExprKind::kArith: {
      static const char* const kOps[] = {"+", "-", "*", "/"};
      return bin(kOps[static_cast<int>(e.arith)]);
    }
    case ExprKind::kNegate:
      return "(neg " + Show(*e.left) + ")";
  }
  return "?";
}

std::string Where(std::string_view condition) {
  Program p = MustParse("* | where " + std::string(condition));
  REQUIRE(p.stages.size() == 1);
  REQUIRE(p.stages[0].kind == StageKind::kWhere);
  return Show(*p.stages[0].condition);
}

}  // namespace

TEST_CASE("the acceptance query: where, then project") {
  Program p = MustParse("* | where level = 'ERROR' | project level, message");
  REQUIRE(p.stages.size() == 2);
  CHECK(p.stages[0].kind == StageKind::kWhere);
  CHECK(Show(*p.stages[0].condition) == "(= level 'ERROR')");
  CHECK(p.stages[1].kind == StageKind::kProject);
  CHECK(p.stages[1].names == std::vector<std::string>{"level", "message"});
  CHECK(p.reshapes);
}

TEST_CASE("* alone and where-only programs do not reshape") {
  CHECK(MustParse("*").stages.empty());
  CHECK_FALSE(MustParse("*").reshapes);
  Program p = MustParse("* | where a = '1' | where b != '2'");
  CHECK(p.stages.size() == 2);
  CHECK_FALSE(p.reshapes);
  CHECK(MustParse("* | project-away a").reshapes);
  CHECK(MustParse("* | extend a = 'x'").reshapes);
}

TEST_CASE("precedence: or < and < not < comparison < + - < * / < unary minus") {
  CHECK(Where("a = '1' or b = '2' and c = '3'") == "(or (= a '1') (and (= b '2') (= c '3')))");
  CHECK(Where("(a = '1' or b = '2') and c = '3'") == "(and (or (= a '1') (= b '2')) (= c '3'))");
  CHECK(Where("not a = '1' and b = '2'") == "(and (not (= a '1')) (= b '2'))");
  CHECK(Where("not not a is null") == "(not (not (is-null a)))");
  CHECK(Where("cast(a as bigint) + 2 * 3 > 10") == "(> (+ (cast a bigint) (* 2L 3L)) 10L)");
  CHECK(Where("cast(a as bigint) - 1 - 2 = 0") == "(= (- (- (cast a bigint) 1L) 2L) 0L)");
  CHECK(Where("cast(a as double) / 2 >= -1.5") == "(>= (/ (cast a double) 2L) -1.500000D)");
  CHECK(Where("-cast(a as bigint) < 0") == "(< (neg (cast a bigint)) 0L)");
  CHECK(Where("- - 3 = 3") == "(= (neg -3L) 3L)");
}

TEST_CASE("every comparison, like, not like, is null and is not null") {
  CHECK(Where("a = 'x'") == "(= a 'x')");
  CHECK(Where("a != 'x'") == "(!= a 'x')");
  CHECK(Where("a <> 'x'") == "(!= a 'x')");
  CHECK(Where("a < 5") == "(< a 5L)");
  CHECK(Where("a <= 5.0") == "(<= a 5.000000D)");
  CHECK(Where("a > b") == "(> a b)");
  CHECK(Where("a >= 1e3") == "(>= a 1000.000000D)");
  CHECK(Where("host like '%www%'") == "(like host '%www%')");
  CHECK(Where("host not like 'a_c'") == "(not-like host 'a_c')");
  CHECK(Where("a is null") == "(is-null a)");
  CHECK(Where("a is not null") == "(is-not-null a)");
}

TEST_CASE("keywords in any case; names as written; quoted names for anything else") {
  CHECK(Where("A = 'x' AND b LIKE 'y' OR NOT c IS NOT NULL") ==
        "(or (and (= A 'x') (like b 'y')) (not (is-not-null c)))");
  Program p = MustParse("* | WHERE a = '1' | Project a | PROJECT-AWAY b | Extend c = 'x'");
  CHECK(p.stages[1].kind == StageKind::kProject);
  CHECK(p.stages[2].kind == StageKind::kProjectAway);
  CHECK(p.stages[3].kind == StageKind::kExtend);
  CHECK(Where("\"__tag__:host\" = 'x' and \"and\" = 'y' and \"a b\" = 'z'") ==
        "(and (and (= __tag__:host 'x') (= and 'y')) (= a b 'z'))");
  CHECK(Where("cast = 'x'") == "(= cast 'x')");  // cast is a function only with (
}

TEST_CASE("number literals: bigint when integral and in range, double otherwise") {
  Program p = MustParse("* | extend a = 9223372036854775807, b = -9223372036854775808, c = 0.25, d = 2e2");
  auto& as = p.stages[0].assignments;
  REQUIRE(as.size() == 4);
  CHECK(as[0].value->kind == ExprKind::kBigint);
  CHECK(as[0].value->int_value == INT64_MAX);
  CHECK(as[1].value->int_value == INT64_MIN);
  CHECK(as[2].value->kind == ExprKind::kDouble);
  CHECK(as[2].value->double_value == 0.25);
  CHECK(as[3].value->type == Type::kDouble);
  CHECK(ParseError("* | extend a = 9223372036854775808").find("outside the bigint range") != std::string::npos);
  CHECK(ParseError("* | extend a = -9223372036854775809").find("-9223372036854775809 is outside") != std::string::npos);
  CHECK(ParseError("* | extend a = 1e999").find("outside the double range") != std::string::npos);
}

TEST_CASE("extend: several assignments, typed by their expressions, seen by later stages") {
  Program p = MustParse(
      "* | extend n = cast(x as bigint), m = n * 2, s = 'text', ok = n > 3 "
      "| where ok and m + 1 > 5 and s like 't%'");
  auto& as = p.stages[0].assignments;
  REQUIRE(as.size() == 4);
  CHECK(as[0].name == "n");
  CHECK(as[0].value->type == Type::kBigint);
  CHECK(as[1].value->type == Type::kBigint);
  CHECK(as[2].value->type == Type::kVarchar);
  CHECK(as[3].value->type == Type::kBoolean);
  CHECK(Show(*p.stages[1].condition) == "(and (and ok (> (+ m 1L) 5L)) (like s 't%'))");
  // A double wins over a bigint in arithmetic.
  CHECK(MustParse("* | extend d = cast(x as bigint) + 0.5").stages[0].assignments[0].value->type == Type::kDouble);
  // Re-extending a name as text makes it text again.
  CHECK(ParseError("* | extend n = cast(x as bigint) | extend n = 'a' | where n + 1 > 2").find("needs numbers") !=
        std::string::npos);
}

TEST_CASE("project and project-away forget the types of the fields they drop") {
  CHECK(MustParse("* | extend n = cast(x as bigint) | project n | where n + 1 > 2").stages.size() == 3);
  CHECK(ParseError("* | extend n = cast(x as bigint) | project m | where n + 1 > 2")
            .find("needs numbers, not a varchar") != std::string::npos);
  CHECK(ParseError("* | extend n = cast(x as bigint) | project-away n | where n + 1 > 2").find("needs numbers") !=
        std::string::npos);
  Program p = MustParse("* | project a, \"b c\", a | project-away a, d");
  CHECK(p.stages[0].names == std::vector<std::string>{"a", "b c", "a"});
  CHECK(p.stages[1].names == std::vector<std::string>{"a", "d"});
}

TEST_CASE("type errors are bad queries, with the place and the types named") {
  CHECK(ParseError("* | where level") ==
        "line 1:5: where needs a condition that is true or false, and this one is a varchar (compare it: where x = "
        "'value')");
  CHECK(ParseError("* | where cast(a as bigint)").find("this one is a bigint") != std::string::npos);
  CHECK(
      ParseError("* | where a + 1 > 2") ==
      "line 1:13: '+' needs numbers, not a varchar; log fields are text: cast(x as bigint) or cast(x as double) first");
  CHECK(ParseError("* | where 'a' * 2 > 1").find("'*' needs numbers, not a varchar") != std::string::npos);
  CHECK(ParseError("* | where -a > 1").find("unary - needs a number, not a varchar") != std::string::npos);
  CHECK(ParseError("* | where a like 5").find("like compares text with a text pattern; cast(x as varchar) a bigint") !=
        std::string::npos);
  CHECK(ParseError("* | where cast(a as double) like '1%'").find("a double first") != std::string::npos);
  CHECK(ParseError("* | where (a = 'x') = 'y'") == "line 1:21: cannot compare a boolean with a varchar");
  CHECK(ParseError("* | where not a") == "line 1:11: not needs something true or false, not a varchar");
  CHECK(ParseError("* | where a = 'x' and b") ==
        "line 1:19: the right side of 'and' must be true or false, not a varchar");
  CHECK(ParseError("* | where a or b = 'x'") ==
        "line 1:13: the left side of 'or' must be true or false, not a varchar");
  // Text against a number is allowed: compared as numbers when the text is one.
  CHECK(Where("a = 500") == "(= a 500L)");
  CHECK(Where("(a = 'x') = (b = 'y')") == "(= (= a 'x') (= b 'y'))");
}

TEST_CASE("commands and functions outside the subset are named in the refusal") {
  CHECK(
      ParseError("* | parse-json body").find("line 1:5: the command parse-json is not supported by slsflow emulator") ==
      0);
  CHECK(ParseError("* | project-rename a = b").find("the command project-rename is not supported") !=
        std::string::npos);
  CHECK(ParseError("* | stats count(*)").find("the command stats is not supported") != std::string::npos);
  CHECK(ParseError("* | where upper(a) = 'X'") ==
        "line 1:11: the function upper() is not supported by slsflow emulator; slsflow emulator runs '*' followed by "
        "where, extend, project and project-away, with =, !=, <>, <, <=, >, >=, like, not like, is [not] null, and, "
        "or, not, + - * /, parentheses, 'text', numbers and cast(x as bigint|double|varchar)");
  CHECK(ParseError("* | where length(a) > 3").find("the function length()") != std::string::npos);
  CHECK(ParseError("* | where try_cast(a as bigint) > 3").find("the function try_cast()") != std::string::npos);
  CHECK(ParseError("* | where a in ('x', 'y')").find("line 1:13: 'in' is not supported") == 0);
  CHECK(ParseError("* | where a not in ('x')").find("'in' is not supported") != std::string::npos);
  CHECK(ParseError("* | where a between 1 and 2").find("'between' is not supported") != std::string::npos);
  CHECK(ParseError("* | where a like 'x' escape '!'").find("like ... escape is not supported") != std::string::npos);
  CHECK(ParseError("* | where cast(a as int) > 1")
            .find("cast to int is not supported by slsflow emulator; it casts to "
                  "bigint, double or varchar") != std::string::npos);
  CHECK(ParseError("* | where cast(a as boolean)").find("cast to boolean is not supported") != std::string::npos);
  CHECK(ParseError("* | where a = true").find("the literal true is not supported") != std::string::npos);
  CHECK(ParseError("* | where a = null").find("null is only supported in 'is null'") != std::string::npos);
  CHECK(ParseError("* | where case when a = 'x' then 1 end = 1").find("unexpected keyword 'case'") !=
        std::string::npos);
}

TEST_CASE("reshaping commands refuse metadata, wildcards, keywords and renames") {
  for (const char* q : {"* | extend __time__ = '1'", "* | extend \"__tag__:host\" = 'x'", "* | project __topic__",
                        "* | project-away __source__"}) {
    CHECK(ParseError(q).find("is not supported by slsflow emulator: time, topic, source and tags pass through") !=
          std::string::npos);
  }
  CHECK(ParseError("* | project *").find("wildcards in project are not supported") != std::string::npos);
  CHECK(ParseError("* | project a = b").find("renaming in project is not supported") != std::string::npos);
  CHECK(ParseError("* | project and").find("'and' is a keyword; write a field of that name in double quotes") !=
        std::string::npos);
  CHECK(ParseError("* | project 'a'").find("expected a field name in project, found the string 'a'") !=
        std::string::npos);
  CHECK(ParseError("* | extend a 'x'").find("expected '=' after the name in extend") != std::string::npos);
  CHECK(ParseError("* | project a,").find("found the end of the query") != std::string::npos);
  // Metadata is readable in expressions.
  CHECK(Where("__time__ > 100 and \"__tag__:host\" like 'web%' and __topic__ = 't'") ==
        "(and (and (> __time__ 100L) (like __tag__:host 'web%')) (= __topic__ 't'))");
}

TEST_CASE("the search part must be *") {
  CHECK(ParseError("") == "the query is empty; a query starts with *, as in * | where ...");
  CHECK(ParseError("   ") == "the query is empty; a query starts with *, as in * | where ...");
  CHECK(ParseError("where a = 'x'") == "line 1:1: a query starts with the search part *: write '* | where ...'");
  CHECK(ParseError("| where a = 'x'") == "line 1:1: a query starts with the search part *: write '* | ...'");
  CHECK(ParseError("level: ERROR").find("line 1:6: unexpected ':'") == 0);  // the lexer stops first
  CHECK(ParseError("ERROR | where a = 'x'")
            .find("the search part must be * (slsflow emulator runs no index search on "
                  "PullLogs), found 'ERROR'") != std::string::npos);
  CHECK(ParseError("* and a").find("unexpected 'and' after *; expected '|'") != std::string::npos);
  CHECK(ParseError("* |").find("expected a command after '|', found the end of the query") != std::string::npos);
}

TEST_CASE("syntax errors say what was expected and what was found") {
  CHECK(ParseError("* | where a = 'x' b = 'y'") == "line 1:19: unexpected 'b'; expected '|' or the end");
  CHECK(ParseError("* | where (a = 'x'") == "line 1:19: expected ')', found the end of the query");
  CHECK(ParseError("* | where a = ") == "line 1:15: expected a value, a field or '(', found the end of the query");
  CHECK(ParseError("* | where a == 'x'") == "line 1:14: expected a value, a field or '(', found '='");
  CHECK(ParseError("* | where a is 'x'") == "line 1:16: expected null after is, found the string 'x'");
  CHECK(ParseError("* | where a is not 5") == "line 1:20: expected null after is not, found '5'");
  CHECK(ParseError("* | where cast(a bigint) > 1") == "line 1:18: expected 'as' in cast(x as type), found 'bigint'");
  CHECK(ParseError("* | where cast(a as bigint > 1") == "line 1:28: expected ')' to close cast(, found '>'");
  CHECK(ParseError("* | where cast(a as 'x') > 1") == "line 1:21: expected a type after 'as', found the string 'x'");
  CHECK(ParseError("* | where a < b < c").find("line 1:17: unexpected '<'") == 0);
  CHECK(ParseError("* | project - away a").find("expected a field name in project, found '-'") != std::string::npos);
  CHECK(ParseError("* | where a = 'x'\n| bogus").find("line 2:3: the command bogus") == 0);
}

TEST_CASE("the number of commands and the nesting depth are bounded") {
  std::string q = "*";
  for (int i = 0; i < kMaxStages; ++i) q += " | where a = 'x'";
  CHECK(MustParse(q).stages.size() == static_cast<size_t>(kMaxStages));
  CHECK(ParseError(q + " | where a = 'x'").find("more than 16 commands; SLS allows at most 16 levels") !=
        std::string::npos);

  auto nested = [](int depth) {
    return "* | where " + std::string(static_cast<size_t>(depth), '(') + "a = 'x'" +
           std::string(static_cast<size_t>(depth), ')');
  };
  CHECK(MustParse(nested(kMaxNesting - 1)).stages.size() == 1);
  CHECK(ParseError(nested(kMaxNesting + 1)).find("nests deeper than 64 levels") != std::string::npos);
  // Deep enough to overflow the stack without the bound, within the size bound.
  CHECK(ParseError(nested(30000)).find("nests deeper") != std::string::npos);
  std::string nots = "* | where ";
  for (int i = 0; i < 15000; ++i) nots += "not ";
  CHECK(ParseError(nots + "a = 'x'").find("nests deeper") != std::string::npos);
  std::string minus = "* | where ";
  for (int i = 0; i < 20000; ++i) minus += "- ";
  CHECK(ParseError(minus + "cast(a as bigint) > 1").find("nests deeper") != std::string::npos);
  std::string casts = "* | where ";
  for (int i = 0; i < 10000; ++i) casts += "cast(";
  CHECK(ParseError(casts + "a").find("nests deeper") != std::string::npos);
}

TEST_CASE("IsMetaName") {
  CHECK(IsMetaName("__time__"));
  CHECK(IsMetaName("__topic__"));
  CHECK(IsMetaName("__source__"));
  CHECK(IsMetaName("__tag__:host"));
  CHECK(IsMetaName("__tag__:"));
  CHECK_FALSE(IsMetaName("__tag__"));
  CHECK_FALSE(IsMetaName("__time"));
  CHECK_FALSE(IsMetaName("time"));
  CHECK_FALSE(IsMetaName("__other__"));
}

}  // namespace slsflow::emulator::spl
