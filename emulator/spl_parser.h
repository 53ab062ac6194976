// The SPL subset that the emulator runs on PullLogs (query=, doc/protocol.md
// §9.2; the user's view is the "SPL" section of man/slsflow-emulator.1):
//
//   query  := '*' ( '|' stage )*
//   stage  := 'where' expr | 'extend' name '=' expr ( ',' name '=' expr )*
//           | 'project' name ( ',' name )* | 'project-away' name ( ',' name )*
//   expr   := or;  or := and ('or' and)*;  and := not ('and' not)*
//   not    := 'not' not | pred
//   pred   := sum [ cmp sum | ['not'] 'like' sum | 'is' ['not'] 'null' ]
//   sum    := product (('+'|'-') product)*;  product := unary (('*'|'/') unary)*
//   unary  := '-' unary | primary
//   primary:= number | 'text' | name | "quoted name" | '(' expr ')'
//           | 'cast' '(' expr 'as' ('bigint'|'double'|'varchar') ')'
//
// Keywords are case-insensitive, names are not. Every expression has a type
// known before any log is read: a log field is varchar, a literal is what it
// looks like, a field made by extend has its expression's type. So a type
// error (`where level`, `'a' + 1`, `x like 5`) is a bad query, answered 400
// like a syntax error, rather than a surprise on some logs.
//
// Anything outside the subset fails to parse with a message naming it: a
// query the emulator cannot run must never come back unfiltered.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"

namespace slsflow::emulator::spl {

// SLS: "at most 16 levels" of commands in one SPL statement.
inline constexpr int kMaxStages = 16;
// Parentheses, `not` and unary minus nest at most this deep, so that a
// hostile query cannot exhaust the stack of the recursive descent.
inline constexpr int kMaxNesting = 64;

enum class Type { kVarchar, kBigint, kDouble, kBoolean };
const char* TypeName(Type type);

enum class ExprKind {
  kField,    // text: the name
  kString,   // text: the literal
  kBigint,   // int_value
  kDouble,   // double_value
  kCast,     // left, to type
  kCompare,  // left compare right
  kLike,     // left [not] like right
  kIsNull,   // left is [not] null
  kAnd,
  kOr,
  kNot,     // left
  kArith,   // left arith right
  kNegate,  // left
};
enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };
enum class ArithOp { kAdd, kSub, kMul, kDiv };

struct Expr {
  ExprKind kind = ExprKind::kField;
  Type type = Type::kVarchar;  // the result's type (a kCast's target)
  std::string text;
  int64_t int_value = 0;
  double double_value = 0;
  CompareOp compare = CompareOp::kEq;
  ArithOp arith = ArithOp::kAdd;
  bool negated = false;  // `not like`, `is not null`
  std::unique_ptr<Expr> left;
  std::unique_ptr<Expr> right;
};

enum class StageKind { kWhere, kExtend, kProject, kProjectAway };

struct Assignment {
  std::string name;
  std::unique_ptr<Expr> value;
};

struct Stage {
  StageKind kind = StageKind::kWhere;
  std::unique_ptr<Expr> condition;      // where
  std::vector<Assignment> assignments;  // extend, applied left to right
  std::vector<std::string> names;       // project, project-away
};

struct Program {
  std::vector<Stage> stages;
  // False when every stage is a where: the logs kept are sent as stored.
  bool reshapes = false;
};

// kInvalid with "line L:C: what is wrong" (or a message about the whole
// query) when `query` is not in the subset above.
Result<Program> ParseSpl(std::string_view query);

// The names that are a log's metadata, not its contents: `__time__`,
// `__topic__`, `__source__` and `__tag__:<key>`. Readable in expressions;
// extend, project and project-away refuse them (the emulator sends time,
// topic, source and tags through unchanged).
bool IsMetaName(std::string_view name);

}  // namespace slsflow::emulator::spl
