// INI files: slsflow's own ~/.config/slsflow/config and the aliyun CLI's
// ~/.aliyunlogcli. Sections hold key = value lines; '#' and ';' start
// comments. Keys keep their case (Flink-style keys are upper case).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/base/status.h"

namespace slsflow::cli {

struct IniFile {
  // section -> key -> value, sections in file order in `order`.
  std::map<std::string, std::map<std::string, std::string>> sections;
  std::vector<std::string> order;
  const std::string* Find(const std::string& section, const std::string& key) const;
};

// kConfig with the line number on malformed input.
Result<IniFile> ParseIni(const std::string& text, const std::string& file_name);

// Writes sections back in order (used by `slsflow configure`).
std::string FormatIni(const IniFile& ini);

}  // namespace slsflow::cli
