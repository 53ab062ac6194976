// Test helpers for LogGroupListView: compare it with protobuf's decoding
// (unit test and differential fuzz target), and view a LogGroup that a test
// built with protobuf (formatter and filter tests).
#pragma once

#include <stdexcept>
#include <string>

#include "core/sls/loggroup_view.h"
#include "sls.pb.h"

namespace slsflow::test {

// "" when equal, else what differs first.
inline std::string DiffLogGroupList(const sls::LogGroupList& want, const LogGroupListView& got) {
  if (want.loggroups_size() != got.loggroups_size()) return "group count";
  for (int gi = 0; gi < want.loggroups_size(); ++gi) {
    const sls::LogGroup& wg = want.loggroups(gi);
    const LogGroupView& gg = got.loggroups(gi);
    const std::string at = "group " + std::to_string(gi) + ": ";
    if (wg.has_topic() != gg.has_topic() || wg.topic() != gg.topic()) return at + "topic";
    if (wg.has_source() != gg.has_source() || wg.source() != gg.source()) return at + "source";
    if (wg.machineuuid() != gg.machineuuid()) return at + "machine uuid";
    if (wg.logtags_size() != gg.logtags_size()) return at + "tag count";
    for (int t = 0; t < wg.logtags_size(); ++t) {
      if (wg.logtags(t).key() != gg.logtags()[static_cast<size_t>(t)].key() ||
          wg.logtags(t).value() != gg.logtags()[static_cast<size_t>(t)].value())
        return at + "tag " + std::to_string(t);
    }
    if (wg.logs_size() != gg.logs_size()) return at + "log count";
    for (int li = 0; li < wg.logs_size(); ++li) {
      const sls::Log& wl = wg.logs(li);
      const LogView& gl = gg.logs(li);
      const std::string lat = at + "log " + std::to_string(li) + ": ";
      if (wl.time() != gl.time()) return lat + "time";
      if (wl.has_timens() != gl.has_timens() || wl.timens() != gl.timens()) return lat + "time_ns";
      if (wl.contents_size() != gl.contents_size()) return lat + "content count";
      for (int k = 0; k < wl.contents_size(); ++k) {
        if (wl.contents(k).key() != gl.contents(k).key() || wl.contents(k).value() != gl.contents(k).value())
          return lat + "content " + std::to_string(k);
      }
    }
  }
  return "";
}

// Owns the serialized group its view points into. Converts to the view, so
// `formatter->FormatLog(test::GroupView(g), 0, meta, &out)` reads naturally.
class GroupView {
 public:
  explicit GroupView(const sls::LogGroup& group) : bytes_(group.SerializePartialAsString()) {
    if (!list_.ParseGroup(bytes_).ok()) throw std::runtime_error("test LogGroup does not decode");
  }
  GroupView(const GroupView&) = delete;
  GroupView& operator=(const GroupView&) = delete;
  const LogGroupView& get() const { return list_.loggroups(0); }
  operator const LogGroupView&() const { return get(); }  // NOLINT: implicit on purpose

 private:
  std::string bytes_;
  LogGroupListView list_;
};

}  // namespace slsflow::test
