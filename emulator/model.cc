#include "emulator/model.h"

#include <algorithm>

#include "emulator/assignment.h"

namespace slsflow::emulator {

uint64_t NextShardSerial() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1);
}

std::vector<GroupPtr> Shard::Range(uint64_t begin, uint64_t end) const {
  std::lock_guard lock(mu_);
  end = std::min<uint64_t>(end, groups_.size());
  if (begin >= end) return {};
  return std::vector<GroupPtr>(groups_.begin() + static_cast<ptrdiff_t>(begin),
                               groups_.begin() + static_cast<ptrdiff_t>(end));
}

bool Shard::ReceiveTimeAt(uint64_t offset, int64_t* us) const {
  std::lock_guard lock(mu_);
  if (groups_.empty()) return false;
  offset = std::min<uint64_t>(offset, groups_.size() - 1);
  *us = groups_[offset]->receive_time_us;
  return true;
}

uint64_t Shard::LowerBoundTime(int64_t us) const {
  std::lock_guard lock(mu_);
  // Receive times are non-decreasing within a shard (appends are ordered
  // under append_mu_ and stamped inside it).
  auto it = std::lower_bound(groups_.begin(), groups_.end(), us,
                             [](const GroupPtr& g, int64_t t) { return g->receive_time_us < t; });
  return static_cast<uint64_t>(it - groups_.begin());
}

uint64_t Shard::ExpireBefore(int64_t cutoff_us) {
  std::lock_guard lock(mu_);
  auto it = std::lower_bound(groups_.begin() + static_cast<ptrdiff_t>(first_), groups_.end(), cutoff_us,
                             [](const GroupPtr& g, int64_t t) { return g->receive_time_us < t; });
  const auto until = static_cast<uint64_t>(it - groups_.begin());
  for (; first_ < until; ++first_) {
    // Readers holding the old pointer keep its bytes until they finish.
    auto stub = std::make_shared<StoredGroup>();
    stub->receive_time_us = groups_[first_]->receive_time_us;
    groups_[first_] = std::move(stub);
  }
  return first_;
}

LogStore::LogStore(LogStoreMeta m) : meta(std::move(m)) {}

LogStore::~LogStore() = default;

}  // namespace slsflow::emulator
