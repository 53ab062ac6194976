// The SLS API as the emulator serves it: authentication, project from Host,
// routing, and the handlers. HTTP-agnostic (see request.h); server.h puts it
// behind cpp-httplib.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/base/status.h"
#include "core/sls/auth.h"
#include "emulator/assignment.h"
#include "emulator/faults.h"
#include "emulator/limits.h"
#include "emulator/model.h"
#include "emulator/pull_cache.h"
#include "emulator/request.h"
#include "emulator/storage.h"

namespace slsflow::emulator {

struct LogStoreSpec {
  std::string name;
  int shards = 2;
};

struct ServiceOptions {
  std::string default_project = "demo";
  std::vector<LogStoreSpec> logstores;  // created at start unless already stored
  bool auth = false;
  Credentials credentials;  // used when auth is on; security_token: accepted STS token
  // Wall clock in microseconds; the default reads the system clock.
  std::function<int64_t()> clock_us;
  int64_t max_skew_s = 15 * 60;
  EmulatorLimits limits;
};

class Service {
 public:
  Service(ServiceOptions options, std::unique_ptr<Storage> storage);
  ~Service();

  // Loads stored state and creates the configured project and logstores.
  Status Init();
  EmuResponse Handle(EmuRequest& req);

  int64_t NowMicros() const;
  void set_clock_offset_s(int64_t s) { clock_offset_us_ = s * 1000000; }
  int64_t clock_offset_s() const { return clock_offset_us_ / 1000000; }

  Project* FindProject(const std::string& name);
  const ServiceOptions& options() const { return options_; }
  // Project named by Host ("demo.127.0.0.1:80" -> "demo"); "" when the
  // Host carries none (a bare IP, "localhost", IPv6).
  static std::string ProjectFromHost(const std::string& host);
  // True for a request that routes to PutLogs (a protobuf body); every
  // other body is JSON. Decided from the method, path and query alone, so
  // the server can pick the body bound before it reads the body.
  static bool IsPutLogs(const EmuRequest& req);
  size_t BodyLimit(const EmuRequest& req) const {
    return IsPutLogs(req) ? options_.limits.max_body_bytes : options_.limits.max_json_body_bytes;
  }
  // The first offset of `shard` still within its logstore's ttl on the
  // server clock. Expired groups are dropped from memory (storage keeps
  // them; they expire again after a restart) and never come back, even if
  // the clock is moved back.
  uint64_t RetainedBegin(LogStore& ls, Shard& shard);

 private:
  Status Authenticate(const EmuRequest& req);
  EmuResponse Route(EmuRequest& req, Project& project);
  // An SLS API the emulator does not serve: 400 NotSupported, naming it.
  static EmuResponse NotImplemented(const std::string& api);

  // handlers_logstore.cc
  EmuResponse GetProject(Project& p);
  EmuResponse ListLogStores(const EmuRequest& req, Project& p);
  EmuResponse CreateLogStore(const EmuRequest& req, Project& p);
  EmuResponse GetLogStore(Project& p, const std::string& ls);
  EmuResponse UpdateLogStore(const EmuRequest& req, Project& p, const std::string& ls);
  EmuResponse DeleteLogStore(Project& p, const std::string& ls);
  EmuResponse ListShards(Project& p, const std::string& ls);
  // handlers_shard.cc
  EmuResponse SplitShard(const EmuRequest& req, Project& p, const std::string& ls, int shard);
  EmuResponse MergeShard(Project& p, const std::string& ls, int shard);
  // handlers_data.cc
  EmuResponse GetCursor(const EmuRequest& req, Project& p, const std::string& ls, int shard);
  EmuResponse GetCursorTime(const EmuRequest& req, Project& p, const std::string& ls, int shard);
  EmuResponse PullLogs(const EmuRequest& req, Project& p, const std::string& ls, int shard);
  // handlers_put.cc; target: "lb", "route", "" (bare logstore) or a shard id.
  EmuResponse PutLogs(const EmuRequest& req, Project& p, const std::string& ls, const std::string& target);
  // handlers_group.cc
  EmuResponse ListConsumerGroups(Project& p, const std::string& ls);
  EmuResponse CreateConsumerGroup(const EmuRequest& req, Project& p, const std::string& ls);
  EmuResponse UpdateConsumerGroup(const EmuRequest& req, Project& p, const std::string& ls, const std::string& cg);
  EmuResponse DeleteConsumerGroup(Project& p, const std::string& ls, const std::string& cg);
  EmuResponse Heartbeat(const EmuRequest& req, Project& p, const std::string& ls, const std::string& cg);
  EmuResponse UpdateCheckpoint(const EmuRequest& req, Project& p, const std::string& ls, const std::string& cg);
  EmuResponse GetCheckpoints(const EmuRequest& req, Project& p, const std::string& ls, const std::string& cg);

 public:
  // Shared by handlers (and tests): shard snapshot for assignment, and
  // creation of a logstore with `n` even shards.
  static std::vector<ShardView> ShardViews(LogStore& ls);  // caller holds ls.mu (shared)
  Status CreateLogStoreLocked(Project& p, const LogStoreMeta& meta, int shards);
  Storage& storage() { return *storage_; }
  PullCache& pull_cache() { return pull_cache_; }
  // Quotas are checked when set (owned by the server).
  void set_faults(Faults* faults) { faults_ = faults; }

 private:
  ServiceOptions options_;
  std::unique_ptr<Storage> storage_;
  std::map<std::string, std::unique_ptr<Project>> projects_;
  std::atomic<int64_t> clock_offset_us_{0};
  PullCache pull_cache_;
  Faults* faults_ = nullptr;
};

// Shared helpers for handlers.
EmuResponse LogStoreNotExist(const std::string& ls);
EmuResponse ShardNotExist(int shard, int status = 400);
// The ListShards / split / merge reply: a JSON array of shard objects.
std::string ShardListBody(const std::vector<const ShardMeta*>& metas);

}  // namespace slsflow::emulator
