// One parsed input log, as views. Parsers fill it without allocating per
// log: views point into the input line or into `arena`, which is reserved
// before parsing so that it never reallocates under the views.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/status.h"

namespace slsflow {

// SLS limits a client must check itself: the server rejects the whole
// request, so one bad log would otherwise take its 4095 neighbours down.
inline constexpr size_t kMaxValueBytes = 1u << 20;         // content value
inline constexpr size_t kMaxLogGroupBytes = 5u * 1000 * 1000;  // one LogGroup
inline constexpr size_t kMaxMetaBytes = 128;               // topic, source

using KeyValue = std::pair<std::string_view, std::string_view>;

struct ParsedLog {
  uint32_t time = 0;
  uint32_t time_ns = 0;
  bool has_time = false;
  bool has_time_ns = false;
  bool has_topic = false;
  bool has_source = false;
  bool has_hash_key = false;
  std::string_view topic;
  std::string_view source;
  std::string_view hash_key;
  std::vector<KeyValue> contents;
  std::vector<KeyValue> tags;
  std::string arena;

  // Keeps capacity: the vectors and the arena are reused for every line.
  // Inline: it runs once per line.
  void Clear() {
    time = time_ns = 0;
    has_time = has_time_ns = has_topic = has_source = has_hash_key = false;
    topic = source = hash_key = {};
    contents.clear();
    tags.clear();
    arena.clear();
  }
  bool HasMeta() const { return has_topic || has_source || !tags.empty(); }

  // Adds one key/value, routing the reserved keys consume writes:
  // __time__, __time_ns__, __topic__, __source__, __tag__:k, __hash_key__;
  // __shard__ and __cursor__ are dropped. kInvalid for a bad time.
  // Inline because it runs for every field of every line; only reserved
  // keys take the call.
  __attribute__((always_inline)) Status AddField(std::string_view key, std::string_view value) {
    if (key.size() >= 4 && key[0] == '_' && key[1] == '_') return AddReservedOrContent(key, value);
    contents.emplace_back(key, value);
    return Status::OK();
  }

 private:
  Status AddReservedOrContent(std::string_view key, std::string_view value);
};

// Appends `s` to `arena` (which must have the room reserved) and returns a
// view of the copy.
std::string_view ArenaAppend(std::string* arena, std::string_view s);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool IsValidUtf8(std::string_view s);
// Replaces every ill-formed sequence with U+FFFD.
std::string ToValidUtf8(std::string_view s);

// Decimal seconds (or milliseconds when > 1e10, as the Python SDK does) to
// a uint32; false on anything else.
bool ParseUnixSeconds(std::string_view text, uint32_t* out);

}  // namespace slsflow
