#include "core/consume/source.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include <spdlog/spdlog.h>

#include "core/base/notice.h"
#include "core/consume/lineage.h"

namespace slsflow {

namespace {

class ClientSource final : public ConsumeSource {
 public:
  explicit ClientSource(SlsClient* client) : client_(client) {}
  Result<std::vector<ShardInfo>> ListShards(const std::string& logstore) override {
    return client_->ListShards(logstore);
  }
  Result<std::string> GetCursor(const std::string& logstore, int shard, const std::string& from) override {
    return client_->GetCursor(logstore, shard, from);
  }
  Result<PullResult> PullLogs(const PullRequest& request) override { return client_->PullLogs(request); }

 private:
  SlsClient* client_;
};

class RetryingSource final : public ConsumeSource {
 public:
  RetryingSource(ConsumeSource* base, Env* env, int attempts, const std::atomic<int>* stop)
      : base_(base), env_(env), attempts_(std::max(1, attempts)), stop_(stop) {}
  Result<std::vector<ShardInfo>> ListShards(const std::string& logstore) override {
    return Retry("ListShards " + logstore, [&] { return base_->ListShards(logstore); });
  }
  Result<std::string> GetCursor(const std::string& logstore, int shard, const std::string& from) override {
    return Retry("GetCursor " + logstore + "/" + std::to_string(shard),
                 [&] { return base_->GetCursor(logstore, shard, from); });
  }
  Result<PullResult> PullLogs(const PullRequest& request) override {
    return Retry("PullLogs " + request.logstore + "/" + std::to_string(request.shard),
                 [&] { return base_->PullLogs(request); });
  }

 private:
  template <typename F>
  auto Retry(const std::string& what, F call) -> decltype(call()) {
    int64_t backoff = 200000;
    for (int attempt = 1;; ++attempt) {
      auto r = call();
      if (r.ok() || attempt >= attempts_) return r;
      const RetryClass rc = r.status().retry();
      if (rc != RetryClass::kRetry && rc != RetryClass::kBackoff) return r;
      int64_t wait = backoff + static_cast<int64_t>(env_->Random() % static_cast<uint64_t>(backoff / 4 + 1));
      if (r.status().kind() == ErrorKind::kUnreachable) {
        NoticeRetry(r.status(), attempt, attempts_ - 1);
      } else {
        spdlog::warn("{}: {}; retrying in {} ms", what, r.status().ToString(), wait / 1000);
      }
      for (int64_t slept = 0; slept < wait; slept += 50000) {
        if (stop_ && stop_->load() > 0) return r;
        env_->SleepMicros(std::min<int64_t>(50000, wait - slept));
      }
      backoff = std::min<int64_t>(backoff * 2, 5000000);
    }
  }

  ConsumeSource* base_;
  Env* env_;
  int attempts_;
  const std::atomic<int>* stop_;
};

class AllShardsAssigner final : public ShardAssigner {
 public:
  explicit AllShardsAssigner(std::vector<int> selection) : selection_(std::move(selection)) {}
  Result<std::vector<ShardInfo>> Assign(const std::string& /*logstore*/, std::vector<ShardInfo> listed) override {
    if (selection_.empty()) return listed;
    std::set<int> scope = ShardScope(listed, selection_);
    listed.erase(std::remove_if(listed.begin(), listed.end(), [&](const ShardInfo& s) { return !scope.count(s.id); }),
                 listed.end());
    return listed;
  }

 private:
  std::vector<int> selection_;
};

}  // namespace

std::unique_ptr<ConsumeSource> NewClientSource(SlsClient* client) {
  return std::make_unique<ClientSource>(client);
}

std::unique_ptr<ConsumeSource> NewRetryingSource(ConsumeSource* base, Env* env, int attempts,
                                                 const std::atomic<int>* stop) {
  return std::make_unique<RetryingSource>(base, env, attempts, stop);
}

std::unique_ptr<ShardAssigner> NewAllShardsAssigner(std::vector<int> selection) {
  return std::make_unique<AllShardsAssigner>(std::move(selection));
}

}  // namespace slsflow
