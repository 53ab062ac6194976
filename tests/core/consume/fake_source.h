// An in-memory logstore for consume unit tests: shards with hash ranges,
// append-only groups with receive times, split and merge with the real
// server's lineage rules, base64-of-decimal cursors and failure injection.
#pragma once

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/consume/source.h"
#include "core/sls/crypto.h"
#include "sls.pb.h"

namespace slsflow::test {

class FakeSource : public ConsumeSource {
 public:
  struct Shard {
    ShardInfo info;
    std::vector<std::pair<int64_t, std::string>> groups;  // receive time, serialized LogGroup
  };

  explicit FakeSource(int shards, const std::string& logstore = "app") : logstore_(logstore) {
    // Even ranges over the 128-bit space, using the top byte.
    for (int i = 0; i < shards; ++i) {
      Shard s;
      s.info.id = i;
      s.info.status = "readwrite";
      s.info.begin_key = KeyAt(256 * i / shards);
      s.info.end_key = i + 1 == shards ? std::string(32, 'f') : KeyAt(256 * (i + 1) / shards);
      shards_[i] = s;
    }
    next_id_ = shards;
  }

  static std::string KeyAt(int top) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", top);
    return std::string(buf) + std::string(30, '0');
  }

  static std::string Cursor(int64_t offset) { return Base64Encode(std::to_string(1600000000000000000LL + offset)); }
  static int64_t Offset(const std::string& cursor) {
    std::string dec;
    if (!Base64Decode(cursor, &dec)) return -1;
    return std::stoll(dec) - 1600000000000000000LL;
  }

  // Appends a group of logs with contents {"seq": value} to a shard.
  void Put(int shard, const std::vector<std::string>& values, int64_t receive_time = 1000, uint32_t log_time = 0) {
    sls::LogGroup g;
    for (const auto& v : values) {
      auto* log = g.add_logs();
      log->set_time(log_time ? log_time : static_cast<uint32_t>(receive_time));
      auto* c = log->add_contents();
      c->set_key("seq");
      c->set_value(v);
    }
    g.set_topic("t");
    std::lock_guard<std::mutex> lock(mu_);
    auto& s = shards_.at(shard);
    if (s.info.readonly()) throw std::runtime_error("write to readonly shard");
    s.groups.emplace_back(receive_time, g.SerializeAsString());
  }
  // The readwrite shard owning a top-byte key.
  int ShardFor(int top) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string key = KeyAt(top);
    for (auto& [id, s] : shards_) {
      if (s.info.readonly()) continue;
      if (key >= s.info.begin_key && (s.info.end_key == std::string(32, 'f') || key < s.info.end_key)) return id;
    }
    return -1;
  }

  std::vector<int> Split(int shard, int top) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& p = shards_.at(shard);
    p.info.status = "readonly";
    Shard a, b;
    a.info = {next_id_++, "readwrite", p.info.begin_key, KeyAt(top), 0};
    b.info = {next_id_++, "readwrite", KeyAt(top), p.info.end_key, 0};
    shards_[a.info.id] = a;
    shards_[b.info.id] = b;
    return {a.info.id, b.info.id};
  }

  int Merge(int left) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& l = shards_.at(left);
    for (auto& [id, r] : shards_) {
      if (r.info.readonly() || r.info.begin_key != l.info.end_key) continue;
      l.info.status = r.info.status = "readonly";
      Shard m;
      m.info = {next_id_++, "readwrite", l.info.begin_key, r.info.end_key, 0};
      shards_[m.info.id] = m;
      return m.info.id;
    }
    throw std::runtime_error("no right neighbour");
  }

  Result<std::vector<ShardInfo>> ListShards(const std::string& logstore) override {
    if (logstore != logstore_)
      return Status::NotFound("logstore " + logstore + " does not exist").set_sls_code("LogStoreNotExist");
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<ShardInfo> out;
    for (auto& [id, s] : shards_) out.push_back(s.info);
    return out;
  }

  Result<std::string> GetCursor(const std::string&, int shard, const std::string& from) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto& s = shards_.at(shard);
    if (from == "begin") return Cursor(0);
    if (from == "end") return Cursor(static_cast<int64_t>(s.groups.size()));
    int64_t t = std::stoll(from);
    auto it =
        std::lower_bound(s.groups.begin(), s.groups.end(), t, [](const auto& g, int64_t v) { return g.first < v; });
    return Cursor(it - s.groups.begin());
  }

  Result<PullResult> PullLogs(const PullRequest& req) override {
    pulls_++;
    if (fail_next_.load() > 0) {
      fail_next_--;
      return Status::Error(ErrorKind::kServer, "InternalServerError").set_retry(RetryClass::kRetry);
    }
    if (fatal_.load()) return Status::Auth("SignatureNotMatch: check the access key secret");
    std::lock_guard<std::mutex> lock(mu_);
    auto& s = shards_.at(req.shard);
    counts_.push_back(req.count);
    int64_t from = Offset(req.cursor);
    int64_t end = static_cast<int64_t>(s.groups.size());
    if (!req.end_cursor.empty()) end = std::min(end, Offset(req.end_cursor));
    int64_t to = std::min<int64_t>(end, from + req.count);
    sls::LogGroupList list;
    for (int64_t i = from; i < to; ++i) list.add_loggroups()->ParseFromString(s.groups[static_cast<size_t>(i)].second);
    PullResult r;
    r.count = static_cast<int>(std::max<int64_t>(0, to - from));
    if (r.count > 0) r.log_group_list = list.SerializeAsString();
    // A broken server: the body decompressed fine but is cut mid-message.
    if (r.count > 0 && garble_from_.load() >= 0 && from >= garble_from_.load())
      r.log_group_list.resize(r.log_group_list.size() - 3);
    r.next_cursor = Cursor(std::max(from, to));
    r.end_of_cursor = report_end_of_cursor_.load() && to >= static_cast<int64_t>(s.groups.size());
    return r;
  }

  std::atomic<int> fail_next_{0};
  std::atomic<bool> fatal_{false};
  std::atomic<int64_t> garble_from_{-1};  // pulls from this group offset on are cut short
  std::atomic<int> pulls_{0};
  std::atomic<bool> report_end_of_cursor_{false};  // as the emulator and SLS do
  // `count` of every PullLogs that got past the injected faults, in order.
  std::vector<int> counts() {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_;
  }

 private:
  std::vector<int> counts_;  // guarded by mu_
  std::string logstore_;
  std::mutex mu_;
  std::map<int, Shard> shards_;
  int next_id_ = 0;
};

}  // namespace slsflow::test
