// Compressed PullLogs replies, kept by (shard, begin, end, codec) with a
// byte budget and LRU eviction. Stored groups never change, so an entry is
// valid forever; several consumers reading the same range (consumer groups,
// benchmarks, re-reads after recovery) pay for compression once.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

namespace slsflow::emulator {

struct CachedReply {
  std::string body;
  size_t raw_size = 0;
};

class PullCache {
 public:
  using Key = std::tuple<uint64_t, uint64_t, uint64_t, int>;  // shard serial, begin, end, codec
  explicit PullCache(size_t budget_bytes = 256u << 20) : budget_(budget_bytes) {}

  std::shared_ptr<const CachedReply> Get(const Key& key);
  void Put(const Key& key, std::shared_ptr<const CachedReply> value);
  size_t bytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
  }

 private:
  using Entry = std::pair<Key, std::shared_ptr<const CachedReply>>;
  // Every connection thread reads and fills the cache: mu_ guards all
  // members below it (budget_ is fixed at construction). Replies are
  // shared_ptr so a reader keeps one alive after it is evicted.
  mutable std::mutex mu_;
  size_t budget_;
  size_t bytes_ = 0;
  std::list<Entry> lru_;  // front = most recent
  std::map<Key, std::list<Entry>::iterator> index_;
};

}  // namespace slsflow::emulator
