#include "core/produce/router.h"

#include <cctype>

#include "core/sls/crypto.h"

namespace slsflow {

Status CheckBuckets(int buckets) {
  if (buckets == 0) return Status::OK();
  if (buckets < 0 || buckets > 65536 || (buckets & (buckets - 1)) != 0)
    return Status::Usage("--buckets must be a power of two between 1 and 65536 (or 0 to use the full MD5)");
  return Status::OK();
}

bool IsHexHashKey(std::string_view key) {
  if (key.size() != 32) return false;
  for (char c : key)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

std::string AdjustHashKey(std::string_view key, int buckets) {
  std::string md5 = Md5(key);
  if (buckets > 0) {
    int bits = 0;
    while ((1 << bits) < buckets) ++bits;
    for (int i = 0; i < 16; ++i) {
      int keep = bits - 8 * i;  // bits of this byte to keep
      unsigned char mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : static_cast<unsigned char>(0xff << (8 - keep));
      md5[static_cast<size_t>(i)] = static_cast<char>(static_cast<unsigned char>(md5[static_cast<size_t>(i)]) & mask);
    }
  }
  return HexLower(md5);
}

Router::Router(RouterOptions options) : options_(std::move(options)) {
  if (!options_.hash_key.empty()) {
    if (IsHexHashKey(options_.hash_key)) {
      fixed_ = options_.hash_key;
      for (auto& c : fixed_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      fixed_ = AdjustHashKey(options_.hash_key, options_.buckets);
    }
  }
}

std::string_view Router::Adjust(std::string_view key) {
  // Logs with the same key often come in runs; skip the MD5 then.
  if (key == last_input_ && !last_key_.empty()) return last_key_;
  last_input_.assign(key);
  if (IsHexHashKey(key)) {
    last_key_.assign(key);
    for (auto& c : last_key_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  } else {
    last_key_ = AdjustHashKey(key, options_.buckets);
  }
  return last_key_;
}

std::string_view Router::Route(const ParsedLog& log) {
  if (log.has_hash_key) return Adjust(log.hash_key);
  if (!options_.hash_field.empty()) {
    for (const auto& kv : log.contents)
      if (kv.first == options_.hash_field) return Adjust(kv.second);
    return {};
  }
  return fixed_;
}

}  // namespace slsflow
