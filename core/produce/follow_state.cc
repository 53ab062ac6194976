#include "core/produce/follow_state.h"

#include <zlib.h>

#include <cstdlib>
#include <sstream>

#include "core/sls/crypto.h"

namespace slsflow {

namespace {

constexpr const char* kMagic = "slsflow-produce-state 1";

std::string Crc32Hex(const std::string& text) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size()));
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08lx", static_cast<unsigned long>(crc));
  return buf;
}

bool ParseU64(const std::string& s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string EncodeFollowState(const FollowState& state) {
  std::string body = std::string(kMagic) + "\n";
  body += "path " + state.path + "\n";
  body += "inode " + std::to_string(state.inode) + "\n";
  body += "offset " + std::to_string(state.offset) + "\n";
  char tail[64];
  std::snprintf(tail, sizeof tail, "tail %u %08x\n", state.tail_len, state.tail_crc);
  body += tail;
  for (const ByteRange& r : state.settled)
    body += "settled " + std::to_string(r.begin) + " " + std::to_string(r.end) + "\n";
  return body + "crc32 " + Crc32Hex(body) + "\n";
}

Result<FollowState> DecodeFollowState(const std::string& text) {
  auto bad = [](const std::string& why) {
    return Status::Config("produce state file is damaged (" + why +
                          "); remove it to read the file again from its start, or pass another --state");
  };
  size_t crc_at = text.rfind("crc32 ");
  if (text.rfind(kMagic, 0) != 0) return bad("bad magic or version");
  if (crc_at == std::string::npos) return bad("no checksum");
  std::string body = text.substr(0, crc_at);
  std::string crc = text.substr(crc_at + 6);
  while (!crc.empty() && (crc.back() == '\n' || crc.back() == '\r')) crc.pop_back();
  if (crc != Crc32Hex(body)) return bad("checksum mismatch");
  FollowState state;
  bool have_path = false, have_inode = false, have_offset = false;
  std::istringstream in(body);
  std::string line;
  std::getline(in, line);  // magic
  while (std::getline(in, line)) {
    size_t sp = line.find(' ');
    if (sp == std::string::npos) return bad("malformed line");
    std::string key = line.substr(0, sp), value = line.substr(sp + 1);
    if (key == "path") {
      state.path = value;
      have_path = true;
    } else if (key == "inode") {
      if (!ParseU64(value, &state.inode)) return bad("bad inode");
      have_inode = true;
    } else if (key == "tail") {
      unsigned len = 0, crc = 0;
      if (std::sscanf(value.c_str(), "%u %x", &len, &crc) != 2 || len > 4096) return bad("bad tail");
      state.tail_len = len;
      state.tail_crc = crc;
    } else if (key == "offset") {
      if (!ParseU64(value, &state.offset)) return bad("bad offset");
      have_offset = true;
    } else if (key == "settled") {
      size_t mid = value.find(' ');
      ByteRange r;
      if (mid == std::string::npos || !ParseU64(value.substr(0, mid), &r.begin) ||
          !ParseU64(value.substr(mid + 1), &r.end) || r.begin >= r.end ||
          (!state.settled.empty() && r.begin <= state.settled.back().end) || state.settled.size() >= 4096)
        return bad("bad settled range");
      state.settled.push_back(r);
    }
  }
  if (!have_path || !have_inode || !have_offset) return bad("missing field");
  // Ranges name lines after the offset; one before it is not ours.
  if (!state.settled.empty() && state.settled.front().begin < state.offset) return bad("bad settled range");
  return state;
}

Status SaveFollowState(Env* env, const std::string& file, const FollowState& state) {
  if (state.path.find('\n') != std::string::npos) return Status::Usage("a followed path must not contain a newline");
  std::string tmp = file + ".tmp";
  auto f = env->NewWritableFile(tmp, 0600);
  if (!f.ok()) return f.status().WithContext("writing produce state " + tmp);
  SLSFLOW_RETURN_IF_ERROR((*f)->Append(EncodeFollowState(state)));
  SLSFLOW_RETURN_IF_ERROR((*f)->Sync());
  SLSFLOW_RETURN_IF_ERROR((*f)->Close());
  SLSFLOW_RETURN_IF_ERROR(env->RenameFile(tmp, file));
  return env->SyncDir(DirName(file));
}

Result<std::optional<FollowState>> LoadFollowState(Env* env, const std::string& file) {
  if (!env->FileExists(file)) return std::optional<FollowState>();
  std::string text;
  Status st = env->ReadFile(file, &text, 1 << 20);
  if (!st.ok())
    return Status::Config("cannot read produce state " + file + " (" + st.message() +
                          "); --state must name a file this user can read and write");
  auto state = DecodeFollowState(text);
  if (!state.ok()) return state.status().WithContext(file);
  return std::optional<FollowState>(std::move(state.value()));
}

void FollowCommitter::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void FollowCommitter::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    pending_ = true;
  }
  cv_.notify_one();
}

void FollowCommitter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return pending_ || stopping_; });
    if (stopping_) return;
    pending_ = false;
    lock.unlock();
    SaveSettled();
    lock.lock();
  }
}

void FollowCommitter::SaveSettled() {
  if (failed_) return;
  InputPosition pos;
  std::vector<ByteRange> settled;
  if (!tracker_->Advance(&pos, &settled)) return;
  Status st = SaveFollowState(env_, state_file_,
                              {path_, pos.inode, pos.offset, pos.tail_len, pos.tail_crc, std::move(settled)});
  if (st.ok()) {
    ++saves_;
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  error_ = st.WithContext("saving the produce state " + state_file_);
  failed_ = true;
}

void FollowCommitter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  SaveSettled();
}

Status FollowCommitter::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

std::string DefaultFollowStatePath(const std::string& abs_path, const std::string& project,
                                   const std::string& logstore) {
  std::string base;
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) {
    base = x;
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    base = std::string(h) + "/.local/state";
  } else {
    base = ".";
  }
  std::string id = HexLower(Md5(abs_path + "\n" + project + "\n" + logstore)).substr(0, 16);
  return base + "/slsflow/produce-" + id + ".state";
}

}  // namespace slsflow
