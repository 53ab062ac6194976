// Client-side filters for `slsflow consume`: --grep REGEX and
// --where topic=X|source=Y|tag:k=v|field=v (also !=).
//
// Semantics: every flag must hold (AND). A --grep matches when the regex
// (POSIX extended) matches any content value of the log. A --where on
// topic/source/tag depends only on the log group and is checked once per
// group in MatchGroup, before anything is decoded or formatted; a --where on
// a content field is checked per log in MatchLog. `k!=v` holds when the key
// is missing or has a different value.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "core/sls/loggroup_view.h"

namespace slsflow {

class LogFilter {
 public:
  // kUsage for a regex that does not compile or a --where without '='.
  static Result<LogFilter> Create(const std::vector<std::string>& greps, const std::vector<std::string>& wheres);

  LogFilter();
  ~LogFilter();
  LogFilter(LogFilter&&) noexcept;
  LogFilter& operator=(LogFilter&&) noexcept;
  LogFilter(const LogFilter&) = delete;
  LogFilter& operator=(const LogFilter&) = delete;

  // The group-level part (topic/source/tag). False: skip the whole group.
  bool MatchGroup(const LogGroupView& group) const;
  // The log-level part (content fields, grep). Call after MatchGroup passed.
  bool MatchLog(const LogGroupView& group, int index) const;
  // True when no filter was given (callers skip both calls).
  bool empty() const;
  // True when there is a per-log part (callers may skip MatchLog otherwise).
  bool has_log_conditions() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slsflow
