// LogGroupList / LogGroup protobuf decoding: bytes straight from the wire.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sls.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  sls::LogGroupList list;
  if (list.ParseFromString(bytes)) {
    // Walk what was decoded, as the consumer's formatter does.
    size_t n = 0;
    for (auto& g : list.loggroups())
      for (auto& log : g.logs())
        for (auto& c : log.contents()) n += c.key().size() + c.value().size();
    (void)n;
    std::string again = list.SerializeAsString();
    sls::LogGroupList reparsed;
    if (!reparsed.ParseFromString(again)) __builtin_trap();
  }
  sls::LogGroup group;
  (void)group.ParseFromString(bytes);
  return 0;
}
