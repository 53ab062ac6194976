// GetCursor, GetCursorTime and PullLogs (doc/protocol.md §8 and §9).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/sls/codec.h"
#include "emulator/cursor.h"
#include "emulator/service.h"
#include "emulator/spl_pull.h"

namespace slsflow::emulator {
namespace {

bool ParseInt64(const std::string& s, int64_t* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

EmuResponse InvalidCursor(const std::string& what) {
  return ErrorResponse(400, "InvalidCursor", what);
}

// One codec from Accept-Encoding ("lz4", "zstd", "deflate", "gzip", or a
// list); anything else, or nothing, means an uncompressed reply.
CompressType PullCodec(const EmuRequest& req) {
  const std::string* v = req.Header("Accept-Encoding");
  if (!v) return CompressType::kNone;
  size_t pos = 0;
  while (pos <= v->size()) {
    size_t comma = v->find(',', pos);
    if (comma == std::string::npos) comma = v->size();
    std::string token = v->substr(pos, comma - pos);
    if (size_t semi = token.find(';'); semi != std::string::npos) token.resize(semi);
    std::string t;
    for (char c : token) {
      if (!std::isspace(static_cast<unsigned char>(c)))
        t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (t == "lz4") return CompressType::kLz4;
    if (t == "zstd") return CompressType::kZstd;
    if (t == "deflate" || t == "gzip") return CompressType::kDeflate;
    pos = comma + 1;
  }
  return CompressType::kNone;
}

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

struct ShardRef {
  std::shared_ptr<LogStore> ls;  // keeps the shard alive
  Shard* shard = nullptr;
};

}  // namespace

static EmuResponse FindShard(Project& p, const std::string& name, int id, ShardRef* out) {
  out->ls = p.Find(name);
  if (!out->ls) return LogStoreNotExist(name);
  std::shared_lock lock(out->ls->mu);
  auto it = out->ls->shards.find(id);
  if (it == out->ls->shards.end()) return ShardNotExist(id);
  // Shards are never removed from a live logstore and std::map nodes are
  // stable, so the pointer outlives the lock.
  out->shard = it->second.get();
  return EmuResponse{};
}

EmuResponse Service::GetCursor(const EmuRequest& req, Project& p, const std::string& ls, int id) {
  ShardRef ref;
  if (auto r = FindShard(p, ls, id, &ref); !ref.shard) return r;
  std::string from = req.QueryOr("from");
  uint64_t offset = 0;
  int64_t t = 0;
  const uint64_t first = RetainedBegin(*ref.ls, *ref.shard);
  if (from == "begin") {
    offset = first;
  } else if (from == "end") {
    offset = ref.shard->Size();
  } else if (ParseInt64(from, &t) && t >= 0) {
    offset = std::max(first, ref.shard->LowerBoundTime(t * 1000000));
  } else {
    return ErrorResponse(400, "ParameterInvalid", "Parameter From is not valid: use begin, end or unix seconds");
  }
  nlohmann::json j = {{"cursor", EncodeCursor(offset)}};
  return JsonResponse(j.dump());
}

EmuResponse Service::GetCursorTime(const EmuRequest& req, Project& p, const std::string& ls, int id) {
  ShardRef ref;
  if (auto r = FindShard(p, ls, id, &ref); !ref.shard) return r;
  uint64_t offset = 0;
  if (!DecodeCursor(req.QueryOr("cursor"), &offset)) return InvalidCursor("cursor is not valid");
  if (offset > ref.shard->Size()) return InvalidCursor("cursor is beyond the end of the shard");
  offset = std::max(offset, RetainedBegin(*ref.ls, *ref.shard));
  int64_t us = 0;
  int64_t seconds = 0;
  if (ref.shard->ReceiveTimeAt(offset, &us)) {
    seconds = us / 1000000;
  } else {
    std::shared_lock lock(ref.ls->mu);
    seconds = ref.shard->meta.create_time_s;
  }
  nlohmann::json j = {{"cursor_time", seconds}};
  return JsonResponse(j.dump());
}

EmuResponse Service::PullLogs(const EmuRequest& req, Project& p, const std::string& ls, int id) {
  ShardRef ref;
  if (auto r = FindShard(p, ls, id, &ref); !ref.shard) return r;
  std::string quota_key = p.name + "/" + ls + "/" + std::to_string(id);
  if (faults_) {
    if (Status st = faults_->AdmitRead(quota_key, NowMicros()); !st.ok()) return StatusResponse(st);
  }
  const std::string* cursor = req.Query("cursor");
  if (!cursor || cursor->empty()) return ErrorResponse(400, "ParameterInvalid", "cursor is required");
  uint64_t begin = 0;
  if (!DecodeCursor(*cursor, &begin)) return InvalidCursor("cursor " + *cursor + " is not valid");
  int64_t count = 1000;
  if (const std::string* c = req.Query("count"); c && (!ParseInt64(*c, &count) || count < 1 || count > 1000)) {
    return ErrorResponse(400, "ParameterInvalid", "count must be between 1 and 1000");
  }
  // SPL (query=, with or without pullMode=scan_on_stream): a query we
  // cannot run is refused, never answered unfiltered.
  std::optional<spl::Program> program;
  if (const std::string* q = req.Query("query"); q && !q->empty()) {
    auto parsed = spl::ParseSpl(*q);
    if (!parsed.ok()) return ErrorResponse(400, "ParameterInvalid", "invalid query: " + parsed.status().message());
    program = std::move(*parsed);
  }
  if (const std::string* proc = req.Query("processor"); proc && !proc->empty()) {
    return ErrorResponse(400, "ParameterInvalid",
                         "processor " + *proc + " is not supported by slsflow emulator; send the SPL itself as query=");
  }
  uint64_t size = ref.shard->Size();
  uint64_t end = size;
  if (const std::string* e = req.Query("end_cursor"); e && !e->empty()) {
    uint64_t e_off = 0;
    if (!DecodeCursor(*e, &e_off)) return InvalidCursor("end_cursor " + *e + " is not valid");
    end = std::min(end, e_off);
  }
  if (begin > size) return InvalidCursor("cursor " + *cursor + " is beyond the end of the shard");
  // A cursor into expired data reads from the oldest retained group.
  begin = std::max(begin, RetainedBegin(*ref.ls, *ref.shard));
  uint64_t stop = std::min<uint64_t>(end, begin + static_cast<uint64_t>(count));
  std::vector<GroupPtr> groups = ref.shard->Range(begin, std::max(begin, stop));
  // Bound the reply: never split a group, always return at least one.
  size_t raw_size = 0;
  size_t keep = 0;
  for (; keep < groups.size(); ++keep) {
    size_t add = groups[keep]->raw.size() + 11;
    if (keep > 0 && raw_size + add > options_.limits.max_pull_bytes) break;
    raw_size += add;
  }
  groups.resize(keep);
  uint64_t next = begin + groups.size();

  EmuResponse r;
  r.content_type = "application/x-protobuf";
  spl::PullStats spl_stats;
  std::string spl_raw;
  if (program) {
    std::vector<std::string_view> stored;
    stored.reserve(groups.size());
    for (auto& g : groups) stored.emplace_back(g->raw);
    if (Status st = spl::RunOnGroups(*program, stored, &spl_raw, &spl_stats); !st.ok()) return StatusResponse(st);
  }
  const size_t reply_groups = program ? spl_stats.result_groups : groups.size();
  CompressType codec = reply_groups == 0 ? CompressType::kNone : PullCodec(req);
  PullCache::Key key{ref.shard->serial, begin, next, static_cast<int>(codec)};
  std::shared_ptr<const CachedReply> cached;
  // The cache holds whole groups as stored; a reply after SPL is built anew.
  if (codec != CompressType::kNone && !program) cached = pull_cache_.Get(key);
  if (program) {
    raw_size = spl_raw.size();
    if (codec == CompressType::kNone) {
      r.body = std::move(spl_raw);
    } else if (Status st = Compress(codec, spl_raw, &r.body); !st.ok()) {
      return StatusResponse(st);
    }
  } else if (cached) {
    r.body = cached->body;
    raw_size = cached->raw_size;
  } else {
    std::string raw;
    raw.reserve(raw_size);
    for (auto& g : groups) {
      raw.push_back(0x0a);  // LogGroupList.LogGroups, length-delimited
      AppendVarint(&raw, g->raw.size());
      raw.append(g->raw);
    }
    raw_size = raw.size();
    if (codec == CompressType::kNone) {
      r.body = std::move(raw);
    } else {
      auto entry = std::make_shared<CachedReply>();
      if (Status st = Compress(codec, raw, &entry->body); !st.ok()) return StatusResponse(st);
      entry->raw_size = raw_size;
      r.body = entry->body;
      pull_cache_.Put(key, std::move(entry));
    }
  }
  // The read quota counts what was read, before SPL.
  if (faults_) faults_->ChargeRead(quota_key, program ? spl_stats.raw_bytes : raw_size, NowMicros());
  int64_t cursor_time = 0;
  int64_t us = 0;
  if (next > 0 && ref.shard->ReceiveTimeAt(next - 1, &us)) cursor_time = us / 1000000;
  r.headers = {{"x-log-cursor", EncodeCursor(next)},
               {"x-log-count", std::to_string(reply_groups)},
               {"x-log-bodyrawsize", std::to_string(raw_size)},
               {"x-log-cursor-time", std::to_string(cursor_time)},
               {"x-log-end-of-cursor", next >= ref.shard->Size() ? "1" : "0"}};
  if (codec != CompressType::kNone) r.headers.emplace_back("x-log-compresstype", CompressTypeToken(codec));
  if (program) {
    for (auto [name, n] :
         {std::pair{"x-log-rawdatacount", spl_stats.raw_groups}, std::pair{"x-log-rawdatasize", spl_stats.raw_bytes},
          std::pair{"x-log-rawdatalines", spl_stats.raw_lines}, std::pair{"x-log-resultlines", spl_stats.result_lines},
          std::pair{"x-log-failedlines", spl_stats.failed_lines}}) {
      r.headers.emplace_back(name, std::to_string(n));
    }
  }
  return r;
}

}  // namespace slsflow::emulator
