// Consumer groups (doc/protocol.md §12 and §13): CRUD, heartbeat with
// server-side assignment (assignment.h), checkpoints.
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/base/ascii.h"
#include "core/sls/crypto.h"
#include "emulator/service.h"

namespace slsflow::emulator {
namespace {

using nlohmann::json;

EmuResponse GroupNotExist(const std::string& cg) {
  return ErrorResponse(404, "ConsumerGroupNotExist", "consumer group " + cg + " does not exist");
}

bool ValidGroupName(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Accepts a JSON integer or a decimal string (some clients quote numbers).
bool JsonInt(const json& j, int64_t* out) {
  if (j.is_number_integer()) {
    *out = j.get<int64_t>();
    return true;
  }
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0') return false;
    *out = v;
    return true;
  }
  return false;
}

bool JsonBool(const json& j, bool* out) {
  if (j.is_boolean()) {
    *out = j.get<bool>();
    return true;
  }
  if (j.is_string()) {
    const std::string s = AsciiLowered(j.get<std::string>());
    if (s == "true" || s == "false") {
      *out = s == "true";
      return true;
    }
  }
  return false;
}

}  // namespace

EmuResponse Service::ListConsumerGroups(Project& p, const std::string& name) {
  auto ls = p.Find(name);
  if (!ls) return LogStoreNotExist(name);
  std::lock_guard lock(ls->groups_mu);
  json arr = json::array();
  for (auto& [n, g] : ls->groups) {
    arr.push_back({{"name", n}, {"timeout", g->meta().timeout_s}, {"order", g->meta().order}});
  }
  return JsonResponse(arr.dump());
}

EmuResponse Service::CreateConsumerGroup(const EmuRequest& req, Project& p, const std::string& name) {
  auto ls = p.Find(name);
  if (!ls) return LogStoreNotExist(name);
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return ErrorResponse(400, "PostBodyInvalid", "body is not a JSON object");
  ConsumerGroupMeta meta;
  int64_t timeout = 0;
  auto cg = body.find("consumerGroup");
  auto to = body.find("timeout");
  if (cg == body.end() || !cg->is_string() || !ValidGroupName(cg->get<std::string>()) || to == body.end() ||
      !JsonInt(*to, &timeout) || timeout < 1 || timeout > 86400) {
    return ErrorResponse(400, "JsonInfoInvalid", "need consumerGroup (a name) and timeout (1..86400 seconds)");
  }
  meta.name = cg->get<std::string>();
  meta.timeout_s = static_cast<int>(timeout);
  if (auto o = body.find("order"); o != body.end() && !JsonBool(*o, &meta.order)) {
    return ErrorResponse(400, "JsonInfoInvalid", "order must be a boolean");
  }
  std::lock_guard lock(ls->groups_mu);
  if (ls->groups.count(meta.name)) {
    return ErrorResponse(400, "ConsumerGroupAlreadyExist", "consumer group " + meta.name + " already exists");
  }
  if (Status st = storage_->SaveConsumerGroup(p.name, name, meta); !st.ok()) return StatusResponse(st);
  ls->groups[meta.name] = std::make_unique<ConsumerGroupState>(meta);
  return EmuResponse{};
}

EmuResponse Service::UpdateConsumerGroup(const EmuRequest& req, Project& p, const std::string& name,
                                         const std::string& cg) {
  auto ls = p.Find(name);
  if (!ls) return LogStoreNotExist(name);
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return ErrorResponse(400, "PostBodyInvalid", "body is not a JSON object");
  std::lock_guard lock(ls->groups_mu);
  auto it = ls->groups.find(cg);
  if (it == ls->groups.end()) return GroupNotExist(cg);
  ConsumerGroupMeta meta = it->second->meta();
  int64_t timeout = 0;
  if (auto to = body.find("timeout"); to != body.end()) {
    if (!JsonInt(*to, &timeout) || timeout < 1 || timeout > 86400) {
      return ErrorResponse(400, "JsonInfoInvalid", "timeout must be 1..86400 seconds");
    }
    meta.timeout_s = static_cast<int>(timeout);
  }
  if (auto o = body.find("order"); o != body.end() && !JsonBool(*o, &meta.order)) {
    return ErrorResponse(400, "JsonInfoInvalid", "order must be a boolean");
  }
  if (Status st = storage_->SaveConsumerGroup(p.name, name, meta); !st.ok()) return StatusResponse(st);
  it->second->Update(meta);
  return EmuResponse{};
}

EmuResponse Service::DeleteConsumerGroup(Project& p, const std::string& name, const std::string& cg) {
  auto ls = p.Find(name);
  if (!ls) return LogStoreNotExist(name);
  std::lock_guard lock(ls->groups_mu);
  auto it = ls->groups.find(cg);
  if (it == ls->groups.end()) return GroupNotExist(cg);
  if (Status st = storage_->DeleteConsumerGroup(p.name, name, cg); !st.ok()) return StatusResponse(st);
  ls->groups.erase(it);
  return EmuResponse{};
}

EmuResponse Service::Heartbeat(const EmuRequest& req, Project& p, const std::string& name, const std::string& cg) {
  auto ls = p.Find(name);
  if (!ls) return LogStoreNotExist(name);
  std::string consumer = req.QueryOr("consumer");
  if (consumer.empty()) return ErrorResponse(400, "ParameterInvalid", "consumer is required");
  std::vector<int> held;
  if (!req.body.empty()) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_array() || body.size() > 100000) {
      return ErrorResponse(400, "PostBodyInvalid", "heartbeat body must be a JSON array of shard ids");
    }
    for (auto& v : body) {
      int64_t id = 0;
      if (!JsonInt(v, &id) || id < 0 || id > 1 << 30) {
        return ErrorResponse(400, "PostBodyInvalid", "heartbeat body must be a JSON array of shard ids");
      }
      held.push_back(static_cast<int>(id));
    }
  }
  std::shared_lock ls_lock(ls->mu);
  std::vector<ShardView> views = ShardViews(*ls);
  std::lock_guard lock(ls->groups_mu);
  auto it = ls->groups.find(cg);
  if (it == ls->groups.end()) return GroupNotExist(cg);
  auto assigned = it->second->Heartbeat(consumer, held, views, NowMicros());
  if (!assigned.ok()) return StatusResponse(assigned.status());
  return JsonResponse(json(*assigned).dump());
}

