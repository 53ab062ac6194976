// The consume state file: where each shard stands and how many bytes of
// each output file are accounted for. It is the whole of the exactly-once
// promise: a commit never claims a record that is not durably in a sink,
// and recovery truncates sinks back to what the state claims.
// The on-disk format is described in doc/state-format.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/env.h"
#include "core/base/status.h"

namespace slsflow {

// Version 2 adds the request, the output's ownership (origin, sealed) and
// the group checkpoint; version 1 files are still read.
inline constexpr int kConsumeStateVersion = 2;

// A shard's read position. Cursors address log groups, and a pull returns
// several, so the position is "the batch starting at `cursor`, of which
// `skip_groups` whole groups and then `skip_logs` logs were emitted".
struct ShardPosition {
  std::string cursor;  // "" only while the shard has not been resolved yet
  int64_t skip_groups = 0;
  int64_t skip_logs = 0;
  bool finished = false;  // a readonly shard read to its end, or --to reached
  int64_t logs = 0;       // logs emitted from this shard over the state's life (stats only)
  // Finished because it reached the --to cursor (not a readonly end): a
  // later run whose --to resolves later reads on from here.
  bool at_to = false;
  // --group: the last checkpoint this member pushed to the server before
  // the commit. A server checkpoint equal to it means nobody else moved
  // the shard since, so the local position (never behind it) wins.
  std::string checkpoint;

  bool operator==(const ShardPosition&) const = default;
};

// How much of an output file the state accounts for. The identity (device,
// inode) tells a file we wrote from a different one at the same path (or a
// new file behind the same stdout redirection).
struct OutputFileState {
  uint64_t committed = 0;
  uint64_t device = 0;
  uint64_t inode = 0;
  std::string stream;   // the template expanded without date/segment: one per writer
  int64_t segment = 0;  // rotation counter of that stream
  // Bytes that were in the file before this state first wrote to it: they
  // belong to someone else, and --reset cuts the file back to here.
  uint64_t origin = 0;
  // A finished segment (rotated, or its date passed): never written again,
  // kept so that --reset can empty it.
  bool sealed = false;
  bool operator==(const OutputFileState&) const = default;
};

using ShardKey = std::pair<std::string, int>;  // (logstore, shard id)

struct ConsumeState {
  // Identity: a state belongs to one project, endpoint and logstore list.
  std::string project;
  std::string endpoint;
  std::vector<std::string> logstores;
  std::string name;  // --name, "" when not given

  // The request that made this state, flag -> value as typed ("--from" ->
  // "yesterday", not the instant): a rerun with other explicit values is
  // refused, and flags left out are taken from here.
  std::map<std::string, std::string> request;
  // --to as resolved by the last run (unix seconds, 0 for none): a rerun
  // whose --to resolves later continues the shards finished at it.
  int64_t to_unix = 0;
  // The output this state owns: a path template, "-" for a stdout file,
  // "" for a pipe or terminal.
  std::string output;
  // --group: this member's group and consumer name.
  std::string group;
  std::string consumer;

  std::map<ShardKey, ShardPosition> shards;
  // Key: the output path, or "-" for a stdout redirected to a file.
  std::map<std::string, OutputFileState> files;
  uint64_t sequence = 0;  // incremented by every commit
  int64_t updated_unix_micros = 0;

  bool operator==(const ConsumeState&) const = default;
};

// Serialises the state in the documented format (magic, version, JSON body,
// crc32 trailer).
std::string EncodeConsumeState(const ConsumeState& state);

// Parses and verifies. Every failure is kConfig (exit 3) naming `path` and
// saying what to do: a corrupt or newer state is never silently restarted.
Result<ConsumeState> DecodeConsumeState(const std::string& bytes, const std::string& path);

// kConfig when `state` belongs to another project, endpoint or logstore
// list ("foreign state").
Status CheckStateIdentity(const ConsumeState& state, const std::string& path, const std::string& project,
                          const std::string& endpoint, const std::vector<std::string>& logstores);

// $XDG_STATE_HOME/slsflow/<project>-<logstores>[-<name>]-<hash>.state, or
// ~/.local/state/slsflow/... when XDG_STATE_HOME is empty. The hash covers
// the endpoint too, so the same project on two endpoints never shares state.
std::string DefaultStatePath(const std::string& xdg_state_home, const std::string& home, const std::string& project,
                             const std::vector<std::string>& logstores, const std::string& endpoint,
                             const std::string& name);

// Owns the state file: holds its lock for as long as it lives, loads it and
// replaces it atomically (tmp, fsync, rename, fsync dir), mode 0600.
class StateStore {
 public:
  // Creates the directory if needed and takes the lock (`<path>.lock`);
  // kConflict with a clear message when another process holds it.
  static Result<std::unique_ptr<StateStore>> Open(Env* env, const std::string& path);

  // nullopt when there is no state file yet.
  Result<std::optional<ConsumeState>> Load();
  // Bumps state->sequence and the update time, then writes it atomically.
  Status Commit(ConsumeState* state);
  // --reset: forgets the state (the lock stays held).
  Status Remove();

  const std::string& path() const { return path_; }

 private:
  StateStore(Env* env, std::string path, std::unique_ptr<FileLock> lock)
      : env_(env), path_(std::move(path)), lock_(std::move(lock)) {}
  Env* env_;
  std::string path_;
  std::unique_ptr<FileLock> lock_;
};

}  // namespace slsflow
