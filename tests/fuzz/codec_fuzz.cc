// Decompression with a raw-size header: byte 0 picks the codec, bytes 1-4
// are the claimed x-log-bodyrawsize, the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/sls/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  slsflow::CompressType types[] = {slsflow::CompressType::kNone, slsflow::CompressType::kLz4,
                                   slsflow::CompressType::kZstd, slsflow::CompressType::kDeflate};
  auto type = types[data[0] % 4];
  size_t raw_size = static_cast<size_t>(data[1]) | static_cast<size_t>(data[2]) << 8 |
                    static_cast<size_t>(data[3]) << 16 | static_cast<size_t>(data[4]) << 24;
  std::string_view body(reinterpret_cast<const char*>(data + 5), size - 5);
  std::string out;
  // Keep the cap small so the fuzzer explores bodies, not allocations.
  auto st = slsflow::Decompress(type, body, raw_size, &out, 1 << 20);
  // For an uncompressed body a raw size of 0 means "not given" (SDKs send 0
  // on JSON bodies); otherwise success must mean exactly raw_size bytes.
  bool unchecked = type == slsflow::CompressType::kNone && raw_size == 0;
  if (st.ok() && !unchecked && out.size() != raw_size) __builtin_trap();
  return 0;
}
