#include "emulator/spl_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include "emulator/spl_lexer.h"

namespace slsflow::emulator::spl {
namespace {

// What a reader of the error needs to know to rewrite the query.
constexpr const char* kSubset =
    "slsflow emulator runs '*' followed by where, extend, project and project-away, with =, !=, <>, <, <=, >, >=, "
    "like, not like, is [not] null, and, or, not, + - * /, parentheses, 'text', numbers and "
    "cast(x as bigint|double|varchar)";

// Words of SQL that would otherwise be taken for field names: a field that
// is really called so must be written in double quotes.
bool IsReservedWord(const std::string& lower) {
  static const char* const kWords[] = {"and",    "or",    "not",     "like",   "is",      "null",  "as",   "true",
                                       "false",  "in",    "between", "case",   "when",    "then",  "else", "end",
                                       "escape", "ilike", "rlike",   "regexp", "similar", "exists"};
  return std::any_of(std::begin(kWords), std::end(kWords), [&](const char* w) { return lower == w; });
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsNumeric(Type t) {
  return t == Type::kBigint || t == Type::kDouble;
}

class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> tokens) : query_(query), tokens_(std::move(tokens)) {}

  Result<Program> Run() {
    Program program;
    if (Status st = SearchPart(); !st.ok()) return st;
    while (Peek().kind == TokenKind::kPipe) {
      const Token& pipe = Take();
      if (static_cast<int>(program.stages.size()) == kMaxStages) {
        return Error(pipe, "more than " + std::to_string(kMaxStages) + " commands; SLS allows at most " +
                               std::to_string(kMaxStages) + " levels");
      }
      Stage stage;
      if (Status st = ParseStage(&stage); !st.ok()) return st;
      if (stage.kind != StageKind::kWhere) program.reshapes = true;
      program.stages.push_back(std::move(stage));
    }
    if (Peek().kind != TokenKind::kEnd)
      return Error(Peek(), "unexpected " + Describe(Peek()) + "; expected '|' or the end");
    return program;
  }

 private:
  using ExprPtr = std::unique_ptr<Expr>;

  const Token& Peek(size_t ahead = 0) const { return tokens_[std::min(at_ + ahead, tokens_.size() - 1)]; }
  const Token& Take() {
    const Token& t = tokens_[at_];
    if (at_ + 1 < tokens_.size()) ++at_;
    return t;
  }
  bool PeekWord(const char* word, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kIdent && Lower(Peek(ahead).text) == word;
  }
  Status Error(const Token& at, const std::string& what) const {
    return Status::Invalid(PositionText(query_, at.pos) + ": " + what);
  }
  Status Expect(TokenKind kind, const char* what) {
    if (Peek().kind != kind) return Error(Peek(), "expected " + std::string(what) + ", found " + Describe(Peek()));
    Take();
    return Status::OK();
  }

  Status SearchPart() {
    const Token& first = Peek();
    if (first.kind == TokenKind::kEnd)
      return Status::Invalid("the query is empty; a query starts with *, as in * | where ...");
    if (first.kind == TokenKind::kStar) {
      Take();
      if (Peek().kind == TokenKind::kPipe || Peek().kind == TokenKind::kEnd) return Status::OK();
      return Error(Peek(), "unexpected " + Describe(Peek()) + " after *; expected '|'");
    }
    if (first.kind == TokenKind::kPipe || (first.kind == TokenKind::kIdent && IsCommandWord(Lower(first.text)))) {
      return Error(first, "a query starts with the search part *: write '* | " +
                              std::string(first.kind == TokenKind::kPipe ? "..." : first.text + " ...") + "'");
    }
    return Error(first, "the search part must be * (slsflow emulator runs no index search on PullLogs), found " +
                            Describe(first));
  }

  static bool IsCommandWord(const std::string& w) {
    return w == "where" || w == "extend" || w == "project" || w == "project-away";
  }

  // A command name: words joined by '-' with nothing between them, as in
  // project-away or parse-json.
  Result<std::string> CommandName() {
    const Token& first = Peek();
    if (first.kind != TokenKind::kIdent) return Error(first, "expected a command after '|', found " + Describe(first));
    std::string name = Lower(Take().text);
    size_t end = first.pos + first.text.size();
    while (Peek().kind == TokenKind::kMinus && Peek().pos == end && Peek(1).kind == TokenKind::kIdent &&
           Peek(1).pos == end + 1) {
      Take();
      const Token& part = Take();
      name += "-" + Lower(part.text);
      end = part.pos + part.text.size();
    }
    return name;
  }

