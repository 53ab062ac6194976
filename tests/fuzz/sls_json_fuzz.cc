// The JSON an SLS server (or something pretending to be one) sends back:
// error bodies, shard lists, checkpoint lists, group lists.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/base/json_util.h"
#include "core/sls/client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto st = slsflow::StatusFromSlsError(400 + static_cast<int>(size % 200), text, "rid", "p");
  if (st.ok()) __builtin_trap();
  (void)slsflow::ParseShardList(text);
  (void)slsflow::ParseCheckpoints(text);
  (void)slsflow::ParseJsonBounded(text, "fuzz");
  return 0;
}
