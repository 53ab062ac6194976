#include "core/produce/router.h"

#include "core/base/ascii.h"
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

namespace {

// Keeps the top log2(buckets) bits of the 16 bytes, zeroing the rest.
void KeepBucketBits(std::string* bytes, int buckets) {
  if (buckets <= 0) return;
  int bits = 0;
  while ((1 << bits) < buckets) ++bits;
  for (size_t i = 0; i < bytes->size(); ++i) {
    const int keep = bits - 8 * static_cast<int>(i);  // bits of this byte to keep
    const unsigned char mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : static_cast<unsigned char>(0xff << (8 - keep));
    (*bytes)[i] = static_cast<char>(static_cast<unsigned char>((*bytes)[i]) & mask);
  }
}

}  // namespace

std::string AdjustHashKey(std::string_view key, int buckets) {
  std::string md5 = Md5(key);
  KeepBucketBits(&md5, buckets);
  return HexLower(md5);
}

std::string BucketHexHashKey(std::string_view hex, int buckets) {
  std::string bytes;
  HexDecode(hex, &bytes);  // IsHexHashKey(hex), so it decodes to 16 bytes
  KeepBucketBits(&bytes, buckets);
  return HexLower(bytes);
}

Router::Router(RouterOptions options) : options_(std::move(options)) {
  if (!options_.hash_key.empty()) {
    if (IsHexHashKey(options_.hash_key)) {
      fixed_ = AsciiLowered(options_.hash_key);
    } else {
      fixed_ = AdjustHashKey(options_.hash_key, options_.buckets);
    }
  }
}

std::string_view Router::Adjust(std::string_view key, bool given) {
  // Logs with the same key often come in runs; skip the MD5 then.
  if (key == last_input_ && given == last_given_ && !last_key_.empty()) return last_key_;
  last_input_.assign(key);
  last_given_ = given;
  // A __hash_key__ that is already a hash key keeps its place in the key
  // space, in its bucket; a --hash-field value is data, so it is hashed even
  // when it looks like one (trace ids do). Either way at most --buckets
  // routes are open at once, whatever the input.
  last_key_ =
      given && IsHexHashKey(key) ? BucketHexHashKey(key, options_.buckets) : AdjustHashKey(key, options_.buckets);
  return last_key_;
}

std::string_view Router::Route(const ParsedLog& log) {
  if (log.has_hash_key) return Adjust(log.hash_key, /*given=*/true);
  if (!options_.hash_field.empty()) {
    for (const auto& kv : log.contents)
      if (kv.first == options_.hash_field) return Adjust(kv.second, /*given=*/false);
    return {};
  }
  return fixed_;
}

}  // namespace slsflow
