#include "emulator/spl_eval.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace slsflow::emulator::spl {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Bytes of the UTF-8 character at `i`; 1 for a byte that starts none, so
// that invalid text is still matched byte by byte.
size_t CharLength(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
  if (i + n > s.size()) return 1;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 1;
  }
  return n;
}

Status Failure(std::string what) {
  return Status::Invalid(std::move(what));
}

std::string Quoted(std::string_view text) {
  constexpr size_t kShown = 40;  // enough to recognise the value
  return "'" + std::string(text.substr(0, kShown)) + (text.size() > kShown ? "...'" : "'");
}

// `v` as a bigint or double; false for text that is no number.
bool AsNumber(const Value& v, Value* out) {
  switch (v.kind()) {
    case Value::Kind::kBigint:
    case Value::Kind::kDouble:
      *out = v;
      return true;
    case Value::Kind::kText:
      return ParseNumber(v.text(), out);
    default:
      return false;
  }
}

double ToDouble(const Value& number) {
  return number.kind() == Value::Kind::kBigint ? static_cast<double>(number.bigint()) : number.double_value();
}

constexpr int kUnordered = 2;  // a NaN on either side

int Order(int64_t a, int64_t b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
int Order(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? kUnordered : a < b ? -1 : a > b ? 1 : 0;
}
// Exact, where converting the bigint to a double would round it (2^63 - 1
// and 2^63 are one double).
int Order(int64_t a, double b) {
  if (std::isnan(b)) return kUnordered;
  if (b >= 9223372036854775808.0) return -1;
  if (b < -9223372036854775808.0) return 1;
  const double whole = std::floor(b);
  const int by_whole = Order(a, static_cast<int64_t>(whole));
  return by_whole != 0 ? by_whole : (whole < b ? -1 : 0);
}

int NumberOrder(const Value& a, const Value& b) {
  const bool ai = a.kind() == Value::Kind::kBigint, bi = b.kind() == Value::Kind::kBigint;
  if (ai && bi) return Order(a.bigint(), b.bigint());
  if (ai) return Order(a.bigint(), b.double_value());
  if (bi) {
    const int o = Order(b.bigint(), a.double_value());
    return o == kUnordered ? o : -o;
  }
  return Order(a.double_value(), b.double_value());
}

bool Holds(CompareOp op, int order) {
  if (order == kUnordered) return op == CompareOp::kNe;
  switch (op) {
    case CompareOp::kEq:
      return order == 0;
    case CompareOp::kNe:
      return order != 0;
    case CompareOp::kLt:
      return order < 0;
    case CompareOp::kLe:
      return order <= 0;
    case CompareOp::kGt:
      return order > 0;
    case CompareOp::kGe:
      return order >= 0;
  }
  return false;
}

Value Compare(CompareOp op, const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return Value();
  if (a.kind() == Value::Kind::kText && b.kind() == Value::Kind::kText) {
    const int c = a.text().compare(b.text());  // bytewise, as unsigned bytes
    return Value::Boolean(Holds(op, c < 0 ? -1 : c > 0 ? 1 : 0));
  }
  if (a.kind() == Value::Kind::kBoolean && b.kind() == Value::Kind::kBoolean) {
    return Value::Boolean(Holds(op, Order(int64_t{a.boolean()}, int64_t{b.boolean()})));
  }
  Value x, y;
  if (!AsNumber(a, &x) || !AsNumber(b, &y)) return Value();  // text that is no number
  return Value::Boolean(Holds(op, NumberOrder(x, y)));
}

Result<Value> Arithmetic(ArithOp op, const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return Value();
  if (a.kind() == Value::Kind::kBigint && b.kind() == Value::Kind::kBigint) {
    int64_t x = a.bigint(), y = b.bigint(), r = 0;
    bool overflow = false;
    switch (op) {
      case ArithOp::kAdd:
        overflow = __builtin_add_overflow(x, y, &r);
        break;
      case ArithOp::kSub:
        overflow = __builtin_sub_overflow(x, y, &r);
        break;
      case ArithOp::kMul:
        overflow = __builtin_mul_overflow(x, y, &r);
        break;
      case ArithOp::kDiv:
        if (y == 0) return Failure("division by zero");
        if (x == INT64_MIN && y == -1)
          overflow = true;
        else
          r = x / y;  // truncates toward zero, as SQL does
        break;
    }
    if (overflow) return Failure("bigint overflow");
    return Value::Bigint(r);
  }
  double x = ToDouble(a), y = ToDouble(b);
  switch (op) {
    case ArithOp::kAdd:
      return Value::Double(x + y);
    case ArithOp::kSub:
      return Value::Double(x - y);
    case ArithOp::kMul:
      return Value::Double(x * y);
    case ArithOp::kDiv:
      if (y == 0) return Failure("division by zero");
      return Value::Double(x / y);
  }
  return Value();
}

Result<Value> Cast(const Value& v, Type to) {
  if (v.is_null()) return Value();
  switch (to) {
    case Type::kVarchar:
      if (v.kind() == Value::Kind::kText) return v;
      return Value::Text(v.ToText());
    case Type::kBigint:
      switch (v.kind()) {
        case Value::Kind::kBigint:
          return v;
        case Value::Kind::kBoolean:
          return Value::Bigint(v.boolean() ? 1 : 0);
        case Value::Kind::kDouble: {
          const double r = std::round(v.double_value());  // half away from zero
          if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) {
            return Failure("cannot cast " + v.ToText() + " to bigint: out of range");
          }
          return Value::Bigint(static_cast<int64_t>(r));
        }
        default: {
          Value n;
          if (!ParseNumber(v.text(), &n) || n.kind() != Value::Kind::kBigint) {
            return Failure("cannot cast " + Quoted(v.text()) + " to bigint");
          }
          return n;
        }
      }
    case Type::kDouble:
      switch (v.kind()) {
        case Value::Kind::kDouble:
          return v;
        case Value::Kind::kBigint:
          return Value::Double(static_cast<double>(v.bigint()));
        case Value::Kind::kBoolean:
          return Value::Double(v.boolean() ? 1 : 0);
        default: {
          Value n;
          if (!ParseNumber(v.text(), &n)) return Failure("cannot cast " + Quoted(v.text()) + " to double");
          return Value::Double(ToDouble(n));
        }
      }
    case Type::kBoolean:
      break;  // the parser casts to no boolean
  }
  return Failure("cast to boolean");
}

