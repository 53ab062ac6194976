// Where a log goes: /shards/lb, a fixed --hash-key, or a per-log hash
// (--hash-field, or __hash_key__ in jsonl) adjusted into buckets the way the
// official producers do it (Java ShardHashAdjuster, Go AdjustHash).
#pragma once

#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/produce/record.h"

namespace slsflow {

// MD5 of `key`, keeping the top log2(buckets) bits and zeroing the rest,
// as 32 lowercase hex. buckets 0 keeps the whole MD5. `buckets` must be a
// power of two (CheckBuckets).
std::string AdjustHashKey(std::string_view key, int buckets);
Status CheckBuckets(int buckets);

// 32 hex digits: already a hash key.
bool IsHexHashKey(std::string_view key);
// A hash key given as 32 hex digits, lowercased, with only its top
// log2(buckets) bits kept (all of them with buckets 0). IsHexHashKey(hex).
std::string BucketHexHashKey(std::string_view hex, int buckets);

struct RouterOptions {
  std::string hash_key;    // --hash-key: one route for everything
  std::string hash_field;  // --hash-field: the route comes from this content key
  int buckets = 64;
};

class Router {
 public:
  explicit Router(RouterOptions options);
  // "" means /shards/lb; otherwise a 32-hex key for /shards/route. Logs
  // without the hash field go to lb. The view stays valid until the next call.
  std::string_view Route(const ParsedLog& log);

 private:
  std::string_view Adjust(std::string_view key, bool given);

  RouterOptions options_;
  std::string fixed_;
  std::string last_input_;
  std::string last_key_;
  bool last_given_ = false;
};

}  // namespace slsflow
