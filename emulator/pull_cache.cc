#include "emulator/pull_cache.h"

namespace slsflow::emulator {

std::shared_ptr<const CachedReply> PullCache::Get(const Key& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void PullCache::Put(const Key& key, std::shared_ptr<const CachedReply> value) {
  size_t size = value->body.size();
  if (size > budget_ / 4) return;  // one huge reply must not flush everything
  std::lock_guard lock(mu_);
  if (index_.count(key)) return;
  lru_.emplace_front(key, std::move(value));
  index_[key] = lru_.begin();
  bytes_ += size;
  while (bytes_ > budget_ && !lru_.empty()) {
    auto& last = lru_.back();
    bytes_ -= last.second->body.size();
    index_.erase(last.first);
    lru_.pop_back();
  }
}

}  // namespace slsflow::emulator