// SQL's three-valued and/or: `known` decides alone (false for and, true
// for or); otherwise null wins over the other value.
Result<Value> Logic(const Expr& e, const Row& row, bool known) {
  auto a = Evaluate(*e.left, row);
  if (!a.ok()) return a;
  if (!a->is_null() && a->boolean() == known) return Value::Boolean(known);
  auto b = Evaluate(*e.right, row);
  if (!b.ok()) return b;
  if (!b->is_null() && b->boolean() == known) return Value::Boolean(known);
  if (a->is_null() || b->is_null()) return Value();
  return Value::Boolean(!known);
}

}  // namespace

std::string Value::ToText() const {
  switch (kind()) {
    case Kind::kNull:
      return "";
    case Kind::kText:
      return std::string(text());
    case Kind::kBigint:
      return std::to_string(bigint());
    case Kind::kBoolean:
      return boolean() ? "true" : "false";
    case Kind::kDouble:
      break;
  }
  const double d = double_value();
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  std::string s(buf, ec == std::errc() ? end : buf);
  // A double reads as one: 2.0, not 2.
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

bool ParseNumber(std::string_view s, Value* out) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++int_digits;
  bool integral = true;
  if (i < s.size() && s[i] == '.') {
    integral = false;
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    integral = false;
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  if (i != s.size()) return false;
  // from_chars takes no leading '+'.
  std::string_view digits = s[0] == '+' ? s.substr(1) : s;
  const char* first = digits.data();
  const char* last = digits.data() + digits.size();
  if (integral) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(first, last, v);
    if (ec == std::errc() && ptr == last) {
      *out = Value::Bigint(v);
      return true;
    }
  }
  double d = 0;
  auto [ptr, ec] = std::from_chars(first, last, d);
  if (ec != std::errc() || ptr != last) return false;  // out of the double range
  *out = Value::Double(d);
  return true;
}

bool LikeMatch(std::string_view text, std::string_view pattern) {
  // The greedy wildcard walk: on a mismatch, let the last % take one more
  // character and retry from there.
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star_p = ++p;
      star_t = t;
    } else if (p < pattern.size() && pattern[p] == '_') {
      t += CharLength(text, t);
      ++p;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++t;
      ++p;
    } else if (star_p != std::string_view::npos) {
      star_t += CharLength(text, star_t);
      t = star_t;
      p = star_p;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

Value Row::Get(std::string_view name) const {
  if (IsMetaName(name)) {
    if (name == "__time__") return Value::Text(std::to_string(time));
    if (name == "__topic__") return Value::TextView(group ? group->topic() : std::string_view());
    if (name == "__source__") return Value::TextView(group ? group->source() : std::string_view());
    std::string_view key = name.substr(std::string_view("__tag__:").size());
    if (group) {
      for (const KeyValueView& tag : group->logtags()) {
        if (tag.key() == key) return Value::TextView(tag.value());
      }
    }
    return Value();
  }
  for (const RowField& f : fields) {
    if (f.name == name) return f.value;
  }
  return Value();
}

void Row::Set(std::string_view name, Value value) {
  auto first = std::find_if(fields.begin(), fields.end(), [&](const RowField& f) { return f.name == name; });
  if (first == fields.end()) {
    if (!value.is_null()) fields.push_back(RowField{name, std::move(value)});
    return;
  }
  size_t keep = static_cast<size_t>(first - fields.begin());
  fields[keep].value = std::move(value);
  bool remove_first = fields[keep].value.is_null();
  size_t out = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name && (i != keep || remove_first)) continue;
    if (out != i) fields[out] = std::move(fields[i]);
    ++out;
  }
  fields.resize(out);
}

