// Listings as a table for people, JSON for programs, CSV for spreadsheets,
// from one set of rows so the three never disagree. A column's key is its
// JSON key and CSV header; its title is the table header. Cells are JSON
// values: null prints as "-" in a table and as an empty CSV field.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/base/status.h"

namespace slsflow::cli {

enum class OutputFormat { kTable, kJson, kCsv };

// "table" | "json" | "csv"; kUsage otherwise.
Result<OutputFormat> ParseOutputFormat(const std::string& text);

struct Column {
  std::string key;    // stable JSON key / CSV header
  std::string title;  // table header
  bool right_align = false;
};

class Table {
 public:
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // One value per column, in column order.
  void AddRow(std::vector<nlohmann::ordered_json> cells);

  const std::vector<Column>& columns() const { return columns_; }
  size_t size() const { return rows_.size(); }

  // Aligned columns with a header line; one line per row.
  std::string RenderTable() const;
  // Header line with the keys, then RFC 4180 rows (CRLF-free: "\n").
  std::string RenderCsv() const;
  // An array of objects with the keys in column order.
  nlohmann::ordered_json ToJson() const;
  // Pretty (indent 2) unless `compact`, which gives one line (for --watch).
  std::string RenderJson(bool compact = false) const;
  std::string Render(OutputFormat format) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<nlohmann::ordered_json>> rows_;
};

// The text a cell shows in a table or CSV: strings as they are, null as
// `null_text`, everything else as JSON.
std::string CellText(const nlohmann::ordered_json& cell, const std::string& null_text);

// A CSV field, quoted when it holds a comma, quote, CR or LF.
std::string CsvField(const std::string& text);

// "2026-11-25T12:00:00Z" from epoch seconds; null when `seconds` is 0 or less.
nlohmann::ordered_json IsoTime(int64_t seconds);
// "2026-11-25T12:00:00.123Z" from epoch microseconds; null when 0 or less.
nlohmann::ordered_json IsoTimeMicros(int64_t micros);

}  // namespace slsflow::cli
