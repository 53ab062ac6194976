// Regex input with named groups. std::regex has no named groups and is
// slow; POSIX ERE through regcomp is faster, so PCRE-style names are
// translated into positional groups and remembered by index.
#include <regex.h>

#include "core/produce/parser.h"

namespace slsflow {

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':' ||
         c == '.' || c == '-';
}

// Class escapes inside a bracket expression, as POSIX spells them.
const char* BracketClass(char c) {
  switch (c) {
    case 'd':
      return "0-9";
    case 's':
      return "[:space:]";
    case 'w':
      return "[:alnum:]_";
    case 't':
      return "\t";
    default:
      return nullptr;
  }
}

}  // namespace

Result<TranslatedRegex> TranslateRegex(const std::string& pattern) {
  TranslatedRegex out;
  bool in_bracket = false;
  size_t bracket_start = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (in_bracket) {
      if (c == '\\' && i + 1 < pattern.size()) {
        char e = pattern[++i];
        if (const char* cls = BracketClass(e)) {
          out.ere += cls;
        } else if (e == 'D' || e == 'S' || e == 'W') {
          return Status::Usage("--regex: \\" + std::string(1, e) +
                               " inside [...] is not supported; write the class out");
        } else {
          out.ere += e;  // a backslash is literal in POSIX brackets; PCRE means the character
        }
        continue;
      }
      if (c == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {
        size_t close = pattern.find(":]", i + 2);
        if (close == std::string::npos) return Status::Usage("--regex: unterminated [: class");
        out.ere += pattern.substr(i, close + 2 - i);
        i = close + 1;
        continue;
      }
      // ']' first in the bracket (or after '^') is literal.
      if (c == ']' && i > bracket_start + 1 && !(i == bracket_start + 2 && pattern[bracket_start + 1] == '^')) {
        in_bracket = false;
      }
      out.ere += c;
      continue;
    }
    switch (c) {
      case '[':
        in_bracket = true;
        bracket_start = i;
        out.ere += c;
        break;
      case '\\': {
        if (i + 1 >= pattern.size()) return Status::Usage("--regex: trailing backslash");
        char e = pattern[++i];
        switch (e) {
          case 'd':
            out.ere += "[0-9]";
            break;
          case 'D':
            out.ere += "[^0-9]";
            break;
          case 't':
            out.ere += '\t';
            break;
          case 'w':
          case 'W':
          case 's':
          case 'S':
          case 'b':
          case 'B':
          case '<':
          case '>':
            out.ere += '\\';
            out.ere += e;
            break;
          default:
            if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))
              return Status::Usage(std::string("--regex: escape \\") + e + " is not supported by POSIX ERE");
            out.ere += '\\';
            out.ere += e;
        }
        break;
      }
      case '(': {
        if (i + 1 < pattern.size() && pattern[i + 1] == '?') {
          size_t j = i + 2;
          if (j < pattern.size() && pattern[j] == ':') {
            out.names.emplace_back();
            out.ere += '(';
            i = j;
            break;
          }
          if (j < pattern.size() && pattern[j] == 'P') ++j;
          if (j >= pattern.size() || pattern[j] != '<')
            return Status::Usage("--regex: only (?P<name>...), (?<name>...) and (?:...) groups are supported");
          size_t name_start = j + 1, k = name_start;
          while (k < pattern.size() && IsNameChar(pattern[k])) ++k;
          if (k >= pattern.size() || pattern[k] != '>' || k == name_start)
            return Status::Usage("--regex: bad group name at offset " + std::to_string(i));
          out.names.push_back(pattern.substr(name_start, k - name_start));
          out.ere += '(';
          i = k;
          break;
        }
        out.names.emplace_back();
        out.ere += '(';
        break;
      }
      default:
        out.ere += c;
    }
  }
  if (in_bracket) return Status::Usage("--regex: unterminated [...]");
  bool any = false;
  for (auto& n : out.names) any = any || !n.empty();
  if (!any) return Status::Usage("--regex needs at least one named group, e.g. (?P<ip>\\S+)");
  return out;
}

namespace {

class RegexParser : public Parser {
 public:
  ~RegexParser() override {
    if (compiled_) regfree(&re_);
  }

  Status Init(const std::string& pattern) {
    auto tr = TranslateRegex(pattern);
    if (!tr.ok()) return tr.status();
    names_ = tr->names;
    names_ok_ = ContentKeysOk(names_);
    int rc = regcomp(&re_, tr->ere.c_str(), REG_EXTENDED);
    if (rc != 0) {
      char buf[256];
      regerror(rc, &re_, buf, sizeof buf);
      return Status::Usage("--regex does not compile as POSIX ERE (" + tr->ere + "): " + buf);
    }
    compiled_ = true;
    matches_.resize(names_.size() + 1);
    return Status::OK();
  }

  ParseOutcome Parse(std::string_view line, ParsedLog* out, std::string* error) override {
    if (!IsValidUtf8(line)) {
      *error = "not valid UTF-8";
      return ParseOutcome::kInvalid;
    }
    // REG_STARTEND matches inside the buffer without a NUL-terminated copy.
    matches_[0].rm_so = 0;
    matches_[0].rm_eo = static_cast<regoff_t>(line.size());
    if (regexec(&re_, line.data(), matches_.size(), matches_.data(), REG_STARTEND) != 0) {
      *error = "the line does not match --regex";
      return ParseOutcome::kInvalid;
    }
    for (size_t g = 0; g < names_.size(); ++g) {
      const regmatch_t& m = matches_[g + 1];
      if (names_[g].empty() || m.rm_so < 0) continue;
      std::string_view value = line.substr(static_cast<size_t>(m.rm_so), static_cast<size_t>(m.rm_eo - m.rm_so));
      Status st = out->AddField(names_[g], value);
      if (!st.ok()) {
        *error = st.message();
        return ParseOutcome::kInvalid;
      }
    }
    if (out->contents.empty()) {
      *error = "no named group matched a content key";
      return ParseOutcome::kInvalid;
    }
    out->keys_checked = names_ok_;
    return ParseOutcome::kLog;
  }

 private:
  regex_t re_{};
  bool compiled_ = false;
  std::vector<std::string> names_;
  bool names_ok_ = false;  // checked once: the keys of every log are among them
  std::vector<regmatch_t> matches_;
};

}  // namespace

Result<std::unique_ptr<Parser>> MakeRegexParser(const std::string& pattern) {
  auto p = std::make_unique<RegexParser>();
  SLSFLOW_RETURN_IF_ERROR(p->Init(pattern));
  return std::unique_ptr<Parser>(std::move(p));
}

}  // namespace slsflow
