// GetProject, logstore CRUD and ListShards.
#include <charconv>
#include <nlohmann/json.hpp>

#include "emulator/service.h"

namespace slsflow::emulator {
namespace {

using nlohmann::json;

json ShardJson(const ShardMeta& m) {
  return {{"shardID", m.id},
          {"status", m.readonly ? "readonly" : "readwrite"},
          {"inclusiveBeginKey", FormatHashKey(m.range.begin)},
          {"exclusiveEndKey", FormatHashEnd(m.range.end)},
          {"createTime", m.create_time_s}};
}

bool ValidLogStoreName(const std::string& name) {
  if (name.size() < 2 || name.size() > 63) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool ParseInt(const std::string& s, int64_t* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

std::string ShardListBody(const std::vector<const ShardMeta*>& metas) {
  json arr = json::array();
  for (auto* m : metas) arr.push_back(ShardJson(*m));
  return arr.dump();
}

EmuResponse Service::GetProject(Project& p) {
  // Every key some SDK reads: Py indexes owner and the six before it
  // unconditionally; Go and Java read resourceGroupId, dataRedundancyType,
  // location and deletionProtection when present. Go documents owner as
  // empty.
  json j = {{"projectName", p.name},
            {"status", "Normal"},
            {"owner", ""},
            {"region", "local"},
            {"description", "slsflow emulator"},
            {"createTime", std::to_string(p.create_time_s)},
            {"lastModifyTime", std::to_string(p.create_time_s)},
            {"resourceGroupId", ""},
            {"dataRedundancyType", "LRS"},
            {"location", ""},
            {"deletionProtection", false}};
  return JsonResponse(j.dump());
}

EmuResponse Service::ListLogStores(const EmuRequest& req, Project& p) {
  int64_t offset = 0;
  int64_t size = 500;
  if (auto* v = req.Query("offset"); v && !v->empty() && (!ParseInt(*v, &offset) || offset < 0)) {
    return ErrorResponse(400, "ParameterInvalid", "offset must be a non-negative integer");
  }
  if (auto* v = req.Query("size"); v && !v->empty() && (!ParseInt(*v, &size) || size < 0 || size > 500)) {
    return ErrorResponse(400, "ParameterInvalid", "size must be between 0 and 500");
  }
  std::string filter = req.QueryOr("logstoreName");
  std::vector<std::string> names;
  {
    std::lock_guard lock(p.mu);
    for (auto& [name, ls] : p.logstores) {
      if (filter.empty() || name.find(filter) != std::string::npos) names.push_back(name);
    }
  }
  json page = json::array();
  for (size_t i = static_cast<size_t>(offset); i < names.size() && page.size() < static_cast<size_t>(size); ++i) {
    page.push_back(names[i]);
  }
  json j = {{"count", page.size()}, {"total", names.size()}, {"logstores", page}};
  return JsonResponse(j.dump());
}

EmuResponse Service::CreateLogStore(const EmuRequest& req, Project& p) {
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return ErrorResponse(400, "PostBodyInvalid", "body is not a JSON object");
  auto name_it = body.find("logstoreName");
  if (name_it == body.end() || !name_it->is_string() || !ValidLogStoreName(name_it->get<std::string>())) {
    return ErrorResponse(400, "ParameterInvalid", "logstoreName must be 2-63 characters of a-z, 0-9, - and _");
  }
  LogStoreMeta meta;
  meta.name = name_it->get<std::string>();
  int shards = 2;
  auto get_int = [&](const char* key, int* out) {
    auto it = body.find(key);
    if (it != body.end() && it->is_number_integer()) *out = it->get<int>();
  };
  auto get_bool = [&](const char* key, bool* out) {
    auto it = body.find(key);
    if (it != body.end() && it->is_boolean()) *out = it->get<bool>();
  };
  get_int("ttl", &meta.ttl_days);
  get_int("shardCount", &shards);
  get_int("maxSplitShard", &meta.max_split_shard);
  get_bool("autoSplit", &meta.auto_split);
  get_bool("appendMeta", &meta.append_meta);
  get_bool("enable_tracking", &meta.enable_tracking);
  meta.create_time_s = meta.last_modify_time_s = NowMicros() / 1000000;
  if (Status st = CreateLogStoreLocked(p, meta, shards); !st.ok()) return StatusResponse(st);
  return EmuResponse{};
}

EmuResponse Service::GetLogStore(Project& p, const std::string& name) {
  auto ls = p.Find(name);
  if (!ls) return LogStoreNotExist(name);
  std::shared_lock lock(ls->mu);
  int readwrite = 0;
  for (auto& [id, s] : ls->shards) readwrite += s->meta.readonly ? 0 : 1;
  const LogStoreMeta& m = ls->meta;
  json j = {{"logstoreName", m.name},
            {"ttl", m.ttl_days},
            {"shardCount", readwrite},
            {"enable_tracking", m.enable_tracking},
            {"autoSplit", m.auto_split},
            {"maxSplitShard", m.max_split_shard},
            {"appendMeta", m.append_meta},
            {"createTime", m.create_time_s},
            {"lastModifyTime", m.last_modify_time_s},
            {"telemetryType", ""},
            {"mode", "standard"}};
  return JsonResponse(j.dump());
}

EmuResponse Service::UpdateLogStore(const EmuRequest& req, Project& p, const std::string& name) {
  auto ls = p.Find(name);
  if (!ls) return LogStoreNotExist(name);
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return ErrorResponse(400, "PostBodyInvalid", "body is not a JSON object");
  std::unique_lock lock(ls->mu);
  LogStoreMeta m = ls->meta;
  if (auto it = body.find("ttl"); it != body.end() && it->is_number_integer()) m.ttl_days = it->get<int>();
  if (auto it = body.find("autoSplit"); it != body.end() && it->is_boolean()) m.auto_split = it->get<bool>();
  if (auto it = body.find("appendMeta"); it != body.end() && it->is_boolean()) m.append_meta = it->get<bool>();
  if (auto it = body.find("maxSplitShard"); it != body.end() && it->is_number_integer()) {
    m.max_split_shard = it->get<int>();
  }
  m.last_modify_time_s = NowMicros() / 1000000;
  std::vector<ShardMeta> metas;
  for (auto& [id, s] : ls->shards) metas.push_back(s->meta);
  if (Status st = storage_->SaveLogStore(p.name, m, metas); !st.ok()) return StatusResponse(st);
  ls->meta = m;
  return EmuResponse{};
}

EmuResponse Service::DeleteLogStore(Project& p, const std::string& name) {
  std::lock_guard lock(p.mu);
  auto it = p.logstores.find(name);
  if (it == p.logstores.end()) return LogStoreNotExist(name);
  if (Status st = storage_->DeleteLogStore(p.name, name); !st.ok()) return StatusResponse(st);
  p.logstores.erase(it);
  return EmuResponse{};
}

EmuResponse Service::ListShards(Project& p, const std::string& name) {
  auto ls = p.Find(name);
  if (!ls) return LogStoreNotExist(name);
  std::shared_lock lock(ls->mu);
  std::vector<const ShardMeta*> metas;
  for (auto& [id, s] : ls->shards) metas.push_back(&s->meta);
  return JsonResponse(ShardListBody(metas));
}

}  // namespace slsflow::emulator
