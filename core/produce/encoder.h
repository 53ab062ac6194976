// LogGroup encoding straight into a batch buffer. Building sls::LogGroup
// objects costs an allocation per key and value plus a copy at
// serialization; writing the wire format directly costs one memcpy per
// byte (see tests/perf/produce_perftest.cc). produce_encoder_test.cc proves
// the bytes identical to protobuf's SerializeToString for the same data
// (tests/produce_reference.h): the binary itself does not link protobuf.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "core/produce/record.h"

namespace slsflow {

// The size of one Log message's body, which a caller computes once: to
// check limits, then to write.
size_t LogBodySize(uint32_t time, bool with_time_ns, const std::vector<KeyValue>& contents);
// The bytes that body takes as field 1 of a LogGroup (tag + length + body).
size_t LogFieldSize(size_t body);

// Writes Logs(1) { Time(1), Contents(2)..., TimeNs(4) when with_time_ns }:
// exactly LogFieldSize(body) bytes at `p`, and returns their end.
char* WriteLogField(char* p, size_t body, uint32_t time, uint32_t time_ns, bool with_time_ns,
                    const std::vector<KeyValue>& contents);

// The same two for callers that do not keep a buffer of their own.
size_t EncodedLogSize(uint32_t time, bool with_time_ns, const std::vector<KeyValue>& contents);
void AppendEncodedLog(std::string* out, uint32_t time, uint32_t time_ns, bool with_time_ns,
                      const std::vector<KeyValue>& contents);

// The group-level fields that follow the logs: Topic(3) and Source(4)
// when not empty, then LogTags(6), in field order as the SDKs write them.
struct GroupMeta {
  std::string topic;
  std::string source;
  std::vector<std::pair<std::string, std::string>> tags;
};
size_t EncodedMetaSize(const GroupMeta& meta);
// Writes exactly EncodedMetaSize(meta) bytes at `p`; returns their end.
char* WriteEncodedMeta(char* p, const GroupMeta& meta);
void AppendEncodedMeta(std::string* out, const GroupMeta& meta);

// Cuts a serialized LogGroup after its first `first_logs` logs: `first`
// gets those, `second` the rest, and each the group fields (topic, source,
// tags). For isolating the log a server refuses. kCorruption when `group`
// does not parse as protobuf fields.
Status SplitLogGroup(std::string_view group, uint32_t first_logs, std::string* first, std::string* second);

}  // namespace slsflow
