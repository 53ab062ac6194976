#include "core/consume/session.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace slsflow {

namespace {

// The advice that follows "state file X is corrupt": what to run so that
// the output ends up with every record once.
std::string CorruptAdvice(const Destination& d) {
  switch (d.kind) {
    case OutputKind::kFiles:
      return "; rerun with --reset to empty the files of " + d.shown +
             " and read again from --from, or restore the state file";
    case OutputKind::kStdoutFile:
      return "; rerun with --reset and > instead of >> (the shell empties " + d.shown +
             " first), or restore the state file";
    case OutputKind::kStream:
      break;
  }
  return "; rerun with --reset to start again from --from, or move it away";
}

std::string OtherOutputAdvice(const Destination& d) {
  return d.kind == OutputKind::kStream ? "pass another --name or --state" : "write to another output";
}

// The pid (and, for an output whose state is elsewhere, the state path)
// written into a lock file, so that the next run can name them.
struct LockNote {
  std::string pid;
  std::string state;
};

LockNote ReadLockNote(Env* env, const std::string& path) {
  LockNote note;
  std::string text;
  if (!env->ReadFile(path, &text, 4096).ok()) return note;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (line.rfind("pid ", 0) == 0) note.pid = line.substr(4);
    if (line.rfind("state ", 0) == 0) note.state = line.substr(6);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return note;
}

void WriteLockNote(Env* env, const std::string& path, const std::string& state) {
  auto f = env->NewWritableFile(path, 0600);
  if (!f.ok()) return;  // the note only helps messages
  std::string text = "pid " + std::to_string(::getpid()) + "\n";
  if (!state.empty()) text += "state " + state + "\n";
  (void)(*f)->Append(text);
  (void)(*f)->Close();
}

Status InUse(Env* env, const Destination& d, const std::string& lock_path) {
  const LockNote note = ReadLockNote(env, lock_path);
  const std::string who = note.pid.empty() ? "another slsflow consume" : "slsflow consume (pid " + note.pid + ")";
  const std::string what = d.kind == OutputKind::kStream ? d.shown : d.shown + " (lock " + lock_path + ")";
  return Status::Error(ErrorKind::kConflict,
                       what + " is in use by " + who + "; wait for it or stop it, or " + OtherOutputAdvice(d));
}

// The output's own lock, when --state keeps the state elsewhere: two runs
// with two --state files never write one output.
Status LockOutput(Env* env, const SessionOptions& o, Session* session) {
  const Destination& d = o.destination;
  if (d.output_lock_path.empty() || d.output_lock_path == d.state_path + ".lock") return Status::OK();
  SLSFLOW_RETURN_IF_ERROR(env->CreateDirs(d.output_state_dir, 0700));
  auto lock = env->LockFile(d.output_lock_path);
  if (!lock.ok()) {
    if (lock.status().kind() == ErrorKind::kConflict) return InUse(env, d, d.output_lock_path);
    return lock.status();
  }
  WriteLockNote(env, d.output_lock_path, d.state_path);
  session->output_locks.push_back(std::move(*lock));
  return Status::OK();
}

// Without --state: an earlier run may have kept this output's state
// elsewhere with --state; starting afresh would write everything twice.
Status CheckStateElsewhere(Env* env, const Destination& d) {
  if (d.output_lock_path.empty() || d.output_lock_path != d.state_path + ".lock") return Status::OK();
  if (env->FileExists(d.state_path)) return Status::OK();
  const LockNote note = ReadLockNote(env, d.output_lock_path);
  if (note.state.empty() || note.state == d.state_path || !env->FileExists(note.state)) return Status::OK();
  return Status::Usage(d.shown + " was written with --state " + note.state + "; pass --state " + note.state +
                       " to resume it (add --reset to start over), or " + OtherOutputAdvice(d));
}

// --reset: empty what the state wrote (each file back to the bytes it had
// before us), never a byte it did not write.
Status TruncateOwned(Env* env, const ConsumeState& state) {
  for (const auto& [path, fs] : state.files) {
    if (path == "-") continue;  // stdout: done by the caller on the open descriptor
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) continue;
    if (fs.inode != 0 &&
        (static_cast<uint64_t>(st.st_ino) != fs.inode || static_cast<uint64_t>(st.st_dev) != fs.device))
      continue;  // another file has the name now: not ours
    const uint64_t keep = std::min<uint64_t>(fs.origin, static_cast<uint64_t>(st.st_size));
    SLSFLOW_RETURN_IF_ERROR(env->TruncateFile(path, keep).WithContext("--reset"));
  }
  return Status::OK();
}

