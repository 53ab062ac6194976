#include "emulator/service.h"

#include <charconv>
#include <chrono>

#include "emulator/cursor.h"

namespace slsflow::emulator {
namespace {

int64_t SystemMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    if (slash > pos) out.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

bool ParseShardId(const std::string& s, int* id) {
  if (s.empty() || s.size() > 9) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *id);
  return ec == std::errc() && ptr == s.data() + s.size() && *id >= 0;
}

}  // namespace

EmuResponse LogStoreNotExist(const std::string& ls) {
  return ErrorResponse(404, "LogStoreNotExist", "logstore " + ls + " does not exist");
}

EmuResponse ShardNotExist(int shard, int status) {
  return ErrorResponse(status, "ShardNotExist", "shard " + std::to_string(shard) + " does not exist");
}

Service::Service(ServiceOptions options, std::unique_ptr<Storage> storage)
    : options_(std::move(options)), storage_(std::move(storage)), pull_cache_(options_.limits.pull_cache_bytes) {
  if (!options_.clock_us) options_.clock_us = SystemMicros;
}

Service::~Service() = default;

int64_t Service::NowMicros() const {
  return options_.clock_us() + clock_offset_us_.load();
}

Project* Service::FindProject(const std::string& name) {
  auto it = projects_.find(name);
  return it == projects_.end() ? nullptr : it->second.get();
}

Status Service::Init() {
  std::vector<LoadedProject> loaded;
  SLSFLOW_RETURN_IF_ERROR(storage_->Load(&loaded));
  int64_t now_s = NowMicros() / 1000000;
  auto project_named = [&](const std::string& name) {
    auto& slot = projects_[name];
    if (!slot) {
      slot = std::make_unique<Project>();
      slot->name = name;
      slot->create_time_s = now_s;
    }
    return slot.get();
  };
  for (auto& lp : loaded) {
    Project* p = project_named(lp.name);
    for (auto& lls : lp.logstores) {
      auto ls = std::make_shared<LogStore>(lls.meta);
      for (auto& sm : lls.shards) {
        auto shard = std::make_unique<Shard>();
        shard->meta = sm;
        ls->shards[sm.id] = std::move(shard);
      }
      for (auto& g : lls.groups) {
        auto it = ls->shards.find(g.shard);
        if (it == ls->shards.end() || g.offset != it->second->Size()) {
          return Status::Corruption("emulator data: logstore " + lls.meta.name + " shard " + std::to_string(g.shard) +
                                    " has a gap at group " + std::to_string(g.offset) +
                                    "; the data dir is damaged, move it away to start fresh");
        }
        it->second->Append(std::make_shared<const StoredGroup>(std::move(g.group)));
      }
      for (auto& cg : lls.consumer_groups) ls->groups[cg.name] = std::make_unique<ConsumerGroupState>(cg);
      for (auto& [name, rec] : lls.checkpoints) {
        auto it = ls->groups.find(name);
        if (it != ls->groups.end()) it->second->LoadCheckpoint(rec);
      }
      p->logstores[lls.meta.name] = std::move(ls);
    }
  }
  Project* p = project_named(options_.default_project);
  for (auto& spec : options_.logstores) {
    if (p->Find(spec.name)) continue;
    LogStoreMeta meta;
    meta.name = spec.name;
    meta.create_time_s = meta.last_modify_time_s = now_s;
    SLSFLOW_RETURN_IF_ERROR(CreateLogStoreLocked(*p, meta, spec.shards));
  }
  return Status::OK();
}

Status Service::CreateLogStoreLocked(Project& p, const LogStoreMeta& meta, int n) {
  if (n < 1 || n > options_.limits.max_shards) {
    return SlsError(400, "ParameterInvalid",
                    "shardCount must be between 1 and " + std::to_string(options_.limits.max_shards));
  }
  auto ls = std::make_shared<LogStore>(meta);
  std::vector<ShardMeta> metas;
  HashRange all;
  all.end.is_max = true;
  int id = 0;
  for (const auto& range : SplitEvenly(all, n)) {
    auto shard = std::make_unique<Shard>();
    shard->meta.id = id;
    shard->meta.range = range;
    shard->meta.create_time_s = meta.create_time_s;
    metas.push_back(shard->meta);
    ls->shards[id++] = std::move(shard);
  }
  std::lock_guard lock(p.mu);
  if (p.logstores.count(meta.name)) {
    return SlsError(400, "LogStoreAlreadyExist", "logstore " + meta.name + " already exists");
  }
  SLSFLOW_RETURN_IF_ERROR(storage_->SaveLogStore(p.name, meta, metas));
  p.logstores[meta.name] = std::move(ls);
  return Status::OK();
}

