// A batch: one LogGroup on its way to one route, with what the ack
// tracker needs to settle it and what the memory budget charged for it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/produce/encoder.h"
#include "core/sls/client.h"

namespace slsflow {

struct Batch {
  uint64_t seq = 0;
  std::string route_key;  // "" for lb, 32 hex for a hash route, plus metadata identity
  PutRoute route;
  GroupMeta meta;
  // Logs..., then the meta fields once sealed. While the batch is open,
  // data's size is its room and `used` says how much of it is LogGroup:
  // std::string cannot grow without zero-filling, and zeroing every log's
  // bytes just before writing them showed in produce profiles. Sealing
  // trims data to `used`.
  std::string data;
  size_t used = 0;
  uint32_t logs = 0;
  size_t charged = 0;  // bytes charged to the MemoryBudget
  int64_t created_us = 0;
  // (input chunk id, logs of this batch that came from it), in order.
  std::vector<std::pair<uint64_t, uint32_t>> chunks;
  int attempts = 0;
  // The server refused this one log for its content: sending it again can
  // never succeed, so it must not hold the follow position back.
  bool refused_alone = false;
};

// The --buffer byte budget shared by every stage: batches in the making,
// sealed and in flight. The reader waits while it is full; nothing drops.
class MemoryBudget {
 public:
  // A settled buffer with more than `max_spare_bytes` of capacity is freed,
  // not kept: it grew for a rare huge log, and would hold that much
  // resident for ordinary batches.
  explicit MemoryBudget(size_t cap, size_t max_spare_bytes = size_t{1} << 20)
      : cap_(cap), max_spare_bytes_(max_spare_bytes) {}
  void Charge(size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    used_ += n;
    if (used_ > peak_) peak_ = used_;
  }
  void Release(size_t n) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      used_ = n > used_ ? 0 : used_ - n;
    }
    cv_.notify_all();
  }
  // `limit` is the cap, or less where the reader need not run that far
  // ahead (see Run::Go).
  bool Below(size_t limit) const {
    std::lock_guard<std::mutex> lock(mu_);
    return used_ < limit;
  }
  // True when below `limit`; false after `timeout_us` still at or over it.
  bool WaitBelow(size_t limit, int64_t timeout_us) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::microseconds(timeout_us), [&] { return used_ < limit; });
  }
  size_t used() const {
    std::lock_guard<std::mutex> lock(mu_);
    return used_;
  }
  size_t peak() const {
    std::lock_guard<std::mutex> lock(mu_);
    return peak_;
  }
  size_t cap() const { return cap_; }

  // Settled batches hand their buffers back for new batches: a fresh 512 KB
  // buffer costs a page fault per 4 KB and a zero-fill. Keeping one adds
  // nothing to what is resident, because a buffer is allocated only when no
  // spare is left: the resident peak stays that of live batches, which the
  // cap bounds. Spares are kept while they and the live batches fit in the
  // cap. (A fixed eight, as before, were gone whenever the reader ran a full
  // buffer ahead of the senders, and one batch in eight then started on
  // fresh pages.)
  std::string TakeBuffer() {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_.empty()) return std::string();
    std::string b = std::move(spare_.back());
    spare_.pop_back();
    spare_bytes_ -= b.capacity();
    return b;
  }
  // A buffer keeps its size: a batch treats it as room to write in, so a
  // recycled buffer is not zero-filled again.
  void GiveBuffer(std::string buffer) {
    if (buffer.capacity() > max_spare_bytes_) return;
    std::lock_guard<std::mutex> lock(mu_);
    // Spares and live batches share the cap, so resident batch memory stays
    // within --buffer (a pipe can fill it with live batches alone).
    if (used_ + spare_bytes_ + buffer.capacity() > cap_) return;
    spare_bytes_ += buffer.capacity();
    spare_.push_back(std::move(buffer));
  }
  size_t spare_bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return spare_bytes_;
  }

 private:
  std::vector<std::string> spare_;
  size_t spare_bytes_ = 0;  // capacity of spare_, all resident
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t cap_;
  size_t max_spare_bytes_;
  size_t used_ = 0;
  size_t peak_ = 0;
};

}  // namespace slsflow
