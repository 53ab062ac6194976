#include "core/sls/codec.h"

#include <cstring>

#include <lz4.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

namespace slsflow {

Result<CompressType> ParseCompressType(std::string_view token) {
  if (token.empty() || token == "none") return CompressType::kNone;
  if (token == "lz4") return CompressType::kLz4;
  if (token == "zstd") return CompressType::kZstd;
  if (token == "deflate" || token == "gzip") return CompressType::kDeflate;
  return Status::Invalid("InvalidCompressType: unknown compress type '" + std::string(token) +
                         "' (use lz4, zstd, deflate or none)")
      .set_sls_code("InvalidCompressType");
}

const char* CompressTypeToken(CompressType type) {
  switch (type) {
    case CompressType::kNone:
      return "";
    case CompressType::kLz4:
      return "lz4";
    case CompressType::kZstd:
      return "zstd";
    case CompressType::kDeflate:
      return "deflate";
  }
  return "";
}

namespace {

// Compresses `raw` into the room `room(bound)` returns; the compressed size.
template <class Room>
Result<size_t> CompressToRoom(CompressType type, std::string_view raw, int level, Room room) {
  switch (type) {
    case CompressType::kNone: {
      char* out = room(raw.size());
      if (!raw.empty()) std::memcpy(out, raw.data(), raw.size());
      return raw.size();
    }
    case CompressType::kLz4: {
      if (raw.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE))
        return Status::Invalid("body too large for lz4: " + std::to_string(raw.size()) + " bytes");
      int bound = LZ4_compressBound(static_cast<int>(raw.size()));
      char* out = room(static_cast<size_t>(bound));
      int n = LZ4_compress_default(raw.data(), out, static_cast<int>(raw.size()), bound);
      if (n <= 0 && !raw.empty()) return Status::Internal("lz4 compression failed");
      return static_cast<size_t>(n);
    }
    case CompressType::kZstd: {
      size_t bound = ZSTD_compressBound(raw.size());
      char* out = room(bound);
      size_t n = ZSTD_compress(out, bound, raw.data(), raw.size(), level == 0 ? 1 : level);
      if (ZSTD_isError(n)) return Status::Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
      return n;
    }
    case CompressType::kDeflate: {
      uLongf bound = compressBound(static_cast<uLong>(raw.size()));
      char* out = room(bound);
      int rc = compress2(reinterpret_cast<Bytef*>(out), &bound, reinterpret_cast<const Bytef*>(raw.data()),
                         static_cast<uLong>(raw.size()), level == 0 ? Z_BEST_SPEED : level);
      if (rc != Z_OK) return Status::Internal("deflate compression failed");
      return static_cast<size_t>(bound);
    }
  }
  return Status::Internal("unknown compress type");
}

}  // namespace

Result<std::string_view> CompressInto(CompressType type, std::string_view raw, CompressBuffer* buffer, int level) {
  if (type == CompressType::kNone) return raw;
  auto n = CompressToRoom(type, raw, level, [buffer](size_t bound) {
    if (buffer->capacity < bound) {
      // A quarter more: the next batch is often a little bigger, and pages
      // compression never writes are never resident.
      size_t grown = bound + bound / 4;
      buffer->data.reset(new char[grown]);  // uninitialized on purpose
      buffer->capacity = grown;
    }
    return buffer->data.get();
  });
  if (!n.ok()) return n.status();
  return std::string_view(buffer->data.get(), *n);
}

Status Compress(CompressType type, std::string_view raw, std::string* out, int level) {
  auto n = CompressToRoom(type, raw, level, [out](size_t bound) {
    out->resize(bound);
    return out->data();
  });
  if (!n.ok()) return n.status();
  out->resize(*n);
  return Status::OK();
}

Status Decompress(CompressType type, std::string_view data, size_t raw_size, std::string* out, size_t max_raw) {
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption(std::string(CompressTypeToken(type)) + " body: " + what)
        .set_sls_code("PostBodyUncompressError");
  };
  if (raw_size > max_raw)
    return Status::Corruption("x-log-bodyrawsize " + std::to_string(raw_size) + " exceeds the limit of " +
                              std::to_string(max_raw) + " bytes; refusing to allocate")
        .set_sls_code("InvalidBodyRawSize");
  switch (type) {
    case CompressType::kNone:
      if (data.size() != raw_size && raw_size != 0)
        return Status::Corruption("body is " + std::to_string(data.size()) + " bytes but x-log-bodyrawsize says " +
                                  std::to_string(raw_size))
            .set_sls_code("InvalidBodyRawSize");
      out->assign(data);
      return Status::OK();
    case CompressType::kLz4: {
      out->resize(raw_size);
      if (raw_size == 0) return data.empty() ? Status::OK() : corrupt("x-log-bodyrawsize is 0 but body is not empty");
      if (data.size() > static_cast<size_t>(INT32_MAX)) return corrupt("too large");
      int n = LZ4_decompress_safe(data.data(), out->data(), static_cast<int>(data.size()), static_cast<int>(raw_size));
      if (n < 0) return corrupt("not a valid lz4 block, or x-log-bodyrawsize is smaller than the data");
      if (static_cast<size_t>(n) != raw_size)
        return corrupt("decompressed to " + std::to_string(n) + " bytes but x-log-bodyrawsize says " +
                       std::to_string(raw_size));
      return Status::OK();
    }
    case CompressType::kZstd: {
      out->resize(raw_size);
      size_t n = ZSTD_decompress(out->data(), raw_size, data.data(), data.size());
      if (ZSTD_isError(n)) {
        if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
          return corrupt("decompresses to more than x-log-bodyrawsize " + std::to_string(raw_size));
        return corrupt(std::string(ZSTD_getErrorName(n)));
      }
      if (n != raw_size)
        return corrupt("decompressed to " + std::to_string(n) + " bytes but x-log-bodyrawsize says " +
                       std::to_string(raw_size));
      return Status::OK();
    }
    case CompressType::kDeflate: {
      // Inflate into a buffer one byte larger than promised, so that a body
      // that inflates to more than raw_size is detected rather than cut.
      out->resize(raw_size + 1);
      z_stream zs{};
      if (inflateInit(&zs) != Z_OK) return Status::Internal("zlib init failed");
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
      zs.avail_in = static_cast<uInt>(data.size());
      zs.next_out = reinterpret_cast<Bytef*>(out->data());
      zs.avail_out = static_cast<uInt>(out->size());
      int rc = inflate(&zs, Z_FINISH);
      size_t produced = out->size() - zs.avail_out;
      inflateEnd(&zs);
      if (rc != Z_STREAM_END) {
        if (produced > raw_size) return corrupt("inflates to more than x-log-bodyrawsize " + std::to_string(raw_size));
        return corrupt("not a complete zlib stream");
      }
      if (produced != raw_size)
        return corrupt("decompressed to " + std::to_string(produced) + " bytes but x-log-bodyrawsize says " +
                       std::to_string(raw_size));
      out->resize(raw_size);
      return Status::OK();
    }
  }
  return Status::Internal("unknown compress type");
}

}  // namespace slsflow
