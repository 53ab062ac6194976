// `consume --memory`: one budget for every byte of log data the process
// holds (replies in flight, decoded batches waiting for the output thread,
// their formatted text), so that peak memory depends on the budget, not on
// the shard count, the group size or --max-per-fetch.
//
// A shard reader takes a grant before it pulls and hands it on with the
// batch; the engine gives it back when the batch is written. Grants are
// served in arrival order, so a shard that asks for much is never
// overtaken forever (no starvation), and a request larger than the whole
// budget (one giant log group) goes through alone once nothing else is
// held, so nothing deadlocks.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace slsflow {

// What a written batch leaves behind: buffers whose capacity the next pull
// can decode into, instead of freeing them and faulting in fresh pages
// (replies of 2 MB and more are fresh mappings under glibc's threshold: 4
// shards of 5 MB groups spent as much CPU in page faults as in formatting).
struct BudgetSpare {
  virtual ~BudgetSpare() = default;
};

class ConsumeBudget {
 public:
  explicit ConsumeBudget(uint64_t capacity) : capacity_(capacity) {}
  ConsumeBudget(const ConsumeBudget&) = delete;
  ConsumeBudget& operator=(const ConsumeBudget&) = delete;

  // Waits until `bytes` fit beside what grants and reservations hold (or
  // they hold nothing), in arrival order; kept spares are freed to make
  // room. False, holding nothing, once `cancelled` returns true; it is
  // checked on every wake-up, so whoever makes it true calls WakeWaiters.
  // (A timed re-check cost 256 waiting readers 5,000 wake-ups a second.)
  // With `spare`, the grant may be made in part of a kept spare (the
  // largest of at most `bytes`), handed over in *spare: the memory is used
  // again and only the rest is newly held. A waiter holds nothing, spares
  // included, so waiting cannot deadlock.
  bool Acquire(uint64_t bytes, const std::function<bool()>& cancelled, std::unique_ptr<BudgetSpare>* spare = nullptr);
  void Release(uint64_t bytes);
  // Wakes every waiter to check its `cancelled` again.
  void WakeWaiters();
  // Holds more without waiting: a reply larger than its grant is already in
  // memory. May go past the capacity; the first time it does is reported.
  void Charge(uint64_t bytes);
  // Sets a part of the budget aside for good (the --ordered window). It
  // does not count as "held" when a request larger than what is left waits
  // to go alone, so a reservation can never block a giant group forever.
  void Reserve(uint64_t bytes);

  // The part of the budget one reader plans a pull with: both its batches
  // (one in flight, one waiting) fit in it. It is split over at most
  // kPlannedPulls readers, not over all of them: 256 shards dividing 40 MB
  // would pull one 50 KB group at a time, and per-request costs (HTTP,
  // wake-ups, allocation) would then cost 4x the formatting. Readers past
  // that many wait their turn for a grant instead. Four keep one output
  // thread busy; eight halved every pull from 8 shards up, and 64 or 256
  // shards made twice the requests and context switches of 4 for the same
  // bytes (771 against 453 requests for 512 MB over 64 shards).
  uint64_t Share() const;
  static constexpr int kPlannedPulls = 4;
  // A shard reader is set aside while it runs: its thread's stack and its
  // connection are memory that grows with the shard count too (measured:
  // 24.5 MB of RSS reading 256 empty shards, 16.7 MB reading 4).
  void AddReader();
  void RemoveReader();
  static constexpr uint64_t kReaderBytes = 32 << 10;

  // Bytes of one log group as the last reply of any shard showed, so that a
  // shard's first pull is sized by what the others learnt. 0 until known.
  uint64_t group_bytes_hint() const { return group_hint_.load(std::memory_order_relaxed); }
  void NoteGroupBytes(uint64_t bytes) { group_hint_.store(bytes, std::memory_order_relaxed); }

  // Keeps `spare`, resident `bytes`, for Acquire, counted as held while it
  // is kept; frees it instead when it would not fit beside what is held, or
  // past kMaxSpares. A grant that fits only without them frees spares
  // first, so spares never make anyone wait. `release` is what the spare's
  // grant held, given back in the same step: otherwise the next in line
  // would be served before the spare is there to reuse.
  void GiveSpare(std::unique_ptr<BudgetSpare> spare, uint64_t bytes, uint64_t release = 0);
  static constexpr size_t kMaxSpares = 2 * kPlannedPulls;

  uint64_t capacity() const { return capacity_; }
  uint64_t spare_bytes() const;
  uint64_t held() const;
  uint64_t peak() const;
  size_t waiting() const;  // requests in line
  // Times the head of the line was woken to be served (on one core, each
  // is a context switch).
  uint64_t wakeups() const { return wakeups_.load(std::memory_order_relaxed); }

 private:
  const uint64_t capacity_;
  mutable std::mutex mu_;
  uint64_t held_ = 0;      // guarded by mu_; includes reserved_
  uint64_t reserved_ = 0;  // guarded by mu_
  uint64_t peak_ = 0;      // guarded by mu_
  int readers_ = 0;        // guarded by mu_
  // Waiters in arrival order, each with its own condition variable: only
  // the head can be served, so only the head is woken (a notify_all over
  // 256 readers cost more CPU than the pulls themselves), and only once
  // its request fits. It is woken after mu_ is let go, or on one core it
  // preempts the waker and blocks on mu_ at once; shared, so it outlives
  // a waiter that gives up in between.
  struct Waiter {
    std::condition_variable cv;
    uint64_t bytes = 0;
  };
  std::deque<std::shared_ptr<Waiter>> waiting_;  // guarded by mu_
  // With mu_ held: whether `bytes` fit beside grants and reservations, and
  // the head of the line if its request does (to be notified without mu_).
  bool FitsLocked(uint64_t bytes) const;
  std::shared_ptr<Waiter> HeadToWakeLocked() const;
  void Wake(const std::shared_ptr<Waiter>& waiter);
  std::atomic<uint64_t> wakeups_{0};
  bool reported_over_ = false;     // guarded by mu_
  bool reported_crowded_ = false;  // guarded by mu_
  struct Spare {
    std::unique_ptr<BudgetSpare> memory;
    uint64_t bytes = 0;
  };
  std::vector<Spare> spares_;  // guarded by mu_; their bytes count in held_
  // With mu_ held: frees spares, largest first, until `bytes` fit beside
  // what is held; takes the largest spare of at most `bytes` out of the
  // list (still counted as held); sums the spares' bytes.
  void FreeSparesFor(uint64_t bytes);
  Spare TakeSpareOutFor(uint64_t bytes);
  uint64_t SpareBytesLocked() const;
  std::atomic<uint64_t> group_hint_{0};
};

// Bytes held under a budget, given back when the grant is reset or
// destroyed. Moves with the batch whose memory it covers.
class BudgetGrant {
 public:
  BudgetGrant() = default;
  BudgetGrant(ConsumeBudget* budget, uint64_t bytes) : budget_(budget), bytes_(bytes) {}
  BudgetGrant(BudgetGrant&& other) noexcept { *this = std::move(other); }
  BudgetGrant& operator=(BudgetGrant&& other) noexcept;
  ~BudgetGrant() { Reset(); }

  // What the batch really holds, once the reply is in: gives back the
  // difference, or charges it without waiting.
  void Resize(uint64_t bytes);
  void Reset();
  // Stops owning the bytes without giving them back; returns them, for the
  // caller to give back some other way.
  uint64_t Detach();
  uint64_t bytes() const { return bytes_; }

 private:
  ConsumeBudget* budget_ = nullptr;
  uint64_t bytes_ = 0;
};

}  // namespace slsflow