  Status ParseStage(Stage* stage) {
    const Token& at = Peek();
    auto name = CommandName();
    if (!name.ok()) return name.status();
    if (*name == "where") {
      stage->kind = StageKind::kWhere;
      auto cond = ParseExpr();
      if (!cond.ok()) return cond.status();
      if ((*cond)->type != Type::kBoolean) {
        return Error(at, "where needs a condition that is true or false, and this one is a " +
                             std::string(TypeName((*cond)->type)) + " (compare it: where x = 'value')");
      }
      stage->condition = std::move(*cond);
      return Status::OK();
    }
    if (*name == "extend") {
      stage->kind = StageKind::kExtend;
      for (;;) {
        Assignment a;
        auto target = FieldName("extend");
        if (!target.ok()) return target.status();
        a.name = std::move(*target);
        if (Peek().kind != TokenKind::kEq)
          return Error(Peek(), "expected '=' after the name in extend, found " + Describe(Peek()));
        Take();
        auto value = ParseExpr();
        if (!value.ok()) return value.status();
        a.value = std::move(*value);
        SetType(a.name, a.value->type);
        stage->assignments.push_back(std::move(a));
        if (Peek().kind != TokenKind::kComma) break;
        Take();
      }
      return Status::OK();
    }
    if (*name == "project" || *name == "project-away") {
      stage->kind = *name == "project" ? StageKind::kProject : StageKind::kProjectAway;
      for (;;) {
        auto field = FieldName(name->c_str());
        if (!field.ok()) return field.status();
        if (Peek().kind == TokenKind::kEq) {
          return Error(Peek(), "renaming in " + *name +
                                   " is not supported by slsflow emulator; use extend new = old, "
                                   "then project-away old");
        }
        stage->names.push_back(std::move(*field));
        if (Peek().kind != TokenKind::kComma) break;
        Take();
      }
      if (stage->kind == StageKind::kProject) {
        std::map<std::string, Type> kept;
        for (const std::string& n : stage->names) {
          if (auto it = types_.find(n); it != types_.end()) kept.insert(*it);
        }
        types_ = std::move(kept);
      } else {
        for (const std::string& n : stage->names) types_.erase(n);
      }
      return Status::OK();
    }
    return Error(at, "the command " + *name + " is not supported by slsflow emulator; " + kSubset);
  }

