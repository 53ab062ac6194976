// LogGroupList / LogGroup decoding: bytes straight from the wire. Consume
// reads pulls through LogGroupListView (in place), the emulator and produce
// through protobuf; the two must accept the same inputs with the same
// values, or consume would show what no SDK sees.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/sls/loggroup_view.h"
#include "sls.pb.h"
#include "tests/loggroup_view_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  sls::LogGroupList list;
  const bool pb_ok = list.ParsePartialFromString(bytes);
  slsflow::LogGroupListView view;
  const bool view_ok = view.Parse(bytes).ok();
  if (pb_ok != view_ok) __builtin_trap();
  if (pb_ok && !slsflow::test::DiffLogGroupList(list, view).empty()) __builtin_trap();
  if (pb_ok) {
    std::string again = list.SerializePartialAsString();
    sls::LogGroupList reparsed;
    if (!reparsed.ParsePartialFromString(again)) __builtin_trap();
  }
  sls::LogGroupList one;
  const bool group_ok = one.add_loggroups()->ParsePartialFromString(bytes);
  if (group_ok != view.ParseGroup(bytes).ok()) __builtin_trap();
  if (group_ok && !slsflow::test::DiffLogGroupList(one, view).empty()) __builtin_trap();
  return 0;
}
