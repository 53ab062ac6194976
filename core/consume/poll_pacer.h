// Spreads the polls of caught-up shards so that together they make at most
// a set number a second. Each poll of an idle shard costs a request (about
// 155 us of CPU here, and a PullLogs against the project's quota), so 256
// idle shards polled every 100 ms took 35-40 % of a core doing nothing. The
// official Java consumer library waits 400 ms after a pull that reached the
// end; at the default 640 polls a second, shards up to 64 keep
// --fetch-interval and 256 wait that same 400 ms.
#pragma once

#include <atomic>
#include <cstdint>

namespace slsflow {

class PollPacer {
 public:
  static constexpr int kDefaultIdlePollsPerSecond = 640;
  // 0: no limit, every idle shard waits just its fetch interval.
  explicit PollPacer(int idle_polls_per_second = kDefaultIdlePollsPerSecond)
      : idle_polls_per_second_(idle_polls_per_second) {}

  // Every shard reader counts, idle or not: any of them may turn idle, and
  // a count of the idle ones alone would change with every poll.
  void AddReader() { readers_.fetch_add(1, std::memory_order_relaxed); }
  void RemoveReader() { readers_.fetch_sub(1, std::memory_order_relaxed); }
  int readers() const { return readers_.load(std::memory_order_relaxed); }

  // How long a caught-up shard waits before it polls again: the fetch
  // interval, or longer when the readers would poll too often together.
  int64_t IdleWaitUs(int64_t fetch_interval_us) const;

 private:
  const int idle_polls_per_second_;
  std::atomic<int> readers_{0};
};

}  // namespace slsflow
