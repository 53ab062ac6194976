// PutLogs (doc/protocol.md §10): /shards/lb, /shards/route?key=,
// /shards/{id} and the Go SDK's bare POST /logstores/{ls}. The LogGroup is
// checked as SLS checks it (wire format, then log_rules.h), then stored
// exactly as it arrived (decompressed).
#include <algorithm>
#include <charconv>

#include "core/base/ascii.h"
#include "core/sls/codec.h"
#include "core/sls/crypto.h"
#include "emulator/log_rules.h"
#include "emulator/loggroup_check.h"
#include "emulator/service.h"

namespace slsflow::emulator {
namespace {

// Decompresses and validates the body into the stored LogGroup bytes.
Status DecodeBody(const EmuRequest& req, const EmulatorLimits& limits, int64_t now_s, std::string* raw,
                  uint32_t* log_count) {
  if (req.body.size() > limits.max_body_bytes) {
    return SlsError(413, "PostBodyTooLarge", "body size must be less than " + std::to_string(limits.max_body_bytes));
  }
  if (const std::string* md5 = req.Header("Content-MD5"); md5 && !md5->empty()) {
    if (!EqualsIgnoringAsciiCase(*md5, HexUpper(Md5(req.body)))) {
      return SlsError(400, "InvalidContentMD5", "Content-MD5 does not match the body");
    }
  }
  const std::string* ct = req.Header("x-log-compresstype");
  auto type = ParseCompressType(ct ? *ct : "");
  if (!type.ok()) {
    return SlsError(400, "InvalidCompressType", "x-log-compresstype " + (ct ? *ct : "") + " is unsupported");
  }
  if (*type == CompressType::kNone) {
    if (req.body.size() > limits.max_group_bytes) {
      return SlsError(413, "PostBodyTooLarge",
                      "a LogGroup must be at most " + std::to_string(limits.max_group_bytes) + " bytes");
    }
    *raw = req.body;
  } else {
    const std::string* rs = req.Header("x-log-bodyrawsize");
    if (!rs || rs->empty()) {
      return SlsError(400, "MissingBodyRawSize", "x-log-bodyrawsize does not exist in header when it is necessary");
    }
    uint64_t raw_size = 0;
    auto [ptr, ec] = std::from_chars(rs->data(), rs->data() + rs->size(), raw_size);
    if (ec != std::errc() || ptr != rs->data() + rs->size()) {
      return SlsError(400, "InvalidBodyRawSize", "x-log-bodyrawsize " + *rs + " is invalid");
    }
    if (raw_size > limits.max_group_bytes) {
      return SlsError(
          413, "PostBodyTooLarge",
          "x-log-bodyrawsize " + *rs + " exceeds the LogGroup limit of " + std::to_string(limits.max_group_bytes));
    }
    if (Status st = Decompress(*type, req.body, static_cast<size_t>(raw_size), raw, limits.max_group_bytes); !st.ok()) {
      return SlsError(400, "PostBodyUncompressError", "cannot decompress the body: " + st.message());
    }
  }
  if (!CheckLogGroup(*raw, log_count)) {
    return SlsError(400, "PostBodyInvalid", "the body is not a valid LogGroup protobuf");
  }
  return CheckLogRules(*raw, limits, now_s);
}

}  // namespace

EmuResponse Service::PutLogs(const EmuRequest& req, Project& p, const std::string& name, const std::string& target) {
  auto ls = p.Find(name);
  if (!ls) return LogStoreNotExist(name);
  auto stored = std::make_shared<StoredGroup>();
  if (Status st = DecodeBody(req, options_.limits, NowMicros() / 1000000, &stored->raw, &stored->log_count); !st.ok()) {
    return StatusResponse(st);
  }

  std::shared_lock lock(ls->mu);
  Shard* shard = nullptr;
  const std::string* key = req.Query("key");
  const std::string* legacy_key = req.Header("x-log-hashkey");
  if (target == "route" || (target == "lb" && legacy_key && !legacy_key->empty())) {
    const std::string& k = target == "route" ? (key ? *key : std::string()) : *legacy_key;
    u128 hash = 0;
    if (!ParseHashKey(k, &hash)) return ErrorResponse(400, "ParameterInvalid", "key must be 32 hex digits");
    for (auto& [id, s] : ls->shards) {
      if (!s->meta.readonly && s->meta.range.Contains(hash)) shard = s.get();
    }
  } else if (target == "lb" || target.empty()) {
    std::vector<Shard*> writable;
    for (auto& [id, s] : ls->shards) {
      if (!s->meta.readonly) writable.push_back(s.get());
    }
    if (!writable.empty()) shard = writable[ls->lb_counter.fetch_add(1) % writable.size()];
  } else {
    int id = -1;
    std::from_chars(target.data(), target.data() + target.size(), id);
    auto it = ls->shards.find(id);
    if (it == ls->shards.end()) return ShardNotExist(id);
    if (it->second->meta.readonly) {
      return ErrorResponse(400, "ShardReadOnly", "shard " + target + " is readonly; write to a readwrite shard");
    }
    shard = it->second.get();
  }
  if (!shard)
    return ErrorResponse(400, "LogStoreWithoutShard", "logstore " + name + " has no readwrite shard for this key");

  std::string quota_key = p.name + "/" + name + "/" + std::to_string(shard->meta.id);
  if (faults_) {
    if (Status st = faults_->AdmitWrite(quota_key, NowMicros()); !st.ok()) return StatusResponse(st);
  }
  size_t raw_bytes = stored->raw.size();
  std::lock_guard append_lock(shard->append_mutex());
  uint64_t offset = shard->Size();
  int64_t now = NowMicros();
  int64_t last = 0;
  // Receive times never go backwards within a shard (cursor-by-time is a
  // binary search), even when the clock is stepped.
  if (offset > 0 && shard->ReceiveTimeAt(offset - 1, &last)) now = std::max(now, last);
  stored->receive_time_us = now;
  if (Status st = storage_->AppendGroup(p.name, name, shard->meta.id, offset, *stored); !st.ok()) {
    return ErrorResponse(500, "InternalServerError", "storing the LogGroup failed: " + st.message());
  }
  shard->Append(std::move(stored));
  if (faults_) faults_->ChargeWrite(quota_key, raw_bytes, NowMicros());
  return EmuResponse{};
}

}  // namespace slsflow::emulator
