#include "cli/config_file.h"

#include <doctest/doctest.h>

using namespace slsflow;
using namespace slsflow::cli;

TEST_CASE("INI parsing") {
  auto ini = ParseIni("# c\n[a]\nk = v\n; c\nx: y\n[b]\n", "f");
  REQUIRE(ini.ok());
  CHECK(*ini->Find("a", "k") == "v");
  CHECK(*ini->Find("a", "x") == "y");
  CHECK(ini->order == std::vector<std::string>{"a", "b"});
  CHECK(FormatIni(*ini) == "[a]\nk = v\nx = y\n\n[b]\n");
  auto bad = ParseIni("k = v\n", "f");
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().message().find("f:1") != std::string::npos);
  CHECK_FALSE(ParseIni("[a\n", "f").ok());
}
