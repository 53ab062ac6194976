// The --follow read position (see doc/produce-state-format.md): which file
// (inode) and how far (offset), written atomically through Env with mode
// 0600 after the server has acknowledged everything before it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/base/env.h"
#include "core/base/status.h"

namespace slsflow {

struct FollowState {
  std::string path;  // the followed path, to refuse a state written for another file
  uint64_t inode = 0;
  uint64_t offset = 0;
  uint32_t tail_len = 0;  // see InputPosition
  uint32_t tail_crc = 0;
};

std::string EncodeFollowState(const FollowState& state);
// kCorruption on a bad magic, version, field or checksum.
Result<FollowState> DecodeFollowState(const std::string& text);

// Writes `<file>.tmp`, syncs it, renames it over `file` and syncs the directory.
Status SaveFollowState(Env* env, const std::string& file, const FollowState& state);
// nullopt when the file does not exist.
Result<std::optional<FollowState>> LoadFollowState(Env* env, const std::string& file);

// The default state file for a followed path and destination:
// $XDG_STATE_HOME (or ~/.local/state)/slsflow/produce-<md5 prefix>.state.
std::string DefaultFollowStatePath(const std::string& abs_path, const std::string& project,
                                   const std::string& logstore);

}  // namespace slsflow
