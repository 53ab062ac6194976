#include "core/produce/sender.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/base/notice.h"

namespace slsflow {

bool RefusedForContent(const Status& st) {
  if (st.ok() || st.retry() != RetryClass::kNever) return false;
  if (st.http_status() == 413) return true;
  if (st.http_status() != 400) return false;
  const std::string& code = st.sls_code();
  return code == "PostBodyInvalid" || code == "InvalidKey" || code == "InvalidEncoding" || code == "InvalidTimestamp" ||
         code == "PostBodyTooLarge" || code == "InvalidLogContent";
}

namespace {

std::string RouteName(const PutRoute& route) {
  switch (route.kind) {
    case PutRoute::kHashKey:
      return "the shard of hash key " + route.hash_key;
    case PutRoute::kShard:
      return "shard " + std::to_string(route.shard);
    default:
      return "any shard (lb)";
  }
}

std::string ErrorCode(const Status& st) {
  std::string code = st.http_status() ? std::to_string(st.http_status()) : std::string();
  if (!st.sls_code().empty()) code += (code.empty() ? "" : " ") + st.sls_code();
  return code.empty() ? std::string(ErrorKindName(st.kind())) : code;
}

// Two batches with the logs of `whole` before and after its middle log,
// each with the chunks of its own logs; nullptrs when the bytes do not
// split (they are our own encoding, so that is a bug worth an error).
std::pair<std::unique_ptr<Batch>, std::unique_ptr<Batch>> SplitBatch(const Batch& whole) {
  uint32_t half = whole.logs / 2;
  auto a = std::make_unique<Batch>();
  auto b = std::make_unique<Batch>();
  if (!SplitLogGroup(whole.data, half, &a->data, &b->data).ok()) return {};
  for (Batch* piece : {a.get(), b.get()}) {
    piece->seq = whole.seq;
    piece->route_key = whole.route_key;
    piece->route = whole.route;
    piece->meta = whole.meta;
    piece->created_us = whole.created_us;
    piece->used = piece->data.size();
  }
  a->logs = half;
  b->logs = whole.logs - half;
  uint32_t left = half;
  for (const auto& [chunk, n] : whole.chunks) {
    uint32_t to_a = std::min(left, n);
    if (to_a > 0) a->chunks.emplace_back(chunk, to_a);
    if (n > to_a) b->chunks.emplace_back(chunk, n - to_a);
    left -= to_a;
  }
  return {std::move(a), std::move(b)};
}

}  // namespace

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
    std::string route = options_.ordered ? batch->route_key : std::string();
    Deliver(std::move(batch), &scratch);
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

void Sender::Deliver(std::unique_ptr<Batch> batch, CompressBuffer* scratch) {
  Status st = aborted_ ? Status::Error(ErrorKind::kAborted, "not sent: the flush was abandoned")
                       : SendWithRetries(batch.get(), scratch);
  if (!RefusedForContent(st)) {
    done_(std::move(batch), st);
    return;
  }
  if (batch->logs <= 1) {
    batch->refused_alone = true;
    done_(std::move(batch), st);
    return;
  }
  auto [first, second] = SplitBatch(*batch);
  if (!first) {
    done_(std::move(batch), st);
    return;
  }
  ++stats_.splits;
  spdlog::info("the server refused a batch of {} logs ({}): sending it again in halves to find the log it refuses",
               batch->logs, st.ToString());
  // Depth-first, first half first: a route's logs keep their order, and at
  // most log2(logs) halves wait at a time.
  Deliver(std::move(first), scratch);
  Deliver(std::move(second), scratch);
  batch->logs = 0;
  batch->chunks.clear();
  done_(std::move(batch), Status::OK());
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
    // libcurl may send a request again by itself when its reused connection
    // dies before the reply; on a new connection it never does. So with no
    // retries allowed every attempt, and otherwise every retry, is sent
    // exactly once.
    req.fresh_connection = options_.retries == 0 || attempt > 1;
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
    if (last.kind() == ErrorKind::kUnreachable) {
      NoticeRetry(last, attempt, options_.retries);  // no server heard it: say so at every level
    } else {
      spdlog::info("retrying a batch of {} logs to {} after {} ({}): attempt {} of {} in {} ms", batch->logs,
                   RouteName(batch->route), ErrorCode(last), last.message(), attempt + 1, options_.retries + 1,
                   delay / 1000);
    }
    if (!SleepUnlessAborted(delay)) break;
    ++stats_.retries;
  }
  return last;
}

}  // namespace slsflow