Status TruncateStdoutTo(uint64_t size) {
  if (::ftruncate(STDOUT_FILENO, static_cast<off_t>(size)) != 0) return PosixError("--reset: truncating stdout", errno);
  if (::lseek(STDOUT_FILENO, static_cast<off_t>(size), SEEK_SET) < 0)
    return PosixError("--reset: seeking stdout", errno);
  return Status::OK();
}

uint64_t StdoutSize() {
  struct stat st;
  return ::fstat(STDOUT_FILENO, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// --reset over a state that cannot be read: what it wrote is unknown, so
// the output's own files are emptied (the template names them).
Status ResetUnreadable(Env* env, const Destination& d) {
  if (d.kind == OutputKind::kFiles) {
    for (const auto& path : FilesMatchingTemplate(d.path_template))
      SLSFLOW_RETURN_IF_ERROR(env->TruncateFile(path, 0).WithContext("--reset"));
  } else if (d.kind == OutputKind::kStdoutFile && StdoutSize() > 0) {
    return Status::Config("--reset: the state that knew which bytes of " + d.shown +
                          " this output wrote cannot be read; rerun with > instead of >> (the shell empties " +
                          d.shown + " first)");
  }
  return Status::OK();
}

Status ResetLoaded(Env* env, const Destination& d, const ConsumeState& state) {
  SLSFLOW_RETURN_IF_ERROR(TruncateOwned(env, state));
  if (d.kind != OutputKind::kStdoutFile) return Status::OK();
  auto it = state.files.find("-");
  struct stat st;
  if (it == state.files.end() || ::fstat(STDOUT_FILENO, &st) != 0) return Status::OK();
  if (it->second.inode != 0 &&
      (static_cast<uint64_t>(st.st_ino) != it->second.inode || static_cast<uint64_t>(st.st_dev) != it->second.device))
    return Status::OK();  // another file behind stdout now: not ours to cut
  return TruncateStdoutTo(std::min(it->second.origin, static_cast<uint64_t>(st.st_size)));
}

// stdout emptied since the last run (a rerun with > instead of >>): start
// over into it. A file replaced or cut short is the sink's clear error.
bool StdoutEmptied(const Destination& d, ConsumeState* state, bool* had_data) {
  if (d.kind != OutputKind::kStdoutFile) return false;
  auto it = state->files.find("-");
  if (it == state->files.end() || StdoutSize() > 0) return false;
  *had_data = it->second.committed > it->second.origin;
  return true;
}

// Who this run is: written into every commit, whatever was loaded.
void StampIdentity(const SessionOptions& o, ConsumeState* state) {
  state->project = o.project;
  state->endpoint = o.endpoint;
  state->logstores = o.logstores;
  state->name = o.name;
  state->group = o.group;
  state->consumer = o.consumer;
}

}  // namespace

bool ApplyBounds(ConsumeState* state, std::optional<int64_t> to_unix) {
  const int64_t to = to_unix.value_or(0);
  bool complete = to_unix.has_value() && !state->shards.empty();
  for (auto& [key, pos] : state->shards) {
    if (pos.finished && pos.at_to && to > state->to_unix) {
      pos.finished = false;
      pos.at_to = false;
    }
    if (!pos.finished) complete = false;
  }
  state->to_unix = to;
  return complete;
}

std::string DescribeProgress(const ConsumeState& state) {
  int done = 0;
  int64_t logs = 0;
  for (const auto& [key, pos] : state.shards) {
    done += pos.finished ? 1 : 0;
    logs += pos.logs;
  }
  const std::string shards = std::to_string(state.shards.size());
  return (done > 0 ? std::to_string(done) + " of " + shards + " shards done" : shards + " shards") + ", " +
         std::to_string(logs) + " records written";
}

Result<Session> OpenSession(Env* env, const SessionOptions& o) {
  const Destination& d = o.destination;
  Session session;
  StampIdentity(o, &session.state);
  session.request = o.given;
  if (d.state_path.empty()) return session;  // a read to a pipe or terminal: no state at all
  // Before anything is created or locked, so a mistyped --state leaves nothing behind.
  if (env->IsDirectory(d.state_path))
    return Status::Config("the state " + d.state_path + " is a directory; --state must name a file, e.g. " +
                          d.state_path + "/consume.state");

  SLSFLOW_RETURN_IF_ERROR(CheckStateElsewhere(env, d));
  // The output's folder is the user's (0755); only .slsflow inside it is private.
  if (!d.output_state_dir.empty()) SLSFLOW_RETURN_IF_ERROR(env->CreateDirs(DirName(d.output_state_dir)));
  auto store = StateStore::Open(env, d.state_path);
  if (!store.ok()) {
    if (store.status().kind() == ErrorKind::kConflict) return InUse(env, d, d.state_path + ".lock");
    return store.status();
  }
  session.store = std::move(*store);
  WriteLockNote(env, d.state_path + ".lock", "");
  SLSFLOW_RETURN_IF_ERROR(LockOutput(env, o, &session));

  auto loaded = session.store->Load();
  if (!loaded.ok()) {
    if (!o.reset) return Status::Config(loaded.status().message() + CorruptAdvice(d));
    SLSFLOW_RETURN_IF_ERROR(ResetUnreadable(env, d));
    SLSFLOW_RETURN_IF_ERROR(session.store->Remove().WithContext("--reset"));
    return session;
  }
  if (!loaded->has_value()) return session;
  ConsumeState& state = **loaded;
  Status identity = CheckStateIdentity(state, d.state_path, o.project, o.endpoint, o.logstores);
  if (!identity.ok() && !o.reset)
    return Status::Config(identity.message() + "; " + OtherOutputAdvice(d) + ", or pass --reset to start over");
  if (o.reset) {
    SLSFLOW_RETURN_IF_ERROR(ResetLoaded(env, d, state));
    SLSFLOW_RETURN_IF_ERROR(session.store->Remove().WithContext("--reset"));
    return session;
  }
  MergedRequest merged = MergeRequest(state.request, o.given);
  if (!merged.differences.empty()) {
    std::string diff;
    for (const auto& line : merged.differences) diff += (diff.empty() ? "" : "; ") + line;
    return Status::Usage(d.shown + " holds the output of another request (" + diff +
                         "); rerun with the same flags to resume, pass --reset to start it over, or " +
                         OtherOutputAdvice(d));
  }
  session.request = merged.flags;
  if (!state.shards.empty() && state.group != o.group) {
    return Status::Usage(d.shown +
                         (state.group.empty() ? " was written without --group"
                                              : " was written by consumer group '" + state.group + "'") +
                         "; rerun as it was, pass --reset to start it over, or " + OtherOutputAdvice(d));
  }
  if (!state.consumer.empty() && state.consumer != o.consumer) {
    return Status::Usage(d.shown + " is written by member '" + state.consumer + "' of group '" + state.group +
                         "'; pass --consumer " + state.consumer + ", or " + OtherOutputAdvice(d));
  }
  bool had_data = false;
  if (StdoutEmptied(d, &state, &had_data)) {
    if (had_data && o.notice)
      o.notice(d.shown + " was emptied since the last run (> rather than >>?): starting over from --from");
    state.shards.clear();
    state.files.clear();
    state.to_unix = 0;
  }
  session.state = std::move(state);
  StampIdentity(o, &session.state);
  session.resumed = !session.state.shards.empty();
  return session;
}

}  // namespace slsflow
