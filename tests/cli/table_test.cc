#include "cli/table.h"

#include <doctest/doctest.h>

namespace slsflow::cli {
namespace {

Table Sample() {
  Table t({{"shard", "SHARD", true}, {"status", "STATUS"}, {"note", "NOTE"}});
  t.AddRow({0, "readwrite", nullptr});
  t.AddRow({12, "readonly", "a, \"quoted\" note"});
  return t;
}

TEST_CASE("table: aligned columns, right-aligned numbers, null as a dash, no trailing spaces") {
  CHECK(Sample().RenderTable() ==
        "SHARD  STATUS     NOTE\n"
        "    0  readwrite  -\n"
        "   12  readonly   a, \"quoted\" note\n");
}

TEST_CASE("table: csv has the JSON keys as its header and quotes what needs it") {
  CHECK(Sample().RenderCsv() ==
        "shard,status,note\n"
        "0,readwrite,\n"
        "12,readonly,\"a, \"\"quoted\"\" note\"\n");
  CHECK(CsvField("plain") == "plain");
  CHECK(CsvField("two\nlines") == "\"two\nlines\"");
}

TEST_CASE("table: json keeps column order and value types") {
  CHECK(Sample().RenderJson(true) ==
        "[{\"shard\":0,\"status\":\"readwrite\",\"note\":null},"
        "{\"shard\":12,\"status\":\"readonly\",\"note\":\"a, \\\"quoted\\\" note\"}]\n");
  CHECK(Table(std::vector<Column>{{"a", "A"}}).RenderJson(true) == "[]\n");
}

TEST_CASE("table: short rows are padded with nulls") {
  Table t({{"a", "A"}, {"b", "B"}});
  t.AddRow({1});
  CHECK(t.ToJson()[0]["b"].is_null());
}

TEST_CASE("table: output format names") {
  CHECK(*ParseOutputFormat("json") == OutputFormat::kJson);
  CHECK(*ParseOutputFormat("csv") == OutputFormat::kCsv);
  CHECK(*ParseOutputFormat("table") == OutputFormat::kTable);
  auto bad = ParseOutputFormat("yaml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().ExitCode() == 2);
}

TEST_CASE("table: times are ISO UTC, zero is unknown") {
  CHECK(IsoTime(1795610096) == "2026-11-25T12:34:56Z");
  CHECK(IsoTime(0).is_null());
  CHECK(IsoTimeMicros(1795610096123456) == "2026-11-25T12:34:56.123Z");
  CHECK(IsoTimeMicros(0).is_null());
}

}  // namespace
}  // namespace slsflow::cli