std::vector<ShardView> Service::ShardViews(LogStore& ls) {
  std::vector<ShardView> out;
  for (auto& [id, shard] : ls.shards) {
    ShardView v;
    v.id = id;
    v.readonly = shard->meta.readonly;
    v.range = shard->meta.range;
    v.end_offset = shard->Size();
    out.push_back(v);
  }
  return out;
}

std::string Service::ProjectFromHost(const std::string& host_header) {
  std::string host = host_header;
  if (host.empty() || host[0] == '[') return "";  // IPv6 literal: no project
  size_t colon = host.rfind(':');
  if (colon != std::string::npos) host.resize(colon);
  size_t dot = host.find('.');
  if (dot == std::string::npos || dot == 0) return "";  // "localhost"
  bool numeric = true;
  for (char c : host) {
    if (c != '.' && (c < '0' || c > '9')) numeric = false;
  }
  if (numeric) return "";  // a bare IPv4 address
  return host.substr(0, dot);
}

bool Service::IsPutLogs(const EmuRequest& req) {
  if (req.method != "POST") return false;
  std::vector<std::string> seg = SplitPath(req.path);
  if (seg.empty() || seg[0] != "logstores") return false;
  if (seg.size() == 2) return true;
  if (seg.size() != 4 || seg[2] != "shards") return false;
  if (seg[3] == "lb" || seg[3] == "route") return true;
  return !req.Query("action") && !req.Query("shardCount");
}

uint64_t Service::RetainedBegin(LogStore& ls, Shard& shard) {
  int ttl_days = 0;
  {
    std::shared_lock lock(ls.mu);
    ttl_days = ls.meta.ttl_days;
  }
  // 3650 days is how SLS spells "keep forever".
  if (ttl_days <= 0 || ttl_days >= 3650) return shard.First();
  return shard.ExpireBefore(NowMicros() - int64_t{ttl_days} * 86400 * 1000000);
}

EmuResponse Service::NotImplemented(const std::string& api) {
  // 400, not 501: the SDKs retry any 5xx (Py ten times, Go GETs for 90 s)
  // before they show the message. SLS answers 400 NotSupported for an
  // operation it does not support (aliyun-log-java-sdk's function tests).
  return ErrorResponse(400, "NotSupported", api + " is not implemented by slsflow emulator");
}

Status Service::Authenticate(const EmuRequest& req) {
  int64_t now_s = NowMicros() / 1000000;
  if (!options_.auth) {
    // Without keys we still insist on what every SLS client sends: a
    // request time, within the allowed skew.
    const std::string* date = req.Header("x-log-date");
    if (!date || date->empty()) date = req.Header("Date");
    if (!date || date->empty()) return SlsError(400, "MissingDate", "Date does not exist in http header");
    int64_t t = 0;
    if (!ParseRequestTime(*date, &t)) {
      return SlsError(400, "InvalidDateFormat", "Date " + *date + " must follow RFC822");
    }
    if (t > now_s + options_.max_skew_s || t < now_s - options_.max_skew_s) {
      return SlsError(400, "RequestTimeExpired",
                      "request time " + *date + " is more than 15 minutes off the server's clock");
    }
    return Status::OK();
  }
  SignableRequest sreq{req.method, req.raw_path, req.query, req.headers};
  const Credentials& creds = options_.credentials;
  auto verified = VerifyRequest(
      sreq,
      [&](const std::string& ak, std::string* secret) {
        if (ak != creds.access_key_id) return false;
        *secret = creds.access_key_secret;
        return true;
      },
      now_s, options_.max_skew_s);
  if (!verified.ok()) {
    const Status& st = verified.status();
    if (!st.sls_code().empty()) return st;
    return SlsError(401, "Unauthorized", st.message());
  }
  const std::string* token = req.Header("x-acs-security-token");
  if (token && !token->empty() && *token != creds.security_token) {
    return SlsError(401, "Unauthorized", "the security token is invalid or expired");
  }
  return Status::OK();
}

EmuResponse Service::Handle(EmuRequest& req) {
  if (Status st = Authenticate(req); !st.ok()) return StatusResponse(st);
  const std::string* host = req.Header("Host");
  std::string name = ProjectFromHost(host ? *host : "");
  if (name.empty()) name = options_.default_project;
  Project* project = FindProject(name);
  if (!project) return ErrorResponse(404, "ProjectNotExist", "project " + name + " does not exist");
  req.project = name;
  if (!req.body.empty() && !IsPutLogs(req)) {
    if (Status st = CheckJsonBody(req.body, options_.limits); !st.ok()) return StatusResponse(st);
  }
  return Route(req, *project);
}

