// --grep and --where, evaluated client-side.
//
// --grep uses POSIX extended regexes (regcomp/regexec with REG_NOSUB and
// glibc's REG_STARTEND, so values need no NUL-terminated copy). std::regex
// is several times slower and recursion-prone. A pattern with no regex
// metacharacters is matched with a plain substring search instead.
//
// --where KEY=VALUE / KEY!=VALUE:
//   topic, __topic__           the group's topic
//   source, __source__         the group's source
//   tag:K, __tag__:K           a group tag
//   field:NAME, NAME           a content field (field:topic reaches a
//                              content key literally named "topic")
// `=` holds when some occurrence equals the value; `!=` when none does (a
// missing key satisfies `!=`). Everything given must hold (AND).
#include "core/consume/filter.h"

#include <regex.h>

#include <memory>
#include <utility>

namespace slsflow {
namespace {

struct Condition {
  enum Target { kTopic, kSource, kTag, kField } target;
  std::string key;
  std::string value;
  bool negate = false;
};

struct Grep {
  bool literal = false;
  std::string text;
  regex_t re{};
  bool compiled = false;
};

bool HasRegexMeta(std::string_view s) {
  return s.find_first_of(".[]()*+?{}|^$\\") != std::string_view::npos;
}

}  // namespace

struct LogFilter::Impl {
  std::vector<Condition> group_conditions;
  std::vector<Condition> log_conditions;
  std::vector<std::unique_ptr<Grep>> greps;

  ~Impl() {
    for (auto& g : greps) {
      if (g->compiled) regfree(&g->re);
    }
  }

  bool GrepMatches(const Grep& g, std::string_view value) const {
    if (g.literal) return value.find(g.text) != std::string_view::npos;
    regmatch_t range[1];
    range[0].rm_so = 0;
    range[0].rm_eo = static_cast<regoff_t>(value.size());
    // REG_STARTEND: the range above bounds the match; the data may hold NULs.
    const char* data = value.empty() ? "" : value.data();
    return regexec(&g.re, data, 1, range, REG_STARTEND) == 0;
  }
};

LogFilter::LogFilter() : impl_(std::make_unique<Impl>()) {}
LogFilter::~LogFilter() = default;
LogFilter::LogFilter(LogFilter&&) noexcept = default;
LogFilter& LogFilter::operator=(LogFilter&&) noexcept = default;

Result<LogFilter> LogFilter::Create(const std::vector<std::string>& greps, const std::vector<std::string>& wheres) {
  LogFilter filter;
  Impl& impl = *filter.impl_;
  for (const std::string& w : wheres) {
    size_t eq = w.find('=');
    if (eq == std::string::npos || eq == 0 || (eq == 1 && w[0] == '!')) {
      return Status::Usage("bad --where '" + w +
                           "': use KEY=VALUE or KEY!=VALUE with KEY one of topic, source, tag:K, "
                           "field:NAME or a field name");
    }
    Condition c;
    c.negate = w[eq - 1] == '!';
    std::string_view key(w.data(), c.negate ? eq - 1 : eq);
    c.value = w.substr(eq + 1);
    auto strip = [&key](std::string_view prefix) {
      if (key.substr(0, prefix.size()) != prefix) return false;
      key.remove_prefix(prefix.size());
      return true;
    };
    if (key == "topic" || key == "__topic__") {
      c.target = Condition::kTopic;
    } else if (key == "source" || key == "__source__") {
      c.target = Condition::kSource;
    } else if (strip("tag:") || strip("__tag__:")) {
      c.target = Condition::kTag;
    } else {
      strip("field:");
      c.target = Condition::kField;
    }
    if (c.target == Condition::kField && (key == "__time__" || key == "__time_ns__" || key == "__shard__" ||
                                          key == "__cursor__" || key == "__logstore__")) {
      // These are not stored in the log's contents, so the condition could
      // never hold (or always would, with !=): refuse rather than surprise.
      return Status::Usage("bad --where '" + w + "': " + std::string(key) +
                           " cannot be filtered on; use --from/--to for time and --shards for shards");
    }
    if ((c.target == Condition::kTag || c.target == Condition::kField) && key.empty()) {
      return Status::Usage("bad --where '" + w + "': the key name is empty");
    }
    c.key = std::string(key);
    if (c.target == Condition::kField) {
      impl.log_conditions.push_back(std::move(c));
    } else {
      impl.group_conditions.push_back(std::move(c));
    }
  }
  for (const std::string& pattern : greps) {
    // Heap-allocated so regex_t never moves after regcomp, and is freed
    // exactly once by ~Impl.
    impl.greps.push_back(std::make_unique<Grep>());
    Grep& g = *impl.greps.back();
    g.text = pattern;
    g.literal = !HasRegexMeta(pattern);
    if (!g.literal) {
      int rc = regcomp(&g.re, pattern.c_str(), REG_EXTENDED | REG_NOSUB);
      if (rc != 0) {
        char msg[256];
        regerror(rc, &g.re, msg, sizeof(msg));
        return Status::Usage("bad --grep '" + pattern + "': " + msg + " (POSIX extended regex syntax)");
      }
      g.compiled = true;
    }
  }
  return filter;
}

// A moved-from filter (impl_ null) behaves as an empty one.
bool LogFilter::empty() const {
  if (!impl_) return true;
  return impl_->group_conditions.empty() && impl_->log_conditions.empty() && impl_->greps.empty();
}

bool LogFilter::has_log_conditions() const {
  if (!impl_) return false;
  return !impl_->log_conditions.empty() || !impl_->greps.empty();
}

bool LogFilter::MatchGroup(const LogGroupView& group) const {
  if (!impl_) return true;
  for (const Condition& c : impl_->group_conditions) {
    bool equal = false;
    switch (c.target) {
      case Condition::kTopic:
        equal = group.topic() == c.value;
        break;
      case Condition::kSource:
        equal = group.source() == c.value;
        break;
      case Condition::kTag:
        for (const KeyValueView& tag : group.logtags()) {
          if (tag.key() == c.key && tag.value() == c.value) {
            equal = true;
            break;
          }
        }
        break;
      case Condition::kField:
        break;
    }
    if (equal == c.negate) return false;
  }
  return true;
}

bool LogFilter::MatchLog(const LogGroupView& group, int index) const {
  if (!impl_) return true;
  const LogView& log = group.logs(index);
  for (const Condition& c : impl_->log_conditions) {
    bool equal = false;
    for (const KeyValueView& kv : log.contents()) {
      if (kv.key() == c.key && kv.value() == c.value) {
        equal = true;
        break;
      }
    }
    if (equal == c.negate) return false;
  }
  for (const auto& g : impl_->greps) {
    bool any = false;
    for (const KeyValueView& kv : log.contents()) {
      if (impl_->GrepMatches(*g, kv.value())) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

}  // namespace slsflow