  // A field to write or keep: a bare or quoted name that is not metadata.
  Result<std::string> FieldName(const char* command) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kStar) {
      return Error(t,
                   std::string("wildcards in ") + command + " are not supported by slsflow emulator; list the fields");
    }
    if (t.kind != TokenKind::kIdent && t.kind != TokenKind::kQuotedIdent) {
      return Error(t, std::string("expected a field name in ") + command + ", found " + Describe(t));
    }
    if (t.kind == TokenKind::kIdent && IsReservedWord(Lower(t.text))) {
      return Error(t, "'" + t.text + "' is a keyword; write a field of that name in double quotes");
    }
    if (IsMetaName(t.text)) {
      return Error(t, std::string(command) + " of " + t.text +
                          " is not supported by slsflow emulator: time, topic, source and tags pass through unchanged");
    }
    return std::string(Take().text);
  }

  Type TypeOf(const std::string& field) const {
    auto it = types_.find(field);
    return it == types_.end() ? Type::kVarchar : it->second;
  }
  void SetType(const std::string& field, Type t) {
    if (t == Type::kVarchar)
      types_.erase(field);
    else
      types_[field] = t;
  }

  // Counts nesting for the recursive rules; the guard undoes it on return.
  struct DepthGuard {
    explicit DepthGuard(int* d) : depth(d) { ++*depth; }
    ~DepthGuard() { --*depth; }
    int* depth;
  };
  Status CheckDepth(const Token& at) const {
    if (depth_ > kMaxNesting)
      return Error(at, "the expression nests deeper than " + std::to_string(kMaxNesting) + " levels");
    return Status::OK();
  }

  Result<ExprPtr> ParseExpr() {
    DepthGuard guard(&depth_);
    if (Status st = CheckDepth(Peek()); !st.ok()) return st;
    return ParseOr();
  }

  static ExprPtr Node(ExprKind kind, Type type, ExprPtr left, ExprPtr right = nullptr) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->type = type;
    e->left = std::move(left);
    e->right = std::move(right);
    return e;
  }

  Status NeedBoolean(const Token& op, const Expr& e, const char* side) const {
    if (e.type == Type::kBoolean) return Status::OK();
    return Error(op, std::string("the ") + side + " side of " + Describe(op) + " must be true or false, not a " +
                         TypeName(e.type));
  }

  Result<ExprPtr> ParseOr() {
    auto left = ParseAnd();
    if (!left.ok()) return left;
    while (PeekWord("or")) {
      const Token& op = Take();
      auto right = ParseAnd();
      if (!right.ok()) return right;
      if (Status st = NeedBoolean(op, **left, "left"); !st.ok()) return st;
      if (Status st = NeedBoolean(op, **right, "right"); !st.ok()) return st;
      left = Node(ExprKind::kOr, Type::kBoolean, std::move(*left), std::move(*right));
    }
    return left;
  }

  Result<ExprPtr> ParseAnd() {
    auto left = ParseNot();
    if (!left.ok()) return left;
    while (PeekWord("and")) {
      const Token& op = Take();
      auto right = ParseNot();
      if (!right.ok()) return right;
      if (Status st = NeedBoolean(op, **left, "left"); !st.ok()) return st;
      if (Status st = NeedBoolean(op, **right, "right"); !st.ok()) return st;
      left = Node(ExprKind::kAnd, Type::kBoolean, std::move(*left), std::move(*right));
    }
    return left;
  }

  Result<ExprPtr> ParseNot() {
    if (!PeekWord("not")) return ParsePredicate();
    const Token& op = Take();
    DepthGuard guard(&depth_);
    if (Status st = CheckDepth(op); !st.ok()) return st;
    auto operand = ParseNot();
    if (!operand.ok()) return operand;
    if ((*operand)->type != Type::kBoolean) {
      return Error(op, "not needs something true or false, not a " + std::string(TypeName((*operand)->type)));
    }
    return Node(ExprKind::kNot, Type::kBoolean, std::move(*operand));
  }

  static bool CompareOpOf(TokenKind k, CompareOp* op) {
    switch (k) {
      case TokenKind::kEq:
        *op = CompareOp::kEq;
        return true;
      case TokenKind::kNe:
        *op = CompareOp::kNe;
        return true;
      case TokenKind::kLt:
        *op = CompareOp::kLt;
        return true;
      case TokenKind::kLe:
        *op = CompareOp::kLe;
        return true;
      case TokenKind::kGt:
        *op = CompareOp::kGt;
        return true;
      case TokenKind::kGe:
        *op = CompareOp::kGe;
        return true;
      default:
        return false;
    }
  }

  Result<ExprPtr> ParsePredicate() {
    auto left = ParseSum();
    if (!left.ok()) return left;
    CompareOp cmp;
    if (CompareOpOf(Peek().kind, &cmp)) {
      const Token& op = Take();
      auto right = ParseSum();
      if (!right.ok()) return right;
      Type a = (*left)->type;
      Type b = (*right)->type;
      // Text against a number compares numerically (see spl_eval.h); only
      // true/false against anything else is meaningless.
      if ((a == Type::kBoolean) != (b == Type::kBoolean)) {
        return Error(op, std::string("cannot compare a ") + TypeName(a) + " with a " + TypeName(b));
      }
      auto e = Node(ExprKind::kCompare, Type::kBoolean, std::move(*left), std::move(*right));
      e->compare = cmp;
      return e;
    }
    bool negated = false;
    if (PeekWord("not") && PeekWord("like", 1)) {
      Take();
      negated = true;
    }
    if (PeekWord("like")) {
      const Token& op = Take();
      auto right = ParseSum();
      if (!right.ok()) return right;
      if ((*left)->type != Type::kVarchar || (*right)->type != Type::kVarchar) {
        return Error(op, "like compares text with a text pattern; cast(x as varchar) a " +
                             std::string(TypeName((*left)->type != Type::kVarchar ? (*left)->type : (*right)->type)) +
                             " first");
      }
      if (PeekWord("escape")) return Error(Peek(), "like ... escape is not supported by slsflow emulator");
      auto e = Node(ExprKind::kLike, Type::kBoolean, std::move(*left), std::move(*right));
      e->negated = negated;
      return e;
    }
    if (PeekWord("is")) {
      Take();
      bool is_not = false;
      if (PeekWord("not")) {
        Take();
        is_not = true;
      }
      if (!PeekWord("null"))
        return Error(Peek(),
                     "expected null after is" + std::string(is_not ? " not" : "") + ", found " + Describe(Peek()));
      Take();
      auto e = Node(ExprKind::kIsNull, Type::kBoolean, std::move(*left));
      e->negated = is_not;
      return e;
    }
    for (const char* word : {"in", "between", "ilike", "rlike", "regexp", "similar"}) {
      if (PeekWord(word) || (PeekWord("not") && PeekWord(word, 1))) {
        const Token& t = PeekWord("not") ? Peek(1) : Peek();
        return Error(t, "'" + t.text + "' is not supported by slsflow emulator; " + kSubset);
      }
    }
    return left;
  }

  Result<ExprPtr> Arith(const Token& op, ArithOp kind, ExprPtr left, ExprPtr right) const {
    for (const Expr* side : {left.get(), right.get()}) {
      if (!IsNumeric(side->type)) {
        return Error(op, Describe(op) + " needs numbers, not a " + std::string(TypeName(side->type)) +
                             "; log fields are text: cast(x as bigint) or cast(x as double) first");
      }
    }
    Type t = left->type == Type::kBigint && right->type == Type::kBigint ? Type::kBigint : Type::kDouble;
    auto e = Node(ExprKind::kArith, t, std::move(left), std::move(right));
    e->arith = kind;
    return Result<ExprPtr>(std::move(e));
  }

  Result<ExprPtr> ParseSum() {
    auto left = ParseProduct();
    if (!left.ok()) return left;
    while (Peek().kind == TokenKind::kPlus || Peek().kind == TokenKind::kMinus) {
      const Token& op = Take();
      auto right = ParseProduct();
      if (!right.ok()) return right;
      left =
          Arith(op, op.kind == TokenKind::kPlus ? ArithOp::kAdd : ArithOp::kSub, std::move(*left), std::move(*right));
      if (!left.ok()) return left;
    }
    return left;
  }

  Result<ExprPtr> ParseProduct() {
    auto left = ParseUnary();
    if (!left.ok()) return left;
    while (Peek().kind == TokenKind::kStar || Peek().kind == TokenKind::kSlash) {
      const Token& op = Take();
      auto right = ParseUnary();
      if (!right.ok()) return right;
      left =
          Arith(op, op.kind == TokenKind::kStar ? ArithOp::kMul : ArithOp::kDiv, std::move(*left), std::move(*right));
      if (!left.ok()) return left;
    }
    return left;
  }

  Result<ExprPtr> ParseUnary() {
    if (Peek().kind != TokenKind::kMinus) return ParsePrimary();
    const Token& op = Take();
    DepthGuard guard(&depth_);
    if (Status st = CheckDepth(op); !st.ok()) return st;
    if (Peek().kind == TokenKind::kNumber) return NumberLiteral(Take(), /*negative=*/true);
    auto operand = ParseUnary();
    if (!operand.ok()) return operand;
    if (!IsNumeric((*operand)->type)) {
      return Error(op, "unary - needs a number, not a " + std::string(TypeName((*operand)->type)));
    }
    Type t = (*operand)->type;
    return Node(ExprKind::kNegate, t, std::move(*operand));
  }

  Result<ExprPtr> NumberLiteral(const Token& t, bool negative) const {
    auto e = std::make_unique<Expr>();
    const std::string& s = t.text;
    const bool integral = s.find_first_of(".eE") == std::string::npos;
    if (integral) {
      uint64_t magnitude = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude);
      const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
      if (ec != std::errc() || ptr != s.data() + s.size() || magnitude > limit) {
        return Error(t, (negative ? "-" : "") + s + " is outside the bigint range; write it as a double (" + s + ".0)");
      }
      e->kind = ExprKind::kBigint;
      e->type = Type::kBigint;
      e->int_value = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
    } else {
      double v = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || ptr != s.data() + s.size()) return Error(t, s + " is outside the double range");
      e->kind = ExprKind::kDouble;
      e->type = Type::kDouble;
      e->double_value = negative ? -v : v;
    }
    return Result<ExprPtr>(std::move(e));
  }

  Result<ExprPtr> ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kNumber:
        return NumberLiteral(Take(), false);
      case TokenKind::kString: {
        auto e = std::make_unique<Expr>();
        e->kind = ExprKind::kString;
        e->type = Type::kVarchar;
        e->text = Take().text;
        return Result<ExprPtr>(std::move(e));
      }
      case TokenKind::kQuotedIdent:
        return Field(Take().text);
      case TokenKind::kLParen: {
        Take();
        auto inner = ParseExpr();
        if (!inner.ok()) return inner;
        if (Status st = Expect(TokenKind::kRParen, "')'"); !st.ok()) return st;
        return inner;
      }
      case TokenKind::kIdent:
        break;
      default:
        return Error(t, "expected a value, a field or '(', found " + Describe(t));
    }
    const std::string word = Lower(t.text);
    if (Peek(1).kind == TokenKind::kLParen) {
      if (word == "cast") return ParseCast();
      return Error(t, "the function " + t.text + "() is not supported by slsflow emulator; " + kSubset);
    }
    if (word == "null") return Error(t, "null is only supported in 'is null' and 'is not null'");
    if (word == "true" || word == "false") {
      return Error(t, "the literal " + t.text +
                          " is not supported by slsflow emulator; log fields are text: compare "
                          "with '" +
                          word + "'");
    }
    if (IsReservedWord(word)) {
      return Error(t, "unexpected keyword '" + t.text + "'; write a field of that name in double quotes");
    }
    return Field(Take().text);
  }

  Result<ExprPtr> Field(const std::string& name) const {
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kField;
    e->text = name;
    e->type = IsMetaName(name) ? Type::kVarchar : TypeOf(name);
    return Result<ExprPtr>(std::move(e));
  }

  Result<ExprPtr> ParseCast() {
    const Token& at = Take();  // cast
    Take();                    // (
    DepthGuard guard(&depth_);
    if (Status st = CheckDepth(at); !st.ok()) return st;
    auto operand = ParseExpr();
    if (!operand.ok()) return operand;
    if (!PeekWord("as")) return Error(Peek(), "expected 'as' in cast(x as type), found " + Describe(Peek()));
    Take();
    const Token& type_token = Peek();
    if (type_token.kind != TokenKind::kIdent)
      return Error(type_token, "expected a type after 'as', found " + Describe(type_token));
    const std::string type_name = Lower(Take().text);
    Type target;
    if (type_name == "bigint")
      target = Type::kBigint;
    else if (type_name == "double")
      target = Type::kDouble;
    else if (type_name == "varchar")
      target = Type::kVarchar;
    else {
      return Error(type_token, "cast to " + type_token.text +
                                   " is not supported by slsflow emulator; it casts to bigint, double or varchar");
    }
    if (Status st = Expect(TokenKind::kRParen, "')' to close cast("); !st.ok()) return st;
    return Node(ExprKind::kCast, target, std::move(*operand));
  }

  std::string_view query_;
  std::vector<Token> tokens_;
  size_t at_ = 0;
  int depth_ = 0;
  // Fields that extend made with a type other than varchar, as of the
  // stage being parsed; every other name is a log field, so text.
  std::map<std::string, Type> types_;
};

}  // namespace

const char* TypeName(Type type) {
  switch (type) {
    case Type::kVarchar:
      return "varchar";
    case Type::kBigint:
      return "bigint";
    case Type::kDouble:
      return "double";
    case Type::kBoolean:
      return "boolean";
  }
  return "?";
}

bool IsMetaName(std::string_view name) {
  return name == "__time__" || name == "__topic__" || name == "__source__" || name.starts_with("__tag__:");
}

Result<Program> ParseSpl(std::string_view query) {
  auto tokens = Lex(query);
  if (!tokens.ok()) return tokens.status();
  return Parser(query, std::move(*tokens)).Run();
}

}  // namespace slsflow::emulator::spl
