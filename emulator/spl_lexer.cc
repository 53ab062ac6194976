#include "emulator/spl_lexer.h"

namespace slsflow::emulator::spl {
namespace {

bool IsAsciiDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsNameChar(char c) {
  return IsNameStart(c) || IsAsciiDigit(c);
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

class Lexer {
 public:
  explicit Lexer(std::string_view q) : q_(q) {}

  Result<std::vector<Token>> Run() {
    if (q_.size() > kMaxQueryBytes) {
      return Status::Invalid("the query is " + std::to_string(q_.size()) + " bytes; SLS takes at most " +
                             std::to_string(kMaxQueryBytes));
    }
    std::vector<Token> out;
    while (true) {
      while (i_ < q_.size() && IsSpace(q_[i_])) ++i_;
      if (i_ == q_.size()) break;
      Token t;
      t.pos = i_;
      if (Status st = Next(&t); !st.ok()) return st;
      out.push_back(std::move(t));
    }
    Token end;
    end.pos = q_.size();
    out.push_back(std::move(end));
    return out;
  }

 private:
  Status Error(size_t pos, const std::string& what) const {
    return Status::Invalid(PositionText(q_, pos) + ": " + what);
  }

  Status Next(Token* t) {
    const char c = q_[i_];
    if (IsNameStart(c)) {
      size_t start = i_;
      while (i_ < q_.size() && IsNameChar(q_[i_])) ++i_;
      t->kind = TokenKind::kIdent;
      t->text = std::string(q_.substr(start, i_ - start));
      return Status::OK();
    }
    if (IsAsciiDigit(c) || (c == '.' && i_ + 1 < q_.size() && IsAsciiDigit(q_[i_ + 1]))) return Number(t);
    if (c == '\'') return Quoted('\'', TokenKind::kString, t);
    if (c == '"') return Quoted('"', TokenKind::kQuotedIdent, t);
    const char next = i_ + 1 < q_.size() ? q_[i_ + 1] : '\0';
    auto one = [&](TokenKind kind) {
      t->kind = kind;
      t->text = std::string(1, c);
      ++i_;
      return Status::OK();
    };
    auto two = [&](TokenKind kind) {
      t->kind = kind;
      t->text = std::string(q_.substr(i_, 2));
      i_ += 2;
      return Status::OK();
    };
    switch (c) {
      case '*':
        return one(TokenKind::kStar);
      case '|':
        return one(TokenKind::kPipe);
      case '(':
        return one(TokenKind::kLParen);
      case ')':
        return one(TokenKind::kRParen);
      case ',':
        return one(TokenKind::kComma);
      case '=':
        return one(TokenKind::kEq);
      case '+':
        return one(TokenKind::kPlus);
      case '-':
        return one(TokenKind::kMinus);
      case '/':
        return one(TokenKind::kSlash);
      case '!':
        if (next == '=') return two(TokenKind::kNe);
        break;
      case '<':
        if (next == '=') return two(TokenKind::kLe);
        if (next == '>') return two(TokenKind::kNe);
        return one(TokenKind::kLt);
      case '>':
        if (next == '=') return two(TokenKind::kGe);
        return one(TokenKind::kGt);
      default:
        break;
    }
    std::string shown = (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
                            ? "byte 0x" + Hex(static_cast<unsigned char>(c))
                            : "'" + std::string(1, c) + "'";
    std::string hint;
    if (c == ':' || c == '.' || c == '@')
      hint = "; a field name with such characters goes in double quotes: \"__tag__:host\"";
    if (c == '`') hint = "; quote field names with double quotes";
    return Error(i_, "unexpected " + shown + hint);
  }

  static std::string Hex(unsigned char b) {
    const char* digits = "0123456789abcdef";
    return std::string{digits[b >> 4], digits[b & 15]};
  }

  // digits [. digits] [e [+-] digits], or . digits [...]; SQL's grammar.
  Status Number(Token* t) {
    size_t start = i_;
    while (i_ < q_.size() && IsAsciiDigit(q_[i_])) ++i_;
    if (i_ < q_.size() && q_[i_] == '.') {
      ++i_;
      while (i_ < q_.size() && IsAsciiDigit(q_[i_])) ++i_;
    }
    if (i_ < q_.size() && (q_[i_] == 'e' || q_[i_] == 'E')) {
      size_t e = i_ + 1;
      if (e < q_.size() && (q_[e] == '+' || q_[e] == '-')) ++e;
      if (e < q_.size() && IsAsciiDigit(q_[e])) {
        i_ = e;
        while (i_ < q_.size() && IsAsciiDigit(q_[i_])) ++i_;
      }
    }
    if (i_ < q_.size() && (IsNameChar(q_[i_]) || q_[i_] == '.')) {
      return Error(start, "'" + std::string(q_.substr(start, i_ + 1 - start)) +
                              "' is neither a number nor a name; a name cannot start with a digit unless quoted");
    }
    t->kind = TokenKind::kNumber;
    t->text = std::string(q_.substr(start, i_ - start));
    return Status::OK();
  }

  Status Quoted(char quote, TokenKind kind, Token* t) {
    size_t start = i_++;
    std::string text;
    while (true) {
      if (i_ >= q_.size()) {
        return Error(start, kind == TokenKind::kString ? "the string starting here has no closing '"
                                                       : "the quoted name starting here has no closing \"");
      }
      char c = q_[i_++];
      if (c == quote) {
        if (i_ < q_.size() && q_[i_] == quote) {
          text.push_back(quote);
          ++i_;
          continue;
        }
        break;
      }
      text.push_back(c);
    }
    if (kind == TokenKind::kQuotedIdent && text.empty()) return Error(start, "an empty quoted name \"\"");
    t->kind = kind;
    t->text = std::move(text);
    return Status::OK();
  }

  std::string_view q_;
  size_t i_ = 0;
};

}  // namespace

Result<std::vector<Token>> Lex(std::string_view query) {
  return Lexer(query).Run();
}

std::string PositionText(std::string_view query, size_t pos) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < pos && i < query.size(); ++i) {
    if (query[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ":" + std::to_string(column);
}

std::string Describe(const Token& token) {
  // A message quotes at most this much of a long string or name.
  constexpr size_t kShown = 60;
  std::string text = token.text.size() > kShown ? token.text.substr(0, kShown - 3) + "..." : token.text;
  switch (token.kind) {
    case TokenKind::kEnd:
      return "the end of the query";
    case TokenKind::kString:
      return "the string '" + text + "'";
    case TokenKind::kQuotedIdent:
      return "\"" + text + "\"";
    default:
      return "'" + text + "'";
  }
}

}  // namespace slsflow::emulator::spl
