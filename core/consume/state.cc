#include "core/consume/state.h"

#include <zlib.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/sls/crypto.h"

namespace slsflow {

namespace {

constexpr char kMagic[] = "slsflow-consume-state";
// Far above any real state (a few hundred bytes per shard); a bigger file is
// not ours.
constexpr uint64_t kMaxStateBytes = 64u << 20;

uint32_t Crc32(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; chunk so a large body cannot overflow.
  while (!data.empty()) {
    uInt n = static_cast<uInt>(std::min<size_t>(data.size(), 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), n);
    data.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

std::string Hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

bool IsValidJsonString(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// Paths are bytes; JSON strings must be UTF-8. A path that is not valid
// UTF-8 is stored hex-encoded under a different key.
void PutPath(nlohmann::json* obj, const char* key, const std::string& path) {
  if (IsValidJsonString(path)) {
    (*obj)[key] = path;
  } else {
    (*obj)[std::string(key) + "_hex"] = HexLower(path);
  }
}

bool GetPath(const nlohmann::json& obj, const char* key, std::string* path) {
  if (auto it = obj.find(key); it != obj.end() && it->is_string()) {
    *path = it->get<std::string>();
    return true;
  }
  auto it = obj.find(std::string(key) + "_hex");
  if (it == obj.end() || !it->is_string()) return false;
  const std::string hex = it->get<std::string>();
  if (hex.size() % 2) return false;
  path->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned v = 0;
    if (std::sscanf(hex.c_str() + i, "%2x", &v) != 1) return false;
    path->push_back(static_cast<char>(v));
  }
  return true;
}

Status CorruptState(const std::string& path, const std::string& why) {
  // The advice depends on what the state owns; the caller adds it
  // (StateAdvice in core/consume/session.cc).
  return Status::Config("state file " + path + " is corrupt (" + why + ")");
}

}  // namespace

std::string EncodeConsumeState(const ConsumeState& state) {
  nlohmann::json body;
  body["project"] = state.project;
  body["endpoint"] = state.endpoint;
  body["logstores"] = state.logstores;
  body["name"] = state.name;
  body["request"] = state.request;
  body["to_unix"] = state.to_unix;
  PutPath(&body, "output", state.output);
  body["group"] = state.group;
  body["consumer"] = state.consumer;
  body["sequence"] = state.sequence;
  body["updated_unix_micros"] = state.updated_unix_micros;
  nlohmann::json shards = nlohmann::json::array();
  for (const auto& [key, pos] : state.shards) {
    shards.push_back({{"logstore", key.first},
                      {"shard", key.second},
                      {"cursor", pos.cursor},
                      {"skip_groups", pos.skip_groups},
                      {"skip_logs", pos.skip_logs},
                      {"finished", pos.finished},
                      {"logs", pos.logs},
                      {"at_to", pos.at_to},
                      {"checkpoint", pos.checkpoint}});
  }
  body["shards"] = std::move(shards);
  nlohmann::json files = nlohmann::json::array();
  for (const auto& [path, f] : state.files) {
    nlohmann::json o = {{"committed", f.committed}, {"device", f.device}, {"inode", f.inode},
                        {"segment", f.segment},     {"origin", f.origin}, {"sealed", f.sealed}};
    PutPath(&o, "path", path);
    PutPath(&o, "stream", f.stream);
    files.push_back(std::move(o));
  }
  body["files"] = std::move(files);

  std::string json = body.dump();
  std::string out;
  out.reserve(json.size() + 96);
  out += kMagic;
  out += "\nversion " + std::to_string(kConsumeStateVersion) + "\nlength " + std::to_string(json.size()) + "\n";
  out += json;
  out += "\n";
  out += "crc32 " + Hex8(Crc32(out)) + "\n";
  return out;
}

Result<ConsumeState> DecodeConsumeState(const std::string& bytes, const std::string& path) {
  // Header lines: magic, version, length.
  size_t pos = 0;
  auto next_line = [&](std::string* line) {
    size_t nl = bytes.find('\n', pos);
    if (nl == std::string::npos || nl - pos > 64) return false;
    *line = bytes.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  };
  std::string line;
  if (!next_line(&line) || line != kMagic) return CorruptState(path, "bad magic");
  if (!next_line(&line) || line.rfind("version ", 0) != 0) return CorruptState(path, "no version line");
  long long version = 0;
  if (std::sscanf(line.c_str() + 8, "%lld", &version) != 1 || version < 1)
    return CorruptState(path, "bad version line");
  if (version > kConsumeStateVersion) {
    return Status::Config("state file " + path + " has format version " + std::to_string(version) +
                          ", newer than this slsflow understands (" + std::to_string(kConsumeStateVersion) +
                          "); upgrade slsflow, or pass --state to use another file");
  }
  if (!next_line(&line) || line.rfind("length ", 0) != 0) return CorruptState(path, "no length line");
  unsigned long long length = 0;
  if (std::sscanf(line.c_str() + 7, "%llu", &length) != 1) return CorruptState(path, "bad length line");
  if (length > bytes.size() || pos + length + 1 > bytes.size()) return CorruptState(path, "truncated body");
  const size_t body_begin = pos;
  pos += length;
  if (bytes[pos] != '\n') return CorruptState(path, "body not terminated");
  ++pos;
  const size_t crc_covered = pos;
  if (!next_line(&line) || line.size() != 14 || line.rfind("crc32 ", 0) != 0)
    return CorruptState(path, "no checksum line");
  if (pos != bytes.size()) return CorruptState(path, "trailing bytes after the checksum");
  if (line.substr(6) != Hex8(Crc32(std::string_view(bytes).substr(0, crc_covered))))
    return CorruptState(path, "checksum mismatch");

  nlohmann::json body = nlohmann::json::parse(bytes.begin() + static_cast<std::ptrdiff_t>(body_begin),
                                              bytes.begin() + static_cast<std::ptrdiff_t>(body_begin + length), nullptr,
                                              /*allow_exceptions=*/false);
  if (!body.is_object()) return CorruptState(path, "body is not a JSON object");
  ConsumeState st;
  try {
    st.project = body.at("project").get<std::string>();
    st.endpoint = body.at("endpoint").get<std::string>();
    st.logstores = body.at("logstores").get<std::vector<std::string>>();
    st.name = body.value("name", std::string());
    // Version 1 had no request, output or group: a rerun records them.
    if (auto it = body.find("request"); it != body.end()) st.request = it->get<std::map<std::string, std::string>>();
    st.to_unix = body.value("to_unix", int64_t{0});
    if (body.contains("output") || body.contains("output_hex")) {
      if (!GetPath(body, "output", &st.output)) return CorruptState(path, "bad output");
    }
    st.group = body.value("group", std::string());
    st.consumer = body.value("consumer", std::string());
    st.sequence = body.at("sequence").get<uint64_t>();
    st.updated_unix_micros = body.value("updated_unix_micros", int64_t{0});
    for (const auto& s : body.at("shards")) {
      ShardPosition p;
      p.cursor = s.at("cursor").get<std::string>();
      p.skip_groups = s.value("skip_groups", int64_t{0});
      p.skip_logs = s.value("skip_logs", int64_t{0});
      p.finished = s.value("finished", false);
      p.logs = s.value("logs", int64_t{0});
      p.at_to = s.value("at_to", false);
      p.checkpoint = s.value("checkpoint", std::string());
      if (p.skip_groups < 0 || p.skip_logs < 0) return CorruptState(path, "negative skip count");
      st.shards[{s.at("logstore").get<std::string>(), s.at("shard").get<int>()}] = p;
    }
    for (const auto& f : body.at("files")) {
      std::string fpath;
      if (!GetPath(f, "path", &fpath)) return CorruptState(path, "file entry without a path");
      OutputFileState fs;
      fs.committed = f.at("committed").get<uint64_t>();
      fs.device = f.value("device", uint64_t{0});
      fs.inode = f.value("inode", uint64_t{0});
      fs.segment = f.value("segment", int64_t{0});
      fs.origin = f.value("origin", uint64_t{0});
      fs.sealed = f.value("sealed", false);
      if (fs.origin > fs.committed) return CorruptState(path, "a file's origin is past its committed length");
      if (!GetPath(f, "stream", &fs.stream)) fs.stream = fpath;
      st.files[fpath] = fs;
    }
  } catch (const nlohmann::json::exception& e) {
    return CorruptState(path, std::string("missing or mistyped field: ") + e.what());
  }
  return st;
}

Status CheckStateIdentity(const ConsumeState& state, const std::string& path, const std::string& project,
                          const std::string& endpoint, const std::vector<std::string>& logstores) {
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
    return s;
  };
  if (state.project != project || state.endpoint != endpoint || state.logstores != logstores) {
    return Status::Config("state file " + path + " belongs to project '" + state.project + "', logstore(s) '" +
                          join(state.logstores) + "' at " + state.endpoint + ", not project '" + project +
                          "', logstore(s) '" + join(logstores) + "' at " + endpoint);
  }
  return Status::OK();
}

std::string DefaultStatePath(const std::string& xdg_state_home, const std::string& home, const std::string& project,
                             const std::vector<std::string>& logstores, const std::string& endpoint,
                             const std::string& name) {
  std::string dir = !xdg_state_home.empty() ? xdg_state_home : (home.empty() ? "." : home) + "/.local/state";
  dir += "/slsflow";
  auto clean = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '.';
      out.push_back(ok ? c : '_');
    }
    return out.substr(0, 48);
  };
  std::string identity = project + "\n" + endpoint + "\n" + name;
  std::string stem = clean(project);
  for (const auto& ls : logstores) {
    identity += "\n" + ls;
    stem += "-" + clean(ls);
  }
  if (!name.empty()) stem += "-" + clean(name);
  return dir + "/" + stem.substr(0, 160) + "-" + HexLower(Sha256(identity)).substr(0, 12) + ".state";
}

