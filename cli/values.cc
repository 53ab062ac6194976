#include "cli/values.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/base/time_grammar.h"
#include "core/sls/shard_set.h"

namespace slsflow::cli {

namespace {

// CLI11 prefixes a validator's message with the option's name, so the
// messages below start after "--flag: ".
std::string SizeProblem(std::string_view text) {
  return "expected a size like 512k, 100m or 1g (either case; a bare number is bytes), not '" + std::string(text) + "'";
}

std::string DurationProblem(std::string_view text, BareNumber bare) {
  return "expected a duration like 500ms, 5s, 2m or 1h (a bare number is " +
         std::string(bare == BareNumber::kMilliseconds ? "milliseconds" : "seconds") + "), not '" + std::string(text) +
         "'";
}

bool IsBareNumber(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

Result<uint64_t> SizeBytes(std::string_view text, uint64_t min, uint64_t max) {
  size_t i = 0;
  uint64_t v = 0;
  bool overflow = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    overflow |= v > (UINT64_MAX - 9) / 10;
    v = v * 10 + static_cast<unsigned>(text[i] - '0');
  }
  std::string unit(text.substr(i));
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  int shift = -1;
  if (unit.empty() || unit == "B")
    shift = 0;
  else if (unit == "K" || unit == "KB" || unit == "KIB")
    shift = 10;
  else if (unit == "M" || unit == "MB" || unit == "MIB")
    shift = 20;
  else if (unit == "G" || unit == "GB" || unit == "GIB")
    shift = 30;
  if (i == 0 || shift < 0 || overflow || v > (UINT64_MAX >> shift)) return Status::Usage(SizeProblem(text));
  const uint64_t bytes = v << shift;
  if (bytes < min || bytes > max) {
    std::string range = max == std::numeric_limits<uint64_t>::max()
                            ? "at least " + std::to_string(min) + " bytes"
                            : "from " + std::to_string(min) + " to " + std::to_string(max) + " bytes";
    return Status::Usage("must be " + range + ", not '" + std::string(text) + "'");
  }
  return bytes;
}

Result<int64_t> DurationMicros(std::string_view text, BareNumber bare, int64_t min_us, int64_t max_us) {
  // A bare number gets its flag's unit; everything else is the one
  // duration grammar of core/base/time_grammar.
  std::string spelled(text);
  if (IsBareNumber(text)) spelled += bare == BareNumber::kMilliseconds ? "ms" : "s";
  auto us = ParseDurationMicros(spelled);
  if (!us.ok()) return Status::Usage(DurationProblem(text, bare));
  if (*us < min_us || *us > max_us) {
    std::string range = max_us == std::numeric_limits<int64_t>::max()
                            ? "at least " + FormatDuration(min_us)
                            : "from " + FormatDuration(min_us) + " to " + FormatDuration(max_us);
    return Status::Usage("must be " + range + ", not '" + std::string(text) + "'");
  }
  return *us;
}

std::string Join(const std::vector<std::string>& words, const char* separator) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

}  // namespace

Result<uint64_t> ParseSize(std::string_view text, std::string_view flag, uint64_t min, uint64_t max) {
  auto bytes = SizeBytes(text, min, max);
  if (!bytes.ok()) return bytes.status().WithContext(std::string(flag));
  return bytes;
}

Result<int64_t> ParseDuration(std::string_view text, std::string_view flag, BareNumber bare, int64_t min_us,
                              int64_t max_us) {
  auto us = DurationMicros(text, bare, min_us, max_us);
  if (!us.ok()) return us.status().WithContext(std::string(flag));
  return us;
}

std::string FormatDuration(int64_t micros) {
  struct Unit {
    int64_t us;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{86400000000LL, "d"}, {3600000000LL, "h"}, {60000000LL, "m"},
                                    {1000000LL, "s"},     {1000LL, "ms"},      {1, "us"}};
  if (micros <= 0) return "0s";
  std::string out;
  for (const auto& u : kUnits) {
    if (micros >= u.us) {
      out += std::to_string(micros / u.us) + u.name;
      micros %= u.us;
    }
  }
  return out;
}

CLI::Validator SizeValue(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        auto bytes = SizeBytes(text, min, max);
        if (!bytes.ok()) return bytes.status().message();
        text = std::to_string(*bytes);
        return std::string();
      },
      "", "SIZE");
}

CLI::Validator DurationValue(BareNumber bare, int64_t min_us, int64_t max_us) {
  return CLI::Validator(
      [bare, min_us, max_us](std::string& text) -> std::string {
        auto us = DurationMicros(text, bare, min_us, max_us);
        if (!us.ok()) return us.status().message();
        text = std::to_string(*us);
        return std::string();
      },
      "", "DURATION");
}

CLI::Validator TimeValue() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto spec = ParseTimeSpec(text, static_cast<int64_t>(std::time(nullptr)));
        return spec.ok() ? std::string() : spec.status().message();
      },
      "", "TIME");
}

CLI::Validator ShardSetValue() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto set = ParseShardSet(text, "");
        if (set.ok()) return std::string();
        // Asked without a flag name (CLI11 adds it): "'0,x': why".
        const std::string& m = set.status().message();
        return m.substr(std::min(m.size(), m.find_first_not_of(' ')));
      },
      "", "SHARDS");
}

CLI::Validator OneOf(std::vector<std::string> choices) {
  std::string names = Join(choices, "|");
  return CLI::Validator(
      [choices](std::string& text) -> std::string {
        if (std::find(choices.begin(), choices.end(), text) != choices.end()) return std::string();
        return "expected " + Join(choices, ", ") + "; not '" + text + "'";
      },
      "", names);
}

void ApplyGrammar(CLI::App* app) {
  for (CLI::Option* opt : app->get_options()) {
    if (!opt->get_positional() && opt->get_expected_max() > 1) opt->allow_extra_args(false);
    // The validators above are named after their kind ("DURATION", "a|b")
    // and describe nothing, so the type name is the kind alone.
    try {
      const std::string kind = opt->get_validator(0)->get_name();
      if (!kind.empty()) opt->type_name(kind);
    } catch (const CLI::OptionNotFound&) {
      // no validator: CLI11's own type name (TEXT, INT) or the one given
    }
  }
  for (CLI::App* sub : app->get_subcommands({})) ApplyGrammar(sub);
}

}  // namespace slsflow::cli
