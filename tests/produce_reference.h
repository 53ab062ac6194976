// The oracle for the produce encoder: the same LogGroup built with the
// generated protobuf code. Only tests link protobuf; the binary writes the
// wire format itself (core/produce/encoder.h).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/produce/encoder.h"
#include "sls.pb.h"

namespace slsflow {

struct ReferenceLog {
  uint32_t time = 0;
  uint32_t time_ns = 0;
  bool with_time_ns = false;
  std::vector<std::pair<std::string, std::string>> contents;
};

inline std::string EncodeWithProtobuf(const std::vector<ReferenceLog>& logs, const GroupMeta& meta) {
  sls::LogGroup group;
  for (const auto& in : logs) {
    sls::Log* log = group.add_logs();
    log->set_time(in.time);
    for (const auto& kv : in.contents) {
      auto* c = log->add_contents();
      c->set_key(kv.first);
      c->set_value(kv.second);
    }
    if (in.with_time_ns) log->set_timens(in.time_ns);
  }
  if (!meta.topic.empty()) group.set_topic(meta.topic);
  if (!meta.source.empty()) group.set_source(meta.source);
  for (const auto& t : meta.tags) {
    auto* tag = group.add_logtags();
    tag->set_key(t.first);
    tag->set_value(t.second);
  }
  std::string out;
  group.SerializeToString(&out);
  return out;
}

}  // namespace slsflow
