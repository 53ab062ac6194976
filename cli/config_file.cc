#include "cli/config_file.h"

namespace slsflow::cli {

namespace {
std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}
}  // namespace

const std::string* IniFile::Find(const std::string& section, const std::string& key) const {
  auto s = sections.find(section);
  if (s == sections.end()) return nullptr;
  auto k = s->second.find(key);
  return k == s->second.end() ? nullptr : &k->second;
}

Result<IniFile> ParseIni(const std::string& text, const std::string& file_name) {
  IniFile ini;
  std::string section;
  size_t line_no = 0, pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = Trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']')
        return Status::Config(file_name + ":" + std::to_string(line_no) + ": section header lacks ']'");
      section = Trim(line.substr(1, line.size() - 2));
      if (!ini.sections.count(section)) ini.order.push_back(section);
      ini.sections[section];
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos) eq = line.find(':');
    if (eq == std::string::npos)
      return Status::Config(file_name + ":" + std::to_string(line_no) + ": expected 'key = value'");
    if (section.empty())
      return Status::Config(file_name + ":" + std::to_string(line_no) + ": 'key = value' before any [section]");
    ini.sections[section][Trim(line.substr(0, eq))] = Trim(line.substr(eq + 1));
  }
  return ini;
}

std::string FormatIni(const IniFile& ini) {
  std::string out;
  for (auto& name : ini.order) {
    if (!out.empty()) out += "\n";
    out += "[" + name + "]\n";
    for (auto& [k, v] : ini.sections.at(name)) out += k + " = " + v + "\n";
  }
  return out;
}

}  // namespace slsflow::cli
