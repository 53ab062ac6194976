// The SPL lexer: token kinds, quoting rules, positions and refusals.
#include <doctest/doctest.h>

#include "emulator/spl_lexer.h"

namespace slsflow::emulator::spl {
namespace {

std::vector<Token> MustLex(std::string_view q) {
  auto r = Lex(q);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}

std::string LexError(std::string_view q) {
  auto r = Lex(q);
  REQUIRE(!r.ok());
  CHECK(r.status().kind() == ErrorKind::kInvalid);
  return r.status().message();
}

std::string Kinds(const std::vector<Token>& tokens) {
  std::string s;
  for (const Token& t : tokens) {
    switch (t.kind) {
      case TokenKind::kEnd:
        s += "$";
        break;
      case TokenKind::kStar:
        s += "*";
        break;
      case TokenKind::kPipe:
        s += "|";
        break;
      case TokenKind::kLParen:
        s += "(";
        break;
      case TokenKind::kRParen:
        s += ")";
        break;
      case TokenKind::kComma:
        s += ",";
        break;
      case TokenKind::kEq:
        s += "=";
        break;
      case TokenKind::kNe:
        s += "!";
        break;
      case TokenKind::kLt:
        s += "<";
        break;
      case TokenKind::kLe:
        s += "l";
        break;
      case TokenKind::kGt:
        s += ">";
        break;
      case TokenKind::kGe:
        s += "g";
        break;
      case TokenKind::kPlus:
        s += "+";
        break;
      case TokenKind::kMinus:
        s += "-";
        break;
      case TokenKind::kSlash:
        s += "/";
        break;
      case TokenKind::kIdent:
        s += "i";
        break;
      case TokenKind::kQuotedIdent:
        s += "q";
        break;
      case TokenKind::kString:
        s += "s";
        break;
      case TokenKind::kNumber:
        s += "n";
        break;
    }
  }
  return s;
}

}  // namespace

TEST_CASE("a typical consumer query lexes into its tokens, with byte positions") {
  auto t = MustLex("* | where level = 'ERROR' | project level, message");
  CHECK(Kinds(t) == "*|ii=s|ii,i$");
  CHECK(t[2].text == "where");
  CHECK(t[2].pos == 4);
  CHECK(t[4].text == "=");
  CHECK(t[5].text == "ERROR");  // quotes removed
  CHECK(t[5].pos == 18);
  CHECK(t.back().pos == 50);
}

TEST_CASE("every operator, including the two spellings of not-equal") {
  CHECK(Kinds(MustLex("= != <> < <= > >= + - / * ( ) , |")) == "=!!<l>g+-/*(),|$");
  CHECK(MustLex("<>")[0].text == "<>");
  // No space is needed between tokens.
  CHECK(Kinds(MustLex("a>=1 and(b<>'x')")) ==
        "ign"
        "i(i!s)$");
}

TEST_CASE("strings and quoted names undo doubled quotes and keep everything else") {
  auto t = MustLex("'it''s' \"a \"\"b\"\" c\" '' 'x|y -- /*' \"__tag__:host\"");
  REQUIRE(Kinds(t) == "sqssq$");
  CHECK(t[0].text == "it's");
  CHECK(t[1].text == "a \"b\" c");
  CHECK(t[2].text.empty());
  CHECK(t[3].text == "x|y -- /*");
  CHECK(t[4].text == "__tag__:host");
  // UTF-8 and other bytes pass through strings untouched.
  CHECK(MustLex("'h\xc3\xa9llo\x01'")[0].text == "h\xc3\xa9llo\x01");
}

TEST_CASE("numbers in SQL's forms") {
  for (const char* n : {"0", "42", "1.5", "1.", ".5", "2e3", "2E+3", "1.5e-7", "007"}) {
    auto t = MustLex(n);
    REQUIRE(Kinds(t) == "n$");
    CHECK(t[0].text == n);
  }
  // A minus is its own token: the parser folds it into the literal.
  CHECK(Kinds(MustLex("-5")) == "-n$");
  CHECK(Kinds(MustLex("a-5")) == "i-n$");
}

TEST_CASE("names are letters, digits and underscores, not starting with a digit") {
  auto t = MustLex("_a1 B_2 project-away");
  CHECK(Kinds(t) ==
        "ii"
        "i-i$");
  CHECK(t[0].text == "_a1");
  CHECK(t[1].text == "B_2");
  CHECK(t[3].pos == 15);  // the parser joins project-away by adjacency
}

TEST_CASE("whitespace of any kind separates tokens, and an empty query is just the end") {
  CHECK(Kinds(MustLex(" \t\r\n*\n|\twhere ")) == "*|i$");
  CHECK(Kinds(MustLex("")) == "$");
  CHECK(Kinds(MustLex("   ")) == "$");
}

TEST_CASE("characters outside the subset are refused with their position") {
  CHECK(Kinds(MustLex("a == 1")) == "i==n$");  // the parser refuses the second =
  CHECK(LexError("* | where a ! 1") == "line 1:13: unexpected '!'");
  CHECK(LexError("* | where __tag__:host = 'x'").find("line 1:18: unexpected ':'") == 0);
  CHECK(LexError("* | where __tag__:host = 'x'").find("\"__tag__:host\"") != std::string::npos);
  CHECK(LexError("* | where a = 1 % 2") == "line 1:17: unexpected '%'");
  CHECK(LexError("* | where `a` = 1").find("double quotes") != std::string::npos);
  CHECK(LexError("*\n| where\x01") == "line 2:8: unexpected byte 0x01");
  CHECK(LexError("* | where a = \xff") == "line 1:15: unexpected byte 0xff");
}

TEST_CASE("an unterminated quote names where it started") {
  CHECK(LexError("* | where a = 'ERROR") == "line 1:15: the string starting here has no closing '");
  CHECK(LexError("* | where a = 'it''s") == "line 1:15: the string starting here has no closing '");
  CHECK(LexError("* | where \"a = 1") == "line 1:11: the quoted name starting here has no closing \"");
  CHECK(LexError("* | where \"\" = 1") == "line 1:11: an empty quoted name \"\"");
}

TEST_CASE("a number glued to a name is neither") {
  CHECK(LexError("* | where a = 12ab").find("line 1:15: '12a' is neither a number nor a name") == 0);
  CHECK(LexError("* | where a = 1e").find("'1e' is neither") != std::string::npos);
  CHECK(LexError("* | where a = 1.2.3").find("'1.2.' is neither") != std::string::npos);
}

TEST_CASE("the query size is bounded") {
  std::string big = "* | where a = '" + std::string(kMaxQueryBytes, 'x') + "'";
  CHECK(LexError(big).find("SLS takes at most 65536") != std::string::npos);
  std::string fits = "'" + std::string(kMaxQueryBytes - 2, 'x') + "'";
  CHECK(Lex(fits).ok());
}

TEST_CASE("PositionText counts lines and columns from 1, and Describe quotes a token for messages") {
  CHECK(PositionText("abc", 0) == "line 1:1");
  CHECK(PositionText("ab\ncd\nef", 7) == "line 3:2");
  CHECK(PositionText("ab", 99) == "line 1:3");
  auto t = MustLex("where 'x' \"n\"");
  CHECK(Describe(t[0]) == "'where'");
  CHECK(Describe(t[1]) == "the string 'x'");
  CHECK(Describe(t[2]) == "\"n\"");
  CHECK(Describe(t[3]) == "the end of the query");
  Token long_string{TokenKind::kString, std::string(100, 'y'), 0};
  CHECK(Describe(long_string) == "the string '" + std::string(57, 'y') + "...'");
}

}  // namespace slsflow::emulator::spl