void LoadRow(const LogView& log, const LogGroupView& group, Row* row) {
  row->fields.clear();
  for (const KeyValueView& kv : log.contents()) row->fields.push_back(RowField{kv.key(), Value::TextView(kv.value())});
  row->time = log.time();
  row->group = &group;
}

Result<Value> Evaluate(const Expr& e, const Row& row) {
  switch (e.kind) {
    case ExprKind::kField:
      return row.Get(e.text);
    case ExprKind::kString:
      return Value::TextView(e.text);
    case ExprKind::kBigint:
      return Value::Bigint(e.int_value);
    case ExprKind::kDouble:
      return Value::Double(e.double_value);
    case ExprKind::kCast: {
      auto v = Evaluate(*e.left, row);
      if (!v.ok()) return v;
      return Cast(*v, e.type);
    }
    case ExprKind::kCompare: {
      auto a = Evaluate(*e.left, row);
      if (!a.ok()) return a;
      auto b = Evaluate(*e.right, row);
      if (!b.ok()) return b;
      return Compare(e.compare, *a, *b);
    }
    case ExprKind::kLike: {
      auto a = Evaluate(*e.left, row);
      if (!a.ok()) return a;
      auto b = Evaluate(*e.right, row);
      if (!b.ok()) return b;
      if (a->is_null() || b->is_null()) return Value();
      return Value::Boolean(LikeMatch(a->text(), b->text()) != e.negated);
    }
    case ExprKind::kIsNull: {
      auto a = Evaluate(*e.left, row);
      if (!a.ok()) return a;
      return Value::Boolean(a->is_null() != e.negated);
    }
    case ExprKind::kAnd:
      return Logic(e, row, false);
    case ExprKind::kOr:
      return Logic(e, row, true);
    case ExprKind::kNot: {
      auto a = Evaluate(*e.left, row);
      if (!a.ok() || a->is_null()) return a;
      return Value::Boolean(!a->boolean());
    }
    case ExprKind::kArith: {
      auto a = Evaluate(*e.left, row);
      if (!a.ok()) return a;
      auto b = Evaluate(*e.right, row);
      if (!b.ok()) return b;
      return Arithmetic(e.arith, *a, *b);
    }
    case ExprKind::kNegate: {
      auto a = Evaluate(*e.left, row);
      if (!a.ok() || a->is_null()) return a;
      if (a->kind() == Value::Kind::kDouble) return Value::Double(-a->double_value());
      if (a->bigint() == INT64_MIN) return Failure("bigint overflow");
      return Value::Bigint(-a->bigint());
    }
  }
  return Failure("unknown expression");
}

RowOutcome RunProgram(const Program& program, Row* row, std::string* why) {
  auto failed = [&](const Status& st) {
    if (why) *why = st.message();
    return RowOutcome::kFailed;
  };
  for (const Stage& stage : program.stages) {
    switch (stage.kind) {
      case StageKind::kWhere: {
        auto v = Evaluate(*stage.condition, *row);
        if (!v.ok()) return failed(v.status());
        if (v->is_null() || !v->boolean()) return RowOutcome::kDropped;
        break;
      }
      case StageKind::kExtend:
        for (const Assignment& a : stage.assignments) {
          auto v = Evaluate(*a.value, *row);
          if (!v.ok()) return failed(v.status());
          row->Set(a.name, std::move(*v));
        }
        break;
      case StageKind::kProject: {
        std::vector<RowField> kept;
        for (size_t n = 0; n < stage.names.size(); ++n) {
          const std::string& name = stage.names[n];
          if (std::find(stage.names.begin(), stage.names.begin() + static_cast<ptrdiff_t>(n), name) !=
              stage.names.begin() + static_cast<ptrdiff_t>(n)) {
            continue;  // listed twice: kept once
          }
          for (RowField& f : row->fields) {
            if (f.name == name) kept.push_back(std::move(f));
          }
        }
        row->fields = std::move(kept);
        break;
      }
      case StageKind::kProjectAway:
        std::erase_if(row->fields, [&](const RowField& f) {
          return std::find(stage.names.begin(), stage.names.end(), f.name) != stage.names.end();
        });
        break;
    }
  }
  return RowOutcome::kKept;
}

}  // namespace slsflow::emulator::spl
