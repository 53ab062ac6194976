// The consume state file: a hostile or corrupted file on disk must be a
// clean kConfig error, and anything accepted must re-encode to an equal state.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/consume/state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  auto state = slsflow::DecodeConsumeState(bytes, "fuzz.state");
  if (!state.ok()) {
    if (state.status().kind() != slsflow::ErrorKind::kConfig) __builtin_trap();
    return 0;
  }
  auto again = slsflow::DecodeConsumeState(slsflow::EncodeConsumeState(*state), "fuzz.state");
  if (!again.ok() || !(*again == *state)) __builtin_trap();
  return 0;
}
