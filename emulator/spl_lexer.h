// Tokens of the SPL subset that the emulator runs on PullLogs
// (doc/protocol.md §9.2). The lexer knows no keywords: `where`, `and`,
// `cast` are identifiers here, so that the parser alone decides what a word
// means where it stands (a field may be called `level` or `as`).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"

namespace slsflow::emulator::spl {

// SLS gives the script size for consumption as 10 KB to 64 KB depending on
// the feature; the larger one, since a request line over 8 KiB is refused
// by the HTTP layer before it gets here anyway.
inline constexpr size_t kMaxQueryBytes = 64 * 1024;

enum class TokenKind {
  kEnd,          // after the last token
  kStar,         // *
  kPipe,         // |
  kLParen,       // (
  kRParen,       // )
  kComma,        // ,
  kEq,           // =
  kNe,           // != or <>
  kLt,           // <
  kLe,           // <=
  kGt,           // >
  kGe,           // >=
  kPlus,         // +
  kMinus,        // -
  kSlash,        // /
  kIdent,        // bare name or keyword: [A-Za-z_][A-Za-z0-9_]*
  kQuotedIdent,  // "name" ("" inside stands for one ")
  kString,       // 'text' ('' inside stands for one ')
  kNumber,       // 12, 1.5, 2e3, .5
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  // The name or text with quotes removed and doubled quotes undone; the
  // spelling as written for every other kind.
  std::string text;
  size_t pos = 0;  // byte offset in the query, for error positions
};

// The tokens of `query`, ending with one kEnd. kInvalid (naming the line
// and column) for a character outside the subset, an unterminated quote or
// a number glued to a name ("12ab").
Result<std::vector<Token>> Lex(std::string_view query);

// "line 1:17", 1-based, as SLS reports positions in a query.
std::string PositionText(std::string_view query, size_t pos);

// How a token reads in an error message: 'where', 'ERROR', "a b", end of query.
std::string Describe(const Token& token);

}  // namespace slsflow::emulator::spl
