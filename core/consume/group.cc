#include "core/consume/group.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

namespace slsflow {

std::vector<int> HeldShards::ToBeat() const {
  std::set<int> all = assigned_;
  all.insert(releasing_.begin(), releasing_.end());
  return std::vector<int>(all.begin(), all.end());
}

std::vector<int> HeldShards::OnReply(const std::vector<int>& assigned) {
  std::set<int> now(assigned.begin(), assigned.end());
  std::vector<int> added;
  for (int s : now) {
    if (!assigned_.count(s)) added.push_back(s);
    releasing_.erase(s);  // handed back to us before we let go
    dropped_.erase(s);
  }
  for (int s : assigned_)
    if (!now.count(s)) releasing_.insert(s);
  assigned_ = std::move(now);
  return added;
}

void HeldShards::OnEngineDropped() {
  dropped_.insert(releasing_.begin(), releasing_.end());
}

void HeldShards::OnReleased(int shard) {
  releasing_.erase(shard);
  dropped_.erase(shard);
}

std::string DefaultConsumerName() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "host");
  return std::string(host) + "-" + std::to_string(getpid());
}

Status EnsureConsumerGroup(SlsClient* client, const std::string& logstore, const std::string& group,
                           int timeout_seconds, bool in_order) {
  auto groups = client->ListConsumerGroups(logstore);
  if (!groups.ok()) return groups.status().WithContext("listing consumer groups of " + logstore);
  for (auto& g : *groups)
    if (g.name == group) return Status::OK();
  Status st = client->CreateConsumerGroup(logstore, ConsumerGroupInfo{group, timeout_seconds, in_order});
  if (st.ok() || st.sls_code() == "ConsumerGroupAlreadyExist") {
    spdlog::info("created consumer group {} on {} (timeout {} s{})", group, logstore, timeout_seconds,
                 in_order ? ", in order" : "");
    return Status::OK();
  }
  return st.WithContext("creating consumer group " + group);
}

GroupAssigner::GroupAssigner(SlsClient* client, std::vector<std::string> logstores, GroupOptions options, Env* env)
    : client_(client), logstores_(std::move(logstores)), options_(std::move(options)), env_(env) {
  if (options_.consumer.empty()) options_.consumer = DefaultConsumerName();
}

GroupAssigner::~GroupAssigner() {
  Stop();
}

Status GroupAssigner::Start(const std::vector<CommittedShard>& committed) {
  for (auto& ls : logstores_)
    SLSFLOW_RETURN_IF_ERROR(
        EnsureConsumerGroup(client_, ls, options_.group, options_.timeout_seconds, options_.in_order));
  RestoreCommitted(committed);
  for (auto& ls : logstores_) SLSFLOW_RETURN_IF_ERROR(Beat(ls));
  last_ok_us_ = env_->MonotonicMicros();
  thread_ = std::thread([this] { Loop(); });
  return Status::OK();
}

// A member killed between a local commit and its push left the group one
// checkpoint behind what its files hold. Before the first heartbeat (which
// may release the shard to another member) the committed position is
// pushed, but only where the group still holds the checkpoint we pushed:
// one that another member moved is theirs.
void GroupAssigner::RestoreCommitted(const std::vector<CommittedShard>& committed) {
  for (const auto& c : committed) {
    if (c.pushed.empty() || c.cursor.empty() || c.cursor == c.pushed) continue;
    auto cps = client_->GetCheckpoints(c.logstore, options_.group, c.shard);
    if (!cps.ok()) {
      spdlog::warn("group {}: reading the checkpoint of {} shard {}: {}", options_.group, c.logstore, c.shard,
                   cps.status().ToString());
      continue;
    }
    auto it = std::find_if(cps->begin(), cps->end(), [&](const auto& cp) { return cp.shard == c.shard; });
    if (it == cps->end() || it->checkpoint != c.pushed) continue;
    Status st = client_->UpdateCheckpoint(c.logstore, options_.group, options_.consumer, c.shard, c.cursor, true);
    if (!st.ok()) {
      spdlog::warn("group {}: restoring the checkpoint of {} shard {}: {}", options_.group, c.logstore, c.shard,
                   st.ToString());
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    pushed_[{c.logstore, c.shard}] = c.cursor;
  }
}

void GroupAssigner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status GroupAssigner::Beat(const std::string& logstore) {
  std::vector<int> held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held = held_[logstore].ToBeat();
  }
  auto reply = client_->Heartbeat(logstore, options_.group, options_.consumer, held);
  if (!reply.ok() && reply.status().sls_code() == "NotExistConsumerWithBody") {
    // The server expired us (we were silent past the timeout): drop
    // everything and rejoin, as the SDK libraries do.
    spdlog::warn("consumer {} was expired by group {}; rejoining", options_.consumer, options_.group);
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_[logstore].Clear();
    }
    reply = client_->Heartbeat(logstore, options_.group, options_.consumer, {});
  }
  if (!reply.ok()) return reply.status().WithContext("heartbeat to group " + options_.group);
  std::lock_guard<std::mutex> lock(mu_);
  auto added = held_[logstore].OnReply(*reply);
  for (int s : added)
    spdlog::info("group {}: {} shard {} assigned to {}", options_.group, logstore, s, options_.consumer);
  return Status::OK();
}

