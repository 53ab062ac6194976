// N worker threads, each compressing a sealed batch and sending it with
// PutLogs over the shared keep-alive transport, retrying transient errors
// with exponential backoff and jitter. With `ordered`, one batch per route
// is in flight, so a route's batches land in order. A batch the server
// refuses for its content is sent again in halves, down to single logs, so
// that one bad log does not take its neighbours with it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/base/env.h"
#include "core/produce/batch.h"
#include "core/sls/client.h"

namespace slsflow {

struct SenderOptions {
  std::string logstore;
  int parallel = 4;
  bool ordered = false;
  int retries = 10;  // retries after the first attempt
  int64_t backoff_initial_us = 100 * 1000;
  int64_t backoff_max_us = 50 * 1000 * 1000;
  // Throttling (403 quota) waits at least this long: retrying a quota
  // error quickly only burns the quota further.
  int64_t quota_backoff_min_us = 500 * 1000;
  CompressType compress = CompressType::kLz4;
};

using PutFn = std::function<Status(const PutRequest&)>;
// Called from a worker thread once per batch: OK when acknowledged,
// otherwise the last error (retries exhausted, not retriable, or aborted).
// A batch that was split comes back first as its halves (each with its own
// logs and chunks, and nothing charged), then itself, OK and emptied of
// logs, so that its buffer and charge are returned.
using DoneFn = std::function<void(std::unique_ptr<Batch>, const Status&)>;

// True for the replies that blame the request's content (a bad key, value,
// time or encoding; a body too large): smaller requests may pass.
bool RefusedForContent(const Status& status);

struct SenderStats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> splits{0};      // batches sent again in halves
  std::atomic<uint64_t> raw_bytes{0};   // acknowledged, before compression
  std::atomic<uint64_t> wire_bytes{0};  // acknowledged, as sent
};

// Backoff before retry number `retry` (1-based), before jitter.
int64_t BackoffMicros(const SenderOptions& options, int retry, bool quota);

class Sender {
 public:
  Sender(SenderOptions options, PutFn put, Env* env, DoneFn done);
  ~Sender();

  void Start();
  void Submit(std::unique_ptr<Batch> batch);
  // Gives up: no more retries; queued batches fail without being sent.
  // Requests already on the wire finish.
  void Abort();
  bool aborted() const { return aborted_.load(); }
  // True once nothing is queued or in flight; false after timeout_us.
  bool WaitIdle(int64_t timeout_us);
  // Joins the workers (after Abort, or once idle).
  void Stop();
  // Batches queued plus in flight.
  size_t pending() const;
  const SenderStats& stats() const { return stats_; }

 private:
  void Worker();
  // Sends `batch` and reports it (and, when split, its halves) to done_.
  void Deliver(std::unique_ptr<Batch> batch, CompressBuffer* scratch);
  Status SendWithRetries(Batch* batch, CompressBuffer* scratch);
  bool SleepUnlessAborted(int64_t micros);

  // Threads: set at construction and read-only after; stats_ are atomics
  // bumped by the workers.
  SenderOptions options_;
  PutFn put_;
  Env* env_;
  DoneFn done_;
  SenderStats stats_;

  // mu_ guards everything below it but aborted_ (atomic, read in backoff
  // sleeps without the lock) and workers_ (the owning thread's only).
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  std::deque<std::unique_ptr<Batch>> queue_;
  std::set<std::string> busy_routes_;
  size_t in_flight_ = 0;
  bool stopping_ = false;
  std::atomic<bool> aborted_{false};
  std::vector<std::thread> workers_;
};

}  // namespace slsflow