EmuResponse Service::Route(EmuRequest& req, Project& p) {
  const std::string& m = req.method;
  std::vector<std::string> seg = SplitPath(req.path);
  // Anything not served below is an API (or a form of one) the emulator
  // lacks: the client learns which, instead of a 200 with unrelated JSON.
  auto unsupported = [&] { return NotImplemented(m + " " + req.path); };
  if (seg.empty()) {
    if (m == "GET") return GetProject(p);
    if (m == "PUT") return NotImplemented("UpdateProject");
    if (m == "DELETE") return NotImplemented("DeleteProject");
    if (m == "POST") return NotImplemented("CreateProject");
    return unsupported();
  }
  if (seg[0] == "logs") return NotImplemented("GetProjectLogs (" + m + " /logs)");
  if (seg[0] != "logstores") return unsupported();
  if (seg.size() == 1) {
    if (m == "GET") return ListLogStores(req, p);
    if (m == "POST") return CreateLogStore(req, p);
    return unsupported();
  }
  const std::string& ls = seg[1];
  if (seg.size() == 2) {
    if (m == "GET") {
      // GetLogStore has no type; GetLogs v1, GetHistograms and ListTopics
      // share its path and differ only by it.
      std::string type = req.QueryOr("type");
      if (type.empty()) return GetLogStore(p, ls);
      if (type == "log") return NotImplemented("GetLogs (GET /logstores/" + ls + "?type=log)");
      if (type == "histogram") return NotImplemented("GetHistograms");
      if (type == "topic") return NotImplemented("ListTopics");
      return NotImplemented("GET /logstores/" + ls + "?type=" + type);
    }
    if (m == "DELETE") return DeleteLogStore(p, ls);
    if (m == "PUT") return UpdateLogStore(req, p, ls);
    if (m == "POST") return PutLogs(req, p, ls, "");  // Go SDK PutLogs without a hash key
    return unsupported();
  }
  if (seg[2] == "logs") return NotImplemented("GetLogs (" + m + " /logstores/" + ls + "/logs, the v2 query API)");
  if (seg[2] == "index") return NotImplemented("the index API (" + m + " /logstores/" + ls + "/index)");
  if (seg[2] == "shards") {
    if (seg.size() == 3) return m == "GET" ? ListShards(p, ls) : unsupported();
    if (seg.size() != 4) return unsupported();
    const std::string& target = seg[3];
    if (target == "lb" || target == "route") return m == "POST" ? PutLogs(req, p, ls, target) : unsupported();
    int shard = 0;
    if (!ParseShardId(target, &shard)) {
      return ErrorResponse(400, "ParameterInvalid", "invalid shard id " + target);
    }
    std::string type = req.QueryOr("type");
    std::string action = req.QueryOr("action");
    if (m == "GET") {
      if (type == "cursor") return GetCursor(req, p, ls, shard);
      if (type == "cursor_time") return GetCursorTime(req, p, ls, shard);
      if (type == "log" || type == "logs") return PullLogs(req, p, ls, shard);
      return ErrorResponse(400, "ParameterInvalid", "invalid type " + type);
    }
    if (m == "POST") {
      if (action == "split") return SplitShard(req, p, ls, shard);
      if (action == "merge") return MergeShard(p, ls, shard);
      if (action.empty() && req.Query("shardCount")) return SplitShard(req, p, ls, shard);
      if (action.empty()) return PutLogs(req, p, ls, target);
      return ErrorResponse(400, "ParameterInvalid", "invalid action " + action);
    }
    return unsupported();
  }
  if (seg[2] == "consumergroups") {
    if (seg.size() == 3) {
      if (m == "GET") return ListConsumerGroups(p, ls);
      if (m == "POST") return CreateConsumerGroup(req, p, ls);
      return unsupported();
    }
    if (seg.size() != 4) return unsupported();
    const std::string& cg = seg[3];
    if (m == "PUT") return UpdateConsumerGroup(req, p, ls, cg);
    if (m == "DELETE") return DeleteConsumerGroup(p, ls, cg);
    if (m == "GET") return GetCheckpoints(req, p, ls, cg);
    if (m == "POST") {
      std::string type = req.QueryOr("type");
      if (type == "heartbeat") return Heartbeat(req, p, ls, cg);
      if (type == "checkpoint") return UpdateCheckpoint(req, p, ls, cg);
      return ErrorResponse(400, "ParameterInvalid", "invalid type " + type);
    }
  }
  return unsupported();
}

}  // namespace slsflow::emulator
