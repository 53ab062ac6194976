// Runs a parsed SPL program (spl_parser.h) over one log at a time.
//
// Semantics, as documented in man/slsflow-emulator.1 (SPL):
// - Every log field is text (varchar). A field the log lacks is null, and
//   so is `__tag__:k` for a tag the group lacks; `__time__` is the log's
//   time in seconds as text; `__topic__` and `__source__` are the group's,
//   empty text when it has none.
// - Text against text compares bytewise. Text against a number compares as
//   numbers when the whole text is a decimal number (`12`, `-3.5`, `1e3`);
//   other text gives null there, so `where status > 400` drops a log whose
//   status is "n/a" (and so does `where not (status > 400)`).
// - Null in a comparison, like or arithmetic gives null; and/or/not follow
//   SQL's three-valued logic; where keeps a log only when the condition is
//   true.
// - like: % matches any run of characters, _ exactly one (UTF-8) character;
//   case-sensitive, no escape character.
// - A runtime error fails the log: cast of text that is no number (bigint
//   takes only an integer), bigint overflow, division by zero. A failed log
//   is dropped and counted (x-log-failedlines).
// - extend sets a field (replacing every field of that name), later
//   assignments of one extend see the earlier ones; a null result removes
//   the field. project keeps the listed fields in the listed order and
//   drops a listed field the log lacks; project-away removes fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/base/status.h"
#include "core/sls/loggroup_view.h"
#include "emulator/spl_parser.h"

namespace slsflow::emulator::spl {

class Value {
 public:
  enum class Kind { kNull, kText, kBigint, kDouble, kBoolean };

  Value() = default;
  static Value TextView(std::string_view s) { return Value(Storage(std::in_place_index<1>, s)); }
  static Value Text(std::string s) { return Value(Storage(std::in_place_index<2>, std::move(s))); }
  static Value Bigint(int64_t v) { return Value(Storage(std::in_place_index<3>, v)); }
  static Value Double(double v) { return Value(Storage(std::in_place_index<4>, v)); }
  static Value Boolean(bool v) { return Value(Storage(std::in_place_index<5>, v)); }

  Kind kind() const {
    switch (v_.index()) {
      case 0:
        return Kind::kNull;
      case 1:
      case 2:
        return Kind::kText;
      case 3:
        return Kind::kBigint;
      case 4:
        return Kind::kDouble;
      default:
        return Kind::kBoolean;
    }
  }
  bool is_null() const { return v_.index() == 0; }
  std::string_view text() const { return v_.index() == 1 ? std::get<1>(v_) : std::string_view(std::get<2>(v_)); }
  int64_t bigint() const { return std::get<3>(v_); }
  double double_value() const { return std::get<4>(v_); }
  bool boolean() const { return std::get<5>(v_); }

  // How the value goes into a log: text as is, 42, 1.5 / 2.0, true.
  // Null has no text (the field is left out).
  std::string ToText() const;

 private:
  // A view (into the stored LogGroup) or an owned string: log fields are
  // read without copying, computed text owns its bytes.
  using Storage = std::variant<std::monostate, std::string_view, std::string, int64_t, double, bool>;
  explicit Value(Storage v) : v_(std::move(v)) {}
  Storage v_;
};

struct RowField {
  std::string_view name;  // into the LogGroup or the Program
  Value value;
};

// One log as the program sees it.
struct Row {
  std::vector<RowField> fields;  // contents, in order
  uint32_t time = 0;
  const LogGroupView* group = nullptr;  // topic, source, tags; may be null

  // A field, or for a meta name (IsMetaName) the log's or group's value.
  Value Get(std::string_view name) const;
  // Sets `name`, replacing every field of that name; a null removes it.
  void Set(std::string_view name, Value value);
};

enum class RowOutcome { kKept, kDropped, kFailed };

// Fills `row` from a decoded log of `group`, its values viewing the bytes.
void LoadRow(const LogView& log, const LogGroupView& group, Row* row);

// Runs every stage of `program` over `row`, reshaping it in place. On
// kFailed, `why` (when given) says what failed.
RowOutcome RunProgram(const Program& program, Row* row, std::string* why = nullptr);

// One expression over one row; an error is a runtime failure of the row.
Result<Value> Evaluate(const Expr& expr, const Row& row);

// True when `text` matches the like `pattern`.
bool LikeMatch(std::string_view text, std::string_view pattern);

// `text` as a decimal number: [+-] digits [. digits] [e [+-] digits] (or
// starting with the point), nothing around it. An integer that fits comes
// back as a bigint, anything else as a double; false when it is no number.
bool ParseNumber(std::string_view text, Value* out);

}  // namespace slsflow::emulator::spl