EmuResponse Service::UpdateCheckpoint(const EmuRequest& req, Project& p, const std::string& name,
                                      const std::string& cg) {
  auto ls = p.Find(name);
  if (!ls) return LogStoreNotExist(name);
  std::string consumer = req.QueryOr("consumer");
  const std::string force = AsciiLowered(req.QueryOr("forceSuccess", "true"));
  if (force != "true" && force != "false") {
    return ErrorResponse(400, "ParameterInvalid", "forceSuccess must be true or false");
  }
  json body = json::parse(req.body, nullptr, false);
  int64_t shard = -1;
  if (body.is_discarded() || !body.is_object() || !body.contains("shard") || !JsonInt(body["shard"], &shard) ||
      !body.contains("checkpoint") || !body["checkpoint"].is_string()) {
    return ErrorResponse(400, "PostBodyInvalid", "checkpoint body must be {\"shard\":N,\"checkpoint\":\"...\"}");
  }
  std::string checkpoint = body["checkpoint"].get<std::string>();
  std::string decoded;
  if (!Base64Decode(checkpoint, &decoded)) {
    return ErrorResponse(400, "InvalidShardCheckPoint", "checkpoint must be a base64 cursor");
  }
  std::shared_lock ls_lock(ls->mu);
  if (!ls->shards.count(static_cast<int>(shard))) return ShardNotExist(static_cast<int>(shard), 404);
  std::vector<ShardView> views = ShardViews(*ls);
  std::lock_guard lock(ls->groups_mu);
  auto it = ls->groups.find(cg);
  if (it == ls->groups.end()) return GroupNotExist(cg);
  int64_t now = NowMicros();
  if (force == "false") {
    if (consumer.empty()) {
      return ErrorResponse(400, "ConsumerNotMatch", "a checkpoint without a consumer needs forceSuccess=true");
    }
    if (Status st = it->second->CheckOwner(consumer, static_cast<int>(shard), now); !st.ok()) {
      return StatusResponse(st);
    }
  }
  CheckpointRecord rec{static_cast<int>(shard), checkpoint, now, consumer};
  if (Status st = storage_->SaveCheckpoint(p.name, name, cg, rec); !st.ok()) return StatusResponse(st);
  it->second->SetCheckpoint(rec, views);
  return EmuResponse{};
}

EmuResponse Service::GetCheckpoints(const EmuRequest& req, Project& p, const std::string& name, const std::string& cg) {
  auto ls = p.Find(name);
  if (!ls) return LogStoreNotExist(name);
  int64_t want = -1;
  if (const std::string* s = req.Query("shard"); s && !s->empty() && !JsonInt(json(*s), &want)) {
    return ErrorResponse(400, "ParameterInvalid", "shard must be an integer");
  }
  std::shared_lock ls_lock(ls->mu);
  std::lock_guard lock(ls->groups_mu);
  auto it = ls->groups.find(cg);
  if (it == ls->groups.end()) return GroupNotExist(cg);
  const auto& cps = it->second->checkpoints();
  json arr = json::array();
  for (auto& [id, shard] : ls->shards) {
    if (want >= 0 && id != want) continue;
    auto cp = cps.find(id);
    if (cp == cps.end()) {
      arr.push_back({{"shard", id}, {"checkpoint", ""}, {"updateTime", 0}, {"consumer", ""}});
    } else {
      arr.push_back({{"shard", id},
                     {"checkpoint", cp->second.checkpoint},
                     {"updateTime", cp->second.update_time_us},
                     {"consumer", cp->second.consumer}});
    }
  }
  return JsonResponse(arr.dump());
}

}  // namespace slsflow::emulator
