#include "core/consume/budget.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace slsflow {

bool ConsumeBudget::Acquire(uint64_t bytes, const std::function<bool()>& cancelled,
                            std::unique_ptr<BudgetSpare>* spare) {
  std::unique_lock<std::mutex> lock(mu_);
  auto me = std::make_shared<Waiter>();
  me->bytes = bytes;
  waiting_.push_back(me);
  Spare reused;  // part of this grant, once it is served
  for (;;) {
    const bool first = waiting_.front() == me;
    if (first && FitsLocked(bytes)) {
      if (spare) reused = TakeSpareOutFor(bytes);
      // What this grant adds is `bytes` less the spare it is made of.
      FreeSparesFor(bytes - reused.bytes);
      break;
    }
    if (cancelled && cancelled()) {
      waiting_.erase(std::find(waiting_.begin(), waiting_.end(), me));
      std::shared_ptr<Waiter> next = first ? HeadToWakeLocked() : nullptr;  // it may fit now
      lock.unlock();
      Wake(next);
      return false;
    }
    me->cv.wait(lock);
  }
  waiting_.pop_front();
  held_ += bytes - reused.bytes;  // the spare's bytes were held already
  peak_ = std::max(peak_, held_);
  if (spare) *spare = std::move(reused.memory);
  std::shared_ptr<Waiter> next = HeadToWakeLocked();  // the next in line may fit too
  lock.unlock();
  Wake(next);
  return true;
}

bool ConsumeBudget::FitsLocked(uint64_t bytes) const {
  // Held by grants and reservations, not by spares: spares give way to a
  // grant that fits beside the rest, and only then. (Freeing them for one
  // that must wait anyway threw away every 5 MB buffer: 4 shards of 5 MB
  // groups faulted in 300 MB of fresh pages per 400 MB read.)
  const uint64_t others = held_ - SpareBytesLocked();
  return others + bytes <= capacity_ || others == reserved_;
}

std::shared_ptr<ConsumeBudget::Waiter> ConsumeBudget::HeadToWakeLocked() const {
  if (waiting_.empty() || !FitsLocked(waiting_.front()->bytes)) return nullptr;
  return waiting_.front();
}

void ConsumeBudget::Wake(const std::shared_ptr<Waiter>& waiter) {
  if (!waiter) return;
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  waiter->cv.notify_one();
}

ConsumeBudget::Spare ConsumeBudget::TakeSpareOutFor(uint64_t bytes) {
  auto best = spares_.end();
  for (auto it = spares_.begin(); it != spares_.end(); ++it)
    if (it->bytes <= bytes && (best == spares_.end() || it->bytes > best->bytes)) best = it;
  if (best == spares_.end()) return Spare();
  Spare taken = std::move(*best);
  spares_.erase(best);
  return taken;
}

void ConsumeBudget::FreeSparesFor(uint64_t bytes) {
  std::sort(spares_.begin(), spares_.end(), [](const Spare& a, const Spare& b) { return a.bytes < b.bytes; });
  while (!spares_.empty() && held_ + bytes > capacity_) {
    held_ -= spares_.back().bytes;
    spares_.pop_back();
  }
}

void ConsumeBudget::GiveSpare(std::unique_ptr<BudgetSpare> spare, uint64_t bytes, uint64_t release) {
  std::shared_ptr<Waiter> next;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held_ -= std::min(held_, release);
    if (spares_.size() < kMaxSpares && held_ + bytes <= capacity_) {
      held_ += bytes;
      peak_ = std::max(peak_, held_);
      spares_.push_back({std::move(spare), bytes});
    }  // else freed (below, outside the lock)
    next = HeadToWakeLocked();
  }
  Wake(next);
}

uint64_t ConsumeBudget::spare_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return SpareBytesLocked();
}

uint64_t ConsumeBudget::SpareBytesLocked() const {
  uint64_t bytes = 0;
  for (const Spare& s : spares_) bytes += s.bytes;
  return bytes;
}

void ConsumeBudget::WakeWaiters() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& w : waiting_) w->cv.notify_one();
}

void ConsumeBudget::Release(uint64_t bytes) {
  std::shared_ptr<Waiter> next;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held_ -= std::min(held_, bytes);
    next = HeadToWakeLocked();
  }
  Wake(next);
}

void ConsumeBudget::Charge(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  held_ += bytes;
  peak_ = std::max(peak_, held_);
  if (held_ > capacity_ && !reported_over_) {
    reported_over_ = true;
    spdlog::info("--memory {} MB exceeded ({} MB held): a log group is larger than the budget; it is read alone",
                 capacity_ >> 20, held_ >> 20);
  }
}

void ConsumeBudget::Reserve(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  reserved_ += bytes;
  held_ += bytes;
  peak_ = std::max(peak_, held_);
}

uint64_t ConsumeBudget::Share() const {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t free_of_reservations = capacity_ - std::min(capacity_, reserved_);
  return free_of_reservations / (2 * static_cast<uint64_t>(std::clamp(readers_, 1, kPlannedPulls)));
}

void ConsumeBudget::AddReader() {
  std::lock_guard<std::mutex> lock(mu_);
  ++readers_;
  reserved_ += kReaderBytes;
  held_ += kReaderBytes;
  peak_ = std::max(peak_, held_);
  if (!reported_crowded_ && reserved_ > capacity_ / 2) {
    // Past this the pulls shrink to a group or two, and once the readers
    // take it all they go one at a time: still exact, but slow.
    reported_crowded_ = true;
    spdlog::warn(
        "--memory {} MB is small for this many shards ({}): each shard's reader sets aside 32 KB of it, and "
        "pulls shrink to a group or two; give it at least 128 KB per shard",
        capacity_ >> 20, readers_);
  }
}

void ConsumeBudget::RemoveReader() {
  std::shared_ptr<Waiter> next;
  {
    std::lock_guard<std::mutex> lock(mu_);
    --readers_;
    reserved_ -= kReaderBytes;
    held_ -= kReaderBytes;
    next = HeadToWakeLocked();
  }
  Wake(next);
}

uint64_t ConsumeBudget::held() const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_;
}

size_t ConsumeBudget::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_.size();
}

uint64_t ConsumeBudget::peak() const {
  std::lock_guard<std::mutex> lock(mu_);
  return peak_;
}

BudgetGrant& BudgetGrant::operator=(BudgetGrant&& other) noexcept {
  if (this != &other) {
    Reset();
    budget_ = other.budget_;
    bytes_ = other.bytes_;
    other.budget_ = nullptr;
    other.bytes_ = 0;
  }
  return *this;
}

void BudgetGrant::Resize(uint64_t bytes) {
  if (!budget_) return;
  if (bytes > bytes_) budget_->Charge(bytes - bytes_);
  if (bytes < bytes_) budget_->Release(bytes_ - bytes);
  bytes_ = bytes;
}

uint64_t BudgetGrant::Detach() {
  const uint64_t bytes = bytes_;
  budget_ = nullptr;
  bytes_ = 0;
  return bytes;
}

void BudgetGrant::Reset() {
  if (budget_ && bytes_) budget_->Release(bytes_);
  budget_ = nullptr;
  bytes_ = 0;
}

}  // namespace slsflow
