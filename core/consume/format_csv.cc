// csv and tsv: a header row, then one row per log.
//
// Choices (also in doc/output-formats.md):
// - Columns come from --fields; without it they are __time__,content (the
//   key SLS and Logtail use for unparsed lines). Columns accept the same
//   names as templates: __time__, __time__:iso, __tag__:KEY, NAME:iso, ...
// - csv is RFC 4180 except that rows end in "\n", not "\r\n" (shell tools
//   expect LF; every CSV reader accepts it). A field is quoted when it holds
//   ',', '"', CR or LF; '"' doubles inside quotes.
// - tsv follows the PostgreSQL/ClickHouse text convention: tab, newline,
//   CR and backslash are written as \t \n \r \\ and nothing is quoted.
// - A missing field and an empty value are both an empty cell.
#include "core/consume/format_internal.h"

namespace slsflow::fmt {
namespace {

void AppendCsvCell(std::string_view value, Binary mode, std::string* out) {
  if (mode != Binary::kReplace && !IsValidUtf8(value)) {
    AppendBinaryMarked(value, mode, out);  // base64/hex text never needs quotes
    return;
  }
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    AppendUtf8Repaired(value, out);
    return;
  }
  out->push_back('"');
  size_t start = 0;
  while (true) {
    size_t q = value.find('"', start);
    if (q == std::string_view::npos) {
      AppendUtf8Repaired(value.substr(start), out);
      break;
    }
    AppendUtf8Repaired(value.substr(start, q - start), out);
    out->append("\"\"", 2);
    start = q + 1;
  }
  out->push_back('"');
}

void AppendTsvCell(std::string_view value, Binary mode, std::string* out) {
  if (mode != Binary::kReplace && !IsValidUtf8(value)) {
    AppendBinaryMarked(value, mode, out);
    return;
  }
  size_t start = 0;
  while (true) {
    size_t e = value.find_first_of("\t\n\r\\", start);
    if (e == std::string_view::npos) {
      AppendUtf8Repaired(value.substr(start), out);
      return;
    }
    AppendUtf8Repaired(value.substr(start, e - start), out);
    switch (value[e]) {
      case '\t':
        out->append("\\t", 2);
        break;
      case '\n':
        out->append("\\n", 2);
        break;
      case '\r':
        out->append("\\r", 2);
        break;
      default:
        out->append("\\\\", 2);
        break;
    }
    start = e + 1;
  }
}

class DelimitedFormatter final : public Formatter {
 public:
  DelimitedFormatter(std::vector<std::string> names, std::vector<FieldRef> columns, bool tsv, Binary binary)
      : names_(std::move(names)), columns_(std::move(columns)), tsv_(tsv), binary_(binary) {}

  std::string Header() const override {
    std::string out;
    for (size_t i = 0; i < names_.size(); ++i) {
      if (i != 0) out.push_back(tsv_ ? '\t' : ',');
      AppendCell(names_[i], Binary::kReplace, &out);
    }
    out.push_back('\n');
    return out;
  }

  void FormatLog(const LogGroupView& group, int index, const RecordMeta& meta, std::string* out) override {
    const LogView& log = group.logs(index);
    char scratch[48];
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i != 0) out->push_back(tsv_ ? '\t' : ',');
      std::string_view value;
      if (ResolveField(columns_[i], group, log, meta, scratch, &value)) {
        AppendCell(value, binary_, out);
      }
    }
    out->push_back('\n');
  }

 private:
  void AppendCell(std::string_view value, Binary mode, std::string* out) const {
    if (tsv_) {
      AppendTsvCell(value, mode, out);
    } else {
      AppendCsvCell(value, mode, out);
    }
  }

  std::vector<std::string> names_;
  std::vector<FieldRef> columns_;
  bool tsv_;
  Binary binary_;
};

}  // namespace

Result<std::unique_ptr<Formatter>> MakeDelimitedFormatter(const FormatOptions& options, bool tsv) {
  std::vector<std::string> names = options.fields.empty() ? DefaultCsvFields() : options.fields;
  std::vector<FieldRef> columns;
  for (const std::string& name : names) {
    Result<FieldRef> ref = ParseFieldRef(name);
    if (!ref.ok()) return ref.status().WithContext("--fields");
    columns.push_back(std::move(ref).value());
  }
  return std::unique_ptr<Formatter>(
      std::make_unique<DelimitedFormatter>(std::move(names), std::move(columns), tsv, options.binary));
}

}  // namespace slsflow::fmt