Result<std::unique_ptr<StateStore>> StateStore::Open(Env* env, const std::string& path) {
  SLSFLOW_RETURN_IF_ERROR(env->CreateDirs(DirName(path), 0700));
  auto lock = env->LockFile(path + ".lock");
  if (!lock.ok()) {
    if (lock.status().kind() == ErrorKind::kConflict) {
      return Status::Error(ErrorKind::kConflict, "state file " + path +
                                                     " is in use by another slsflow consume (locked); stop "
                                                     "that one, or pass --name/--state to run a second consumer");
    }
    return lock.status();
  }
  return std::unique_ptr<StateStore>(new StateStore(env, path, std::move(*lock)));
}

Result<std::optional<ConsumeState>> StateStore::Load() {
  if (!env_->FileExists(path_)) return std::optional<ConsumeState>();
  std::string bytes;
  Status s = env_->ReadFile(path_, &bytes, kMaxStateBytes);
  if (!s.ok()) {
    if (s.kind() == ErrorKind::kCorruption) return CorruptState(path_, "too large");
    return s.WithContext("reading state file");
  }
  auto st = DecodeConsumeState(bytes, path_);
  if (!st.ok()) return st.status();
  return std::optional<ConsumeState>(std::move(*st));
}

Status StateStore::Commit(ConsumeState* state) {
  state->sequence++;
  state->updated_unix_micros = env_->NowMicros();
  const std::string bytes = EncodeConsumeState(*state);
  const std::string tmp = path_ + ".tmp";
  auto file = env_->NewWritableFile(tmp, 0600);
  if (!file.ok()) {
    state->sequence--;
    return file.status().WithContext("writing state");
  }
  Status s = (*file)->Append(bytes);
  if (s.ok()) s = (*file)->Sync();
  Status c = (*file)->Close();
  if (s.ok()) s = c;
  if (s.ok()) s = env_->RenameFile(tmp, path_);
  if (s.ok()) s = env_->SyncDir(DirName(path_));
  if (!s.ok()) {
    // The old state is intact (rename is atomic); a stale tmp is harmless
    // but untidy.
    (void)env_->RemoveFile(tmp);
    state->sequence--;
    return s.WithContext("committing state " + path_);
  }
  return Status::OK();
}

Status StateStore::Remove() {
  if (!env_->FileExists(path_)) return Status::OK();
  SLSFLOW_RETURN_IF_ERROR(env_->RemoveFile(path_));
  return env_->SyncDir(DirName(path_));
}

}  // namespace slsflow
