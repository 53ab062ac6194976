// The `produce --follow` state file (doc/produce-state-format.md): a damaged
// or hostile file must be a clean "damaged state" error (kConfig, exit 3),
// and anything accepted must re-encode to the same position.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/produce/follow_state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto state = slsflow::DecodeFollowState(text);
  if (!state.ok()) {
    if (state.status().kind() != slsflow::ErrorKind::kConfig) __builtin_trap();
    return 0;
  }
  auto again = slsflow::DecodeFollowState(slsflow::EncodeFollowState(*state));
  if (!again.ok()) __builtin_trap();
  if (again->path != state->path || again->inode != state->inode || again->offset != state->offset ||
      again->tail_len != state->tail_len || again->tail_crc != state->tail_crc)
    __builtin_trap();
  return 0;
}
