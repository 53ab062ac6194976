#include "cli/table.h"

#include <algorithm>

#include "core/base/time_grammar.h"

namespace slsflow::cli {

Result<OutputFormat> ParseOutputFormat(const std::string& text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "json") return OutputFormat::kJson;
  if (text == "csv") return OutputFormat::kCsv;
  return Status::Usage("--format '" + text + "': expected table, json or csv");
}

void Table::AddRow(std::vector<nlohmann::ordered_json> cells) {
  cells.resize(columns_.size());  // missing trailing cells are null
  rows_.push_back(std::move(cells));
}

std::string CellText(const nlohmann::ordered_json& cell, const std::string& null_text) {
  if (cell.is_null()) return null_text;
  if (cell.is_string()) return cell.get<std::string>();
  return cell.dump();
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string Table::RenderTable() const {
  std::vector<size_t> width(columns_.size());
  std::vector<std::vector<std::string>> text(rows_.size(), std::vector<std::string>(columns_.size()));
  for (size_t c = 0; c < columns_.size(); ++c) width[c] = columns_[c].title.size();
  for (size_t r = 0; r < rows_.size(); ++r)
    for (size_t c = 0; c < columns_.size(); ++c) {
      text[r][c] = CellText(rows_[r][c], "-");
      width[c] = std::max(width[c], text[r][c].size());
    }
  std::string out;
  auto line = [&](auto cell_of) {
    std::string l;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const std::string& t = cell_of(c);
      size_t pad = width[c] - t.size();
      bool last = c + 1 == columns_.size();
      if (c > 0) l += "  ";
      if (columns_[c].right_align) l.append(pad, ' ');
      l += t;
      if (!columns_[c].right_align && !last) l.append(pad, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line([&](size_t c) -> const std::string& { return columns_[c].title; });
  for (size_t r = 0; r < rows_.size(); ++r) line([&](size_t c) -> const std::string& { return text[r][c]; });
  return out;
}

std::string Table::RenderCsv() const {
  std::string out;
  for (size_t c = 0; c < columns_.size(); ++c) out += (c ? "," : "") + CsvField(columns_[c].key);
  out += "\n";
  for (const auto& row : rows_) {
    for (size_t c = 0; c < columns_.size(); ++c) out += (c ? "," : "") + CsvField(CellText(row[c], ""));
    out += "\n";
  }
  return out;
}

nlohmann::ordered_json Table::ToJson() const {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& row : rows_) {
    nlohmann::ordered_json obj = nlohmann::ordered_json::object();
    for (size_t c = 0; c < columns_.size(); ++c) obj[columns_[c].key] = row[c];
    arr.push_back(std::move(obj));
  }
  return arr;
}

std::string Table::RenderJson(bool compact) const {
  // Replace invalid UTF-8 rather than throw: names come from the server.
  return ToJson().dump(compact ? -1 : 2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string Table::Render(OutputFormat format) const {
  switch (format) {
    case OutputFormat::kJson:
      return RenderJson();
    case OutputFormat::kCsv:
      return RenderCsv();
    case OutputFormat::kTable:
      break;
  }
  return RenderTable();
}

nlohmann::ordered_json IsoTime(int64_t seconds) {
  if (seconds <= 0) return nullptr;
  std::string out;
  AppendRfc3339Utc(seconds, 0, false, &out);
  return out;
}

nlohmann::ordered_json IsoTimeMicros(int64_t micros) {
  if (micros <= 0) return nullptr;
  std::string out;
  AppendRfc3339Utc(micros / 1000000, (micros % 1000000) * 1000, true, &out);
  return out;
}

}  // namespace slsflow::cli
