#include "core/produce/sender.h"

#include <algorithm>

namespace slsflow {

int64_t BackoffMicros(const SenderOptions& options, int retry, bool quota) {
  int64_t delay = options.backoff_initial_us;
  for (int i = 1; i < retry && delay < options.backoff_max_us; ++i) delay *= 2;
  delay = std::min(delay, options.backoff_max_us);
  if (quota) delay = std::max(delay, options.quota_backoff_min_us);
  return delay;
}

Sender::Sender(SenderOptions options, PutFn put, Env* env, DoneFn done)
    : options_(std::move(options)), put_(std::move(put)), env_(env), done_(std::move(done)) {}

Sender::~Sender() {
  Abort();
  Stop();
}

void Sender::Start() {
  int n = std::max(1, options_.parallel);
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { Worker(); });
}

void Sender::Submit(std::unique_ptr<Batch> batch) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(batch));
  }
  work_cv_.notify_one();
}

void Sender::Abort() {
  aborted_ = true;
  work_cv_.notify_all();
}

bool Sender::WaitIdle(int64_t timeout_us) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_cv_.wait_for(lock, std::chrono::microseconds(timeout_us),
                           [&] { return queue_.empty() && in_flight_ == 0; });
}

void Sender::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

size_t Sender::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size() + in_flight_;
}

void Sender::Worker() {
  CompressBuffer scratch;
  for (;;) {
    std::unique_ptr<Batch> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      for (;;) {
        auto it = queue_.begin();
        if (options_.ordered) {
          // A route's next batch waits while an earlier one is on the wire.
          while (it != queue_.end() && busy_routes_.count((*it)->route_key)) ++it;
        }
        if (it != queue_.end()) {
          batch = std::move(*it);
          queue_.erase(it);
          break;
        }
        if (stopping_ && queue_.empty()) return;
        work_cv_.wait(lock);
      }
      if (options_.ordered) busy_routes_.insert(batch->route_key);
      ++in_flight_;
    }
    Status st = aborted_ ? Status::Error(ErrorKind::kAborted, "not sent: the flush was abandoned")
                         : SendWithRetries(batch.get(), &scratch);
    std::string route = options_.ordered ? batch->route_key : std::string();
    done_(std::move(batch), st);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (options_.ordered) busy_routes_.erase(route);
      --in_flight_;
    }
    work_cv_.notify_all();
    idle_cv_.notify_all();
  }
}

bool Sender::SleepUnlessAborted(int64_t micros) {
  int64_t deadline = env_->MonotonicMicros() + micros;
  for (;;) {
    if (aborted_) return false;
    int64_t left = deadline - env_->MonotonicMicros();
    if (left <= 0) return true;
    env_->SleepMicros(std::min<int64_t>(left, 20 * 1000));
  }
}

Status Sender::SendWithRetries(Batch* batch, CompressBuffer* scratch) {
  PutRequest req;
  req.logstore = options_.logstore;
  req.route = batch->route;
  req.raw_size = batch->data.size();
  req.compress = options_.compress;
  // kNone sends the batch's own bytes: dead letters still need them after.
  auto body = CompressInto(options_.compress, batch->data, scratch);
  if (!body.ok()) return body.status();
  req.body = *body;
  Status last;
  for (int attempt = 1;; ++attempt) {
    batch->attempts = attempt;
    ++stats_.requests;
    last = put_(req);
    if (last.ok()) {
      stats_.raw_bytes += req.raw_size;
      stats_.wire_bytes += req.body.size();
      break;
    }
    if (last.retry() == RetryClass::kNever || attempt > options_.retries) break;
    int64_t delay = BackoffMicros(options_, attempt, last.retry() == RetryClass::kBackoff);
    // Equal jitter: half fixed, half random, so parallel senders that failed
    // together do not retry together.
    delay = delay / 2 + static_cast<int64_t>(env_->Random() % static_cast<uint64_t>(delay / 2 + 1));
    if (!SleepUnlessAborted(delay)) break;
    ++stats_.retries;
  }
  return last;
}

}  // namespace slsflow