void GroupAssigner::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::microseconds(options_.heartbeat_interval_us), [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    bool all_ok = true;
    for (auto& ls : logstores_) {
      Status st = Beat(ls);
      if (!st.ok()) {
        all_ok = false;
        spdlog::warn("{}", st.ToString());
      }
    }
    lock.lock();
    if (all_ok) {
      last_ok_us_ = env_->MonotonicMicros();
    } else if (env_->MonotonicMicros() - last_ok_us_ >
               static_cast<int64_t>(options_.timeout_seconds) * 1000000 + options_.heartbeat_interval_us) {
      // Past timeout + interval the server has surely given our shards to
      // others: stop reading them, as the SDK libraries do.
      for (auto& [ls, h] : held_) h.Clear();
    }
  }
}

Result<std::vector<ShardInfo>> GroupAssigner::Assign(const std::string& logstore, std::vector<ShardInfo> listed) {
  std::lock_guard<std::mutex> lock(mu_);
  held_[logstore].OnEngineDropped();
  const auto& mine = held_[logstore].assigned();
  listed.erase(std::remove_if(listed.begin(), listed.end(), [&](const ShardInfo& s) { return !mine.count(s.id); }),
               listed.end());
  auto& reading = engine_reading_[logstore];
  reading.clear();
  for (auto& s : listed) reading.insert(s.id);
  return listed;
}

void GroupAssigner::OnCommitted(const std::string& logstore, int shard, const std::string& cursor) {
  auto key = std::make_pair(logstore, shard);
  bool releasing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pushed_.find(key);
    bool changed = it == pushed_.end() || it->second != cursor;
    // A releasing shard the engine may still be reading: its position is
    // not final yet, and releasing it now would hand the next owner a
    // checkpoint behind what we delivered.
    releasing = held_[logstore].releasing().count(shard) > 0 && held_[logstore].EngineDropped(shard);
    bool reading = held_[logstore].assigned().count(shard) > 0 && engine_reading_[logstore].count(shard) > 0;
    if (!(reading || releasing) || (!changed && !releasing)) return;
  }
  Status st = client_->UpdateCheckpoint(logstore, options_.group, options_.consumer, shard, cursor, true);
  if (!st.ok()) {
    spdlog::warn("checkpoint of {} shard {} to group {}: {}", logstore, shard, options_.group, st.ToString());
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  pushed_[key] = cursor;
  if (releasing) {
    held_[logstore].OnReleased(shard);
    spdlog::info("group {}: released {} shard {} at checkpoint {}", options_.group, logstore, shard, cursor);
  }
}

std::string GroupAssigner::PushedCheckpoint(const std::string& logstore, int shard) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pushed_.find({logstore, shard});
  return it == pushed_.end() ? std::string() : it->second;
}

Result<std::string> GroupAssigner::StartCursor(const std::string& logstore, int shard) {
  auto cps = client_->GetCheckpoints(logstore, options_.group, shard);
  if (!cps.ok()) return cps.status().WithContext("reading the checkpoint of group " + options_.group);
  for (auto& cp : *cps)
    if (cp.shard == shard) {
      spdlog::info("group {}: {} shard {} starts at the group checkpoint {}", options_.group, logstore, shard,
                   cp.checkpoint.empty() ? "(none)" : cp.checkpoint);
      return cp.checkpoint;
    }
  return std::string();
}

SyncGroupAssigner::SyncGroupAssigner(std::unique_ptr<ShardAssigner> inner, SlsClient* client, std::string group)
    : inner_(std::move(inner)), client_(client), group_(std::move(group)) {}

Status SyncGroupAssigner::Start(const std::vector<std::string>& logstores, int timeout_seconds) {
  for (auto& ls : logstores) SLSFLOW_RETURN_IF_ERROR(EnsureConsumerGroup(client_, ls, group_, timeout_seconds, false));
  return Status::OK();
}

void SyncGroupAssigner::OnCommitted(const std::string& logstore, int shard, const std::string& cursor) {
  inner_->OnCommitted(logstore, shard, cursor);
  auto key = std::make_pair(logstore, shard);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pushed_.find(key);
    if (it != pushed_.end() && it->second == cursor) return;
  }
  // No consumer name: with forceSuccess the server takes it from anyone,
  // which is how the Flink connector syncs progress.
  Status st = client_->UpdateCheckpoint(logstore, group_, "", shard, cursor, true);
  if (!st.ok()) {
    spdlog::warn("syncing {} shard {} to group {}: {}", logstore, shard, group_, st.ToString());
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  pushed_[key] = cursor;
}

}  // namespace slsflow
