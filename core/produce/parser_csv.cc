// RFC 4180 CSV with a header record. A quoted field may hold newlines, so
// a record can span lines: the parser keeps the partial record and asks
// for more.
#include "core/produce/parser.h"

namespace slsflow {

namespace {

class CsvParser : public Parser {
 public:
  ParseOutcome Parse(std::string_view line, ParsedLog* out, std::string* error) override {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view text = line;
    if (pending_) {
      partial_ += '\n';
      partial_.append(line);
      text = partial_;
    } else {
      partial_.clear();
      if (line.empty()) return ParseOutcome::kSkip;
    }
    if (!IsValidUtf8(text)) {
      pending_ = false;
      *error = "not valid UTF-8";
      return ParseOutcome::kInvalid;
    }
    out->arena.reserve(text.size() + 16);
    fields_.clear();
    int rc = Split(text, out, error);
    if (rc < 0) {
      pending_ = false;
      return ParseOutcome::kInvalid;
    }
    if (rc == 0) {
      if (!pending_) partial_.assign(line);
      pending_ = true;
      out->arena.clear();
      return ParseOutcome::kNeedMore;
    }
    pending_ = false;
    if (header_.empty()) {
      for (auto f : fields_) header_.emplace_back(f);
      header_ok_ = ContentKeysOk(header_);
      out->arena.clear();
      return ParseOutcome::kSkip;
    }
    if (fields_.size() != header_.size()) {
      *error = "the record has " + std::to_string(fields_.size()) + " fields but the header has " +
               std::to_string(header_.size());
      return ParseOutcome::kInvalid;
    }
    for (size_t i = 0; i < fields_.size(); ++i) {
      Status st = out->AddField(header_[i], fields_[i]);
      if (!st.ok()) {
        *error = st.message();
        return ParseOutcome::kInvalid;
      }
    }
    if (out->contents.empty()) {
      *error = "no content columns";
      return ParseOutcome::kInvalid;
    }
    out->keys_checked = header_ok_;
    return ParseOutcome::kLog;
  }

  bool Pending() const override { return pending_; }

 private:
  // 1: a whole record in fields_; 0: ends inside quotes; -1: malformed.
  int Split(std::string_view text, ParsedLog* out, std::string* error) {
    size_t i = 0, n = text.size();
    for (;;) {
      if (i < n && text[i] == '"') {
        size_t start = ++i;
        bool escaped = false;
        for (;;) {
          size_t q = text.find('"', i);
          if (q == std::string_view::npos) return 0;
          if (q + 1 < n && text[q + 1] == '"') {
            escaped = true;
            i = q + 2;
            continue;
          }
          i = q;
          break;
        }
        std::string_view raw = text.substr(start, i - start);
        ++i;  // closing quote
        if (escaped) {
          size_t at = out->arena.size();
          for (size_t k = 0; k < raw.size(); ++k) {
            out->arena.push_back(raw[k]);
            if (raw[k] == '"') ++k;
          }
          fields_.emplace_back(out->arena.data() + at, out->arena.size() - at);
        } else {
          fields_.push_back(raw);
        }
        if (i < n && text[i] != ',') {
          *error = "text after a closing quote at column " + std::to_string(i + 1);
          return -1;
        }
      } else {
        size_t comma = text.find(',', i);
        size_t stop = comma == std::string_view::npos ? n : comma;
        std::string_view field = text.substr(i, stop - i);
        if (field.find('"') != std::string_view::npos) {
          *error = "a quote inside an unquoted field at column " + std::to_string(i + 1);
          return -1;
        }
        fields_.push_back(field);
        i = stop;
      }
      if (i >= n) return 1;
      ++i;  // the comma
      if (i == n) {
        fields_.emplace_back();
        return 1;
      }
    }
  }

  std::vector<std::string> header_;
  bool header_ok_ = false;  // checked once: the keys of every record
  std::vector<std::string_view> fields_;
  std::string partial_;
  bool pending_ = false;
};

}  // namespace

std::unique_ptr<Parser> MakeCsvParser() {
  return std::make_unique<CsvParser>();
}

}  // namespace slsflow
