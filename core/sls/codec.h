// Body compression as SLS uses it: lz4 is a raw block (no frame, no size
// prefix), deflate is a zlib stream, zstd a standard frame. The raw size
// always travels beside the body (x-log-bodyrawsize) and is checked.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/status.h"

namespace slsflow {

enum class CompressType { kNone, kLz4, kZstd, kDeflate };

// Largest decompressed body we will allocate for; a header claiming more is
// refused before any allocation. Generous: SLS caps a LogGroup at 5 MB and a
// pull reply well below this.
inline constexpr size_t kMaxRawBodySize = 128u << 20;

// "" and "none" -> kNone; "lz4", "zstd", "deflate" (and "gzip", which SLS
// also answers with a zlib stream). Anything else is kInvalid with
// InvalidCompressType wording.
Result<CompressType> ParseCompressType(std::string_view token);
// The x-log-compresstype token; "" for kNone.
const char* CompressTypeToken(CompressType type);

// level 0 means the codec's default (fast).
Status Compress(CompressType type, std::string_view raw, std::string* out, int level = 0);

// Scratch for CompressInto. It only grows, and it is never zero-filled: a
// std::string resized to the bound per call zero-filled all of it first
// (which showed in produce profiles) and made every page of the bound
// resident, where compression writes about a third of it.
struct CompressBuffer {
  std::unique_ptr<char[]> data;
  size_t capacity = 0;
};

// The same into a reusable buffer. The result views `buffer` (or `raw`
// itself for kNone) until the next call.
Result<std::string_view> CompressInto(CompressType type, std::string_view raw, CompressBuffer* buffer, int level = 0);

// Decompresses `data` into `out` and checks that exactly `raw_size` bytes
// came out. raw_size above max_raw is refused without allocating.
Status Decompress(CompressType type, std::string_view data, size_t raw_size, std::string* out,
                  size_t max_raw = kMaxRawBodySize);

}  // namespace slsflow
