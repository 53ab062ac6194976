#include "core/sls/client.h"

#include <algorithm>

#include "core/base/json_util.h"
#include "core/sls/crypto.h"

namespace slsflow {

namespace {

std::string LogstorePath(const std::string& logstore) {
  return "/logstores/" + PercentEncode(logstore);
}
std::string ShardPath(const std::string& logstore, int shard) {
  return LogstorePath(logstore) + "/shards/" + std::to_string(shard);
}
std::string GroupPath(const std::string& logstore, const std::string& group) {
  return LogstorePath(logstore) + "/consumergroups/" + PercentEncode(group);
}

int64_t AsInt(const nlohmann::json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) return static_cast<int64_t>(v.get<uint64_t>());
  if (v.is_number_float()) {
    // A hostile reply may send 1e37 or NaN; casting those is undefined.
    double d = v.get<double>();
    if (!(d > -9.2e18 && d < 9.2e18)) return 0;
    return static_cast<int64_t>(d);
  }
  if (v.is_string()) {
    try {
      return std::stoll(v.get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

std::string AsString(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

bool IsQuotaCode(const std::string& code) {
  return code.find("Quota") != std::string::npos || code.find("QPS") != std::string::npos || code == "ExceedQuota" ||
         code == "MetaOperationQpsLimitExceeded";
}

}  // namespace

Status StatusFromSlsError(int http_status, const std::string& body, const std::string& request_id,
                          const std::string& credential_source) {
  std::string code, message;
  auto parsed = ParseJsonBounded(body, "error reply");
  if (parsed.ok() && parsed->is_object()) {
    code = AsString(parsed->value("errorCode", nlohmann::json()));
    message = AsString(parsed->value("errorMessage", nlohmann::json()));
  }
  if (code.empty()) {
    std::string head = body.substr(0, 200);
    for (auto& c : head)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    message = "unexpected reply from the server (not SLS error JSON)" + (head.empty() ? "" : ": '" + head + "'");
  }
  // Which key was refused: with ids in the environment, profiles and flags
  // alike, the fix starts with knowing which one was used.
  std::string for_profile = credential_source.empty() ? "" : " (the key came from " + credential_source + ")";

  ErrorKind kind = ErrorKind::kInvalid;
  RetryClass retry = RetryClass::kNever;
  std::string advice;
  if (code == "SignatureNotMatch") {
    kind = ErrorKind::kAuth;
    advice = "check the access key secret" + for_profile;
  } else if (code == "Unauthorized" || code == "InvalidAccessKeyId" || code == "ProjectForbidden" ||
             http_status == 401) {
    kind = ErrorKind::kAuth;
    advice = "check the access key id" + for_profile +
             ", its permissions on this project, and that any STS token is current";
  } else if (http_status == 403 && IsQuotaCode(code)) {
    kind = ErrorKind::kQuota;
    retry = RetryClass::kBackoff;
  } else if (http_status == 403) {
    kind = ErrorKind::kAuth;
    advice = "the access key" + for_profile + " is not allowed to do this";
  } else if (code == "RequestTimeExpired" || code == "RequestTimeTooSkewed") {
    kind = ErrorKind::kInvalid;
    retry = RetryClass::kRetry;
    advice = "the local clock is off; fix it (e.g. enable NTP)";
  } else if (code == "ProjectNotExist" || code == "ProjectNotExists") {
    kind = ErrorKind::kNotFound;
    advice = "check -p/--project and the endpoint's region";
  } else if (code == "LogStoreNotExist" || code == "LogstoreNotExist") {
    kind = ErrorKind::kNotFound;
    advice = "check -l/--logstore";
  } else if (code == "ShardNotExist" || code == "ConsumerGroupNotExist") {
    kind = ErrorKind::kNotFound;
  } else if (code == "ConsumerGroupAlreadyExist" || code == "ConsumerNotMatch" || code == "ConsumerNotExist" ||
             code == "ConsumerNotExsit") {
    kind = ErrorKind::kConflict;
  } else if (http_status >= 500 || code == "InternalServerError" || code == "ServerBusy" || code == "RequestTimeout") {
    kind = ErrorKind::kServer;
    retry = RetryClass::kRetry;
  } else if (http_status == 404) {
    kind = ErrorKind::kNotFound;
  }
  if (!advice.empty()) message += message.empty() ? advice : "; " + advice;
  return Status::Error(kind, message)
      .set_http_status(http_status)
      .set_sls_code(code)
      .set_request_id(request_id)
      .set_retry(retry);
}

Result<std::vector<ShardInfo>> ParseShardList(const std::string& json) {
  auto parsed = ParseJsonBounded(json, "shard list");
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_array()) return Status::Corruption("shard list is not a JSON array");
  std::vector<ShardInfo> shards;
  for (auto& item : *parsed) {
    if (!item.is_object() || !item.contains("shardID")) return Status::Corruption("shard entry lacks shardID");
    ShardInfo s;
    s.id = static_cast<int>(AsInt(item["shardID"]));
    s.status = AsString(item.value("status", nlohmann::json("readwrite")));
    s.begin_key = AsString(item.value("inclusiveBeginKey", nlohmann::json("")));
    s.end_key = AsString(item.value("exclusiveEndKey", nlohmann::json("")));
    s.create_time = AsInt(item.value("createTime", nlohmann::json(0)));
    shards.push_back(std::move(s));
  }
  return shards;
}

Result<std::vector<CheckpointInfo>> ParseCheckpoints(const std::string& json) {
  auto parsed = ParseJsonBounded(json, "checkpoint list");
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_array()) return Status::Corruption("checkpoint list is not a JSON array");
  std::vector<CheckpointInfo> out;
  for (auto& item : *parsed) {
    if (!item.is_object()) return Status::Corruption("checkpoint entry is not an object");
    CheckpointInfo c;
    c.shard = static_cast<int>(AsInt(item.value("shard", nlohmann::json(0))));
    c.checkpoint = AsString(item.value("checkpoint", nlohmann::json("")));
    c.update_time_us = AsInt(item.value("updateTime", nlohmann::json(0)));
    c.consumer = AsString(item.value("consumer", nlohmann::json("")));
    out.push_back(std::move(c));
  }
  return out;
}

SlsClient::SlsClient(ClientOptions options, std::shared_ptr<HttpTransport> transport, Env* env)
    : options_(std::move(options)), transport_(std::move(transport)), env_(env) {}

Status SlsClient::ErrorFromResponse(const HttpResponse& response) const {
  return StatusFromSlsError(response.status, response.body, response.HeaderOr("x-log-requestid"),
                            options_.credential_source);
}

Result<HttpResponse> SlsClient::CallOnce(const std::string& method, const std::string& path, const QueryList& query,
                                         const HeaderList& extra_headers, std::string_view body,
                                         bool fresh_connection) {
  HttpRequest req;
  req.method = method;
  req.base_url = options_.endpoint.BaseUrl(options_.project);
  req.path = path;
  req.query = query;
  req.timeout_ms = options_.timeout_ms;
  req.headers.emplace_back("Host", options_.endpoint.HostHeader(options_.project));
  req.headers.emplace_back("User-Agent", options_.user_agent);
  req.headers.emplace_back("x-log-apiversion", "0.6.0");
  bool has_raw_size = FindHeader(extra_headers, "x-log-bodyrawsize") != nullptr;
  if (!has_raw_size) req.headers.emplace_back("x-log-bodyrawsize", std::to_string(body.size()));
  for (auto& h : extra_headers) req.headers.push_back(h);
  if (!body.empty()) req.headers.emplace_back("Content-MD5", HexUpper(Md5(body)));

  SignableRequest signable{method, path, query, std::move(req.headers)};
  int64_t now = env_->NowMicros() / 1000000 + clock_offset_.load();
  SignRequest(&signable, body, options_.credentials, options_.sign, now);
  req.headers = std::move(signable.headers);
  req.body = body;
  req.fresh_connection = fresh_connection;

  auto sent = transport_->Send(req);
  if (!sent.ok()) return sent.status();
  return std::move(sent).value();
}

Result<HttpResponse> SlsClient::Call(const std::string& method, const std::string& path, const QueryList& query,
                                     HeaderList headers, std::string_view body, bool fresh_connection) {
  auto reply = CallOnce(method, path, query, headers, body, fresh_connection);
  if (!reply.ok()) return reply.status();
  if (reply->status / 100 == 2) return reply;
  Status err = ErrorFromResponse(*reply);
  if (err.sls_code() == "RequestTimeExpired" || err.sls_code() == "RequestTimeTooSkewed") {
    // Learn the server's clock from its Date header and try once more.
    int64_t server_time = 0;
    if (ParseRequestTime(reply->HeaderOr("date"), &server_time)) {
      clock_offset_.store(server_time - env_->NowMicros() / 1000000);
      auto retry = CallOnce(method, path, query, headers, body, fresh_connection);
      if (!retry.ok()) return retry.status();
      if (retry->status / 100 == 2) return retry;
      return ErrorFromResponse(*retry);
    }
  }
  return err;
}

Result<std::vector<std::string>> SlsClient::ListLogStores() {
  std::vector<std::string> names;
  for (int offset = 0;; offset += 500) {
    auto r = Call("GET", "/logstores", {{"offset", std::to_string(offset)}, {"size", "500"}}, {}, "");
    if (!r.ok()) return r.status();
    auto j = ParseJsonBounded(r->body, "ListLogStores reply");
    if (!j.ok()) return j.status();
    if (!j->is_object() || !(*j)["logstores"].is_array())
      return Status::Corruption("ListLogStores reply lacks 'logstores'");
    auto& list = (*j)["logstores"];
    for (auto& n : list) names.push_back(AsString(n));
    int64_t total = AsInt(j->value("total", nlohmann::json(0)));
    if (list.empty() || static_cast<int64_t>(names.size()) >= total) break;
  }
  return names;
}

Result<LogStoreInfo> SlsClient::GetLogStore(const std::string& logstore) {
  auto r = Call("GET", LogstorePath(logstore), {}, {}, "");
  if (!r.ok()) return r.status();
  auto j = ParseJsonBounded(r->body, "GetLogStore reply");
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Status::Corruption("GetLogStore reply is not an object");
  LogStoreInfo info;
  info.name = AsString(j->value("logstoreName", nlohmann::json(logstore)));
  info.ttl = static_cast<int>(AsInt(j->value("ttl", nlohmann::json(0))));
  info.shard_count = static_cast<int>(AsInt(j->value("shardCount", nlohmann::json(0))));
  info.create_time = AsInt(j->value("createTime", nlohmann::json(0)));
  return info;
}

Status SlsClient::CreateLogStore(const std::string& logstore, int shard_count, int ttl_days) {
  nlohmann::json body = {{"logstoreName", logstore}, {"ttl", ttl_days}, {"shardCount", shard_count}};
  auto r = Call("POST", "/logstores", {}, {{"Content-Type", "application/json"}}, body.dump());
  return r.status();
}

Status SlsClient::DeleteLogStore(const std::string& logstore) {
  return Call("DELETE", LogstorePath(logstore), {}, {}, "").status();
}

Result<std::vector<ShardInfo>> SlsClient::ListShards(const std::string& logstore) {
  auto r = Call("GET", LogstorePath(logstore) + "/shards", {}, {}, "");
  if (!r.ok()) return r.status();
  return ParseShardList(r->body);
}

Result<std::string> SlsClient::GetCursor(const std::string& logstore, int shard, const std::string& from) {
  auto r = Call("GET", ShardPath(logstore, shard), {{"type", "cursor"}, {"from", from}}, {}, "");
  if (!r.ok()) return r.status();
  auto j = ParseJsonBounded(r->body, "GetCursor reply");
  if (!j.ok()) return j.status();
  if (!j->is_object() || !(*j)["cursor"].is_string()) return Status::Corruption("GetCursor reply lacks 'cursor'");
  return (*j)["cursor"].get<std::string>();
}

Result<int64_t> SlsClient::GetCursorTime(const std::string& logstore, int shard, const std::string& cursor) {
  auto r = Call("GET", ShardPath(logstore, shard), {{"type", "cursor_time"}, {"cursor", cursor}}, {}, "");
  if (!r.ok()) return r.status();
  auto j = ParseJsonBounded(r->body, "GetCursorTime reply");
  if (!j.ok()) return j.status();
  if (!j->is_object() || !j->contains("cursor_time"))
    return Status::Corruption("GetCursorTime reply lacks 'cursor_time'");
  return AsInt((*j)["cursor_time"]);
}

Result<PullResult> SlsClient::PullLogs(const PullRequest& request) {
  QueryList q = {{"type", "log"}, {"cursor", request.cursor}, {"count", std::to_string(request.count)}};
  if (!request.end_cursor.empty()) q.emplace_back("end_cursor", request.end_cursor);
  if (!request.query.empty()) {
    q.emplace_back("query", request.query);
    q.emplace_back("pullMode", "scan_on_stream");
  }
  HeaderList h = {{"Accept", "application/x-protobuf"}, {"Accept-Encoding", CompressTypeToken(request.accept)}};
  auto r = Call("GET", ShardPath(request.logstore, request.shard), q, h, "");
  if (!r.ok()) return r.status();
  PullResult out;
  const std::string* next = r->Header("x-log-cursor");
  if (next == nullptr) return Status::Corruption("PullLogs reply lacks x-log-cursor");
  out.next_cursor = *next;
  out.count = static_cast<int>(std::strtol(r->HeaderOr("x-log-count", "0").c_str(), nullptr, 10));
  out.cursor_time = std::strtoll(r->HeaderOr("x-log-cursor-time", "0").c_str(), nullptr, 10);
  out.wire_bytes = r->body.size();
  out.end_of_cursor = r->HeaderOr("x-log-end-of-cursor", "0") == "1";
  std::string raw_size_text = r->HeaderOr("x-log-bodyrawsize", "");
  size_t raw_size = raw_size_text.empty() ? r->body.size() : std::strtoull(raw_size_text.c_str(), nullptr, 10);
  auto type = ParseCompressType(r->HeaderOr("x-log-compresstype", ""));
  if (!type.ok()) return type.status();
  if (*type == CompressType::kNone) {
    out.log_group_list = std::move(r->body);
  } else {
    if (request.buffer) {
      out.log_group_list.swap(*request.buffer);
      // Replies of one logstore differ by a few bytes: a buffer that must
      // grow gets 1/16 more, or the next one, a byte larger, would not fit.
      // Its old bytes are not kept: growing must not copy them.
      if (out.log_group_list.capacity() < raw_size && raw_size <= kMaxRawBodySize) {
        out.log_group_list.clear();
        out.log_group_list.reserve(raw_size + raw_size / 16);
      }
    }
    Status st = Decompress(*type, r->body, raw_size, &out.log_group_list);
    if (!st.ok()) return st.WithContext("PullLogs reply (request " + r->HeaderOr("x-log-requestid") + ")");
  }
  return out;
}

Status SlsClient::PutLogs(const PutRequest& request) {
  std::string path = LogstorePath(request.logstore) + "/shards/";
  QueryList q;
  switch (request.route.kind) {
    case PutRoute::kLoadBalanced:
      path += "lb";
      break;
    case PutRoute::kHashKey:
      path += "route";
      q.emplace_back("key", request.route.hash_key);
      break;
    case PutRoute::kShard:
      path += std::to_string(request.route.shard);
      break;
  }
  HeaderList h = {{"Content-Type", "application/x-protobuf"}, {"x-log-bodyrawsize", std::to_string(request.raw_size)}};
  if (request.compress != CompressType::kNone)
    h.emplace_back("x-log-compresstype", CompressTypeToken(request.compress));
  return Call("POST", path, q, h, request.body, request.fresh_connection).status();
}

Result<std::vector<ShardInfo>> SlsClient::SplitShard(const std::string& logstore, int shard,
                                                     const std::string& key_hex) {
  auto r = Call("POST", ShardPath(logstore, shard), {{"action", "split"}, {"key", key_hex}}, {}, "");
  if (!r.ok()) return r.status();
  return ParseShardList(r->body);
}

Result<std::vector<ShardInfo>> SlsClient::MergeShard(const std::string& logstore, int shard) {
  auto r = Call("POST", ShardPath(logstore, shard), {{"action", "merge"}}, {}, "");
  if (!r.ok()) return r.status();
  return ParseShardList(r->body);
}

Status SlsClient::CreateConsumerGroup(const std::string& logstore, const ConsumerGroupInfo& group) {
  nlohmann::json body = {{"consumerGroup", group.name}, {"timeout", group.timeout_seconds}, {"order", group.in_order}};
  return Call("POST", LogstorePath(logstore) + "/consumergroups", {}, {{"Content-Type", "application/json"}},
              body.dump())
      .status();
}

Status SlsClient::UpdateConsumerGroup(const std::string& logstore, const ConsumerGroupInfo& group) {
  nlohmann::json body = {{"order", group.in_order}, {"timeout", group.timeout_seconds}};
  return Call("PUT", GroupPath(logstore, group.name), {}, {{"Content-Type", "application/json"}}, body.dump()).status();
}

Status SlsClient::DeleteConsumerGroup(const std::string& logstore, const std::string& group) {
  return Call("DELETE", GroupPath(logstore, group), {}, {}, "").status();
}

Result<std::vector<ConsumerGroupInfo>> SlsClient::ListConsumerGroups(const std::string& logstore) {
  auto r = Call("GET", LogstorePath(logstore) + "/consumergroups", {}, {}, "");
  if (!r.ok()) return r.status();
  auto j = ParseJsonBounded(r->body, "ListConsumerGroup reply");
  if (!j.ok()) return j.status();
  if (!j->is_array()) return Status::Corruption("ListConsumerGroup reply is not a JSON array");
  std::vector<ConsumerGroupInfo> out;
  for (auto& item : *j) {
    if (!item.is_object()) continue;
    ConsumerGroupInfo g;
    g.name = AsString(item.value("name", nlohmann::json("")));
    g.timeout_seconds = static_cast<int>(AsInt(item.value("timeout", nlohmann::json(0))));
    auto order = item.value("order", nlohmann::json(false));
    g.in_order = order.is_boolean() ? order.get<bool>() : AsString(order) == "true";
    out.push_back(std::move(g));
  }
  return out;
}

Result<std::vector<int>> SlsClient::Heartbeat(const std::string& logstore, const std::string& group,
                                              const std::string& consumer, const std::vector<int>& held) {
  nlohmann::json body = held;
  auto r = Call("POST", GroupPath(logstore, group), {{"type", "heartbeat"}, {"consumer", consumer}},
                {{"Content-Type", "application/json"}}, body.dump());
  if (!r.ok()) return r.status();
  auto j = ParseJsonBounded(r->body, "heartbeat reply");
  if (!j.ok()) return j.status();
  if (!j->is_array()) return Status::Corruption("heartbeat reply is not a JSON array");
  std::vector<int> out;
  for (auto& v : *j) out.push_back(static_cast<int>(AsInt(v)));
  return out;
}

Status SlsClient::UpdateCheckpoint(const std::string& logstore, const std::string& group, const std::string& consumer,
                                   int shard, const std::string& cursor, bool force_success) {
  nlohmann::json body = {{"shard", shard}, {"checkpoint", cursor}};
  return Call("POST", GroupPath(logstore, group),
              {{"type", "checkpoint"}, {"consumer", consumer}, {"forceSuccess", force_success ? "true" : "false"}},
              {{"Content-Type", "application/json"}}, body.dump())
      .status();
}

Result<std::vector<CheckpointInfo>> SlsClient::GetCheckpoints(const std::string& logstore, const std::string& group,
                                                              int shard) {
  QueryList q;
  if (shard >= 0) q.emplace_back("shard", std::to_string(shard));
  auto r = Call("GET", GroupPath(logstore, group), q, {}, "");
  if (!r.ok()) return r.status();
  return ParseCheckpoints(r->body);
}

}  // namespace slsflow
