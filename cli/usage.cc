#include "cli/usage.h"

#include <algorithm>

namespace slsflow::cli {

namespace {

// Names that moved: a plain "unknown option" would leave the user guessing.
struct MovedFlag {
  const char* command;
  const char* flag;
  const char* advice;
};

constexpr MovedFlag kMovedFlags[] = {
    {"slsflow groups create", "--timeout",
     "the group's heartbeat timeout is --group-timeout (e.g. --group-timeout 2m); elsewhere --timeout is the "
     "per-request timeout"},
    {"slsflow groups update", "--timeout",
     "the group's heartbeat timeout is --group-timeout (e.g. --group-timeout 2m); elsewhere --timeout is the "
     "per-request timeout"},
    {"slsflow consume", "-F", "-F is produce's --follow (as in tail -F); consume's template is --template"},
};

// Optimal string alignment distance: insertions, deletions, substitutions
// and swaps of two neighbours each count one.
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string WithGuess(std::string line, const std::string& guess) {
  if (!guess.empty()) line += "; did you mean '" + guess + "'?";
  return line;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string UnknownOption(const CLI::App& app, std::string typed) {
  typed = typed.substr(0, typed.find('='));
  const std::string path = CommandPath(app);
  for (const auto& moved : kMovedFlags)
    if (path == moved.command && typed == moved.flag)
      return path.substr(sizeof("slsflow")) + " takes no " + typed + ": " + moved.advice;
  return WithGuess("unknown option '" + typed + "'", DidYouMean(typed, OptionNames(app)));
}

// "GROUP is required" / "--to is required": the option not given.
std::string MissingRequirement(const CLI::App& app) {
  for (const CLI::Option* opt : app.get_options())
    if (opt->get_required() && opt->count() == 0) return opt->get_name();
  return std::string();
}

std::string Describe(const CLI::App& app, const CLI::ParseError& error) {
  const std::string what = error.what();
  const std::string name = app.get_parent() ? CommandPath(app).substr(sizeof("slsflow")) : std::string();
  const std::vector<std::string> left = app.remaining();
  // An unknown option explains the rest (a value taken for a positional, a
  // required one missing), so it is named first whatever CLI11 threw.
  for (const auto& word : left)
    if (word.size() > 1 && word[0] == '-') return UnknownOption(app, word);
  if (dynamic_cast<const CLI::ExtrasError*>(&error) && !left.empty()) {
    if (!SubcommandNames(app).empty())
      return WithGuess("unknown command '" + left.front() + "'", DidYouMean(left.front(), SubcommandNames(app)));
    return "unexpected argument '" + left.front() + "'";
  }
  if (dynamic_cast<const CLI::RequiredError*>(&error)) {
    if (app.get_require_subcommand_min() > 0 && app.get_subcommands().empty()) {
      for (const auto& word : left)
        if (word.empty() || word[0] != '-')
          return WithGuess("unknown command '" + word + "'", DidYouMean(word, SubcommandNames(app)));
      return (name.empty() ? "a command is needed: " : name + " needs a command: ") + JoinNames(SubcommandNames(app));
    }
    if (std::string missing = MissingRequirement(app); !missing.empty()) return name + " needs " + missing;
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error)) {
    const std::string flag = what.substr(0, what.find(':'));
    if (flag.rfind("-", 0) == 0) return flag + " needs a value";
  }
  if (dynamic_cast<const CLI::ConversionError*>(&error)) {
    // CLI11: "Could not convert: --count = abc"
    const size_t colon = what.find(": "), eq = what.find(" = ");
    if (colon != std::string::npos && eq != std::string::npos && eq > colon)
      return what.substr(colon + 2, eq - colon - 2) + ": expected a whole number, not '" + what.substr(eq + 3) + "'";
  }
  return what;
}

}  // namespace

const CLI::App& SelectedCommand(const CLI::App& root) {
  const CLI::App* app = &root;
  for (auto selected = app->get_subcommands(); !selected.empty(); selected = app->get_subcommands())
    app = selected.front();
  return *app;
}

std::string CommandPath(const CLI::App& app) {
  std::string path = app.get_name();
  for (const CLI::App* p = app.get_parent(); p; p = p->get_parent()) path = p->get_name() + " " + path;
  return path;
}

std::string UsageLine(const CLI::App& app) {
  std::string line = "usage: " + CommandPath(app);
  if (!SubcommandNames(app).empty()) line += " COMMAND";
  for (const CLI::Option* opt : app.get_options()) {
    if (!opt->get_positional()) continue;
    std::string word = opt->get_name() + (opt->get_items_expected_max() > 1 ? "..." : "");
    line += " " + (opt->get_required() ? word : "[" + word + "]");
  }
  return line + " [OPTIONS]  (see '" + CommandPath(app) + " --help')";
}

std::vector<std::string> OptionNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_positional() || opt->get_group().empty()) continue;
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
    for (const auto& s : opt->get_snames()) names.push_back("-" + s);
  }
  return names;
}

std::vector<std::string> SubcommandNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({}))
    if (!sub->get_group().empty()) names.push_back(sub->get_name());
  return names;
}

std::string DidYouMean(const std::string& typed, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const auto& c : candidates) {
    size_t d = EditDistance(typed, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  // A slip is one or two edits, and fewer than a third of the word.
  if (!best.empty() && best_distance <= 2 && best_distance * 3 <= std::max(typed.size(), size_t{3})) return best;
  std::vector<std::string> extending;
  for (const auto& c : candidates)
    if (typed.size() >= 3 && c.rfind(typed, 0) == 0) extending.push_back(c);
  return extending.size() == 1 ? extending.front() : std::string();
}

std::string DescribeParseError(const CLI::App& root, const CLI::ParseError& error) {
  const CLI::App& app = SelectedCommand(root);
  return "slsflow: " + Describe(app, error) + "\n" + UsageLine(app) + "\n";
}

}  // namespace slsflow::cli
