// One parsed input log, as views. Parsers fill it without allocating per
// log: views point into the input line or into `arena`, which is reserved
// before parsing so that it never reallocates under the views.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/status.h"
#include "core/base/utf8.h"  // IsValidUtf8, for every parser

namespace slsflow {

// SLS limits a client must check itself: the server rejects the whole
// request, so one bad log would otherwise take its 4095 neighbours down
// (doc/protocol.md §10.4, §14).
inline constexpr size_t kMaxValueBytes = 1u << 20;             // content value
inline constexpr size_t kMaxLogGroupBytes = 5u * 1000 * 1000;  // one LogGroup
inline constexpr size_t kMaxMetaBytes = 128;                   // topic, source
inline constexpr size_t kMaxKeyBytes = 128;                    // content key
// The accepted log times, around the server's clock (ours stands in).
inline constexpr int64_t kMaxLogAgeSeconds = 168 * 3600;
inline constexpr int64_t kMaxLogLeadSeconds = 15 * 60;
// A jsonl key that produce drops: the dead-letter file gives each log its
// reason under it, and replays unchanged.
inline constexpr std::string_view kDeadLetterReasonKey = "__dead_letter_reason__";

using KeyValue = std::pair<std::string_view, std::string_view>;

struct ParsedLog {
  uint32_t time = 0;
  uint32_t time_ns = 0;
  bool has_time = false;
  bool has_time_ns = false;
  bool has_topic = false;
  bool has_source = false;
  bool has_hash_key = false;
  // A value was decoded from {"base64"} or {"hex"}: the parser checked no
  // UTF-8 there, so the limits check does.
  bool has_binary = false;
  // The parser's content keys are fixed and were checked once (line, regex
  // and csv modes), so the limits check skips them.
  bool keys_checked = false;
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
    has_time = has_time_ns = has_topic = has_source = has_hash_key = has_binary = keys_checked = false;
    // One store each: chained, `source = hash_key` read back as one 16-byte
    // load the two 8-byte stores just written, which cannot be forwarded
    // (perf put a fifth of ProcessBlock's own time on that load).
    topic = {};
    source = {};
    hash_key = {};
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

// [A-Za-z0-9_]: the bytes an SLS content key may hold.
inline constexpr std::array<bool, 256> kContentKeyBytes = [] {
  std::array<bool, 256> ok{};
  for (int c = 'a'; c <= 'z'; ++c) ok[static_cast<size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) ok[static_cast<size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) ok[static_cast<size_t>(c)] = true;
  ok['_'] = true;
  return ok;
}();

// __time__, __topic__, __source__, __partition_time__, _extract_others_,
// __extract_others__.
bool IsReservedContentKey(std::string_view key);

// The SLS key rule: 1..128 bytes of [A-Za-z0-9_], not starting with a
// digit, not reserved. Runs for every key of every jsonl log: a table load
// per byte, and the reserved names only for keys that start with '_'.
inline bool ContentKeyOk(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes || (key[0] >= '0' && key[0] <= '9')) return false;
  unsigned bad = 0;
  for (char c : key) bad |= !kContentKeyBytes[static_cast<unsigned char>(c)];
  return !bad && (key[0] != '_' || !IsReservedContentKey(key));
}
// The key rule with its reason ("" when `key` is fine).
std::string ContentKeyProblem(std::string_view key);
// True when every name that AddField would make a content key passes the
// rule: a parser with fixed keys checks them once and sets keys_checked.
bool ContentKeysOk(const std::vector<std::string>& names);

// The content keys of the last log whose keys all passed the key rule:
// jsonl logs mostly repeat their keys, and comparing a key costs a few
// loads where checking it costs a table load per byte (~10% of kv200's
// instructions). Allocates only when the keys change.
class CheckedKeys {
 public:
  // Sets log->keys_checked when every content key passes the rule (or the
  // parser already vouched for them).
  void Check(ParsedLog* log) {
    if (log->keys_checked) return;
    const auto& c = log->contents;
    if (c.size() == keys_.size()) {
      size_t i = 0;
      while (i < c.size() && Same(c[i].first, keys_[i])) ++i;
      if (i == c.size()) {
        log->keys_checked = true;
        return;
      }
    }
    for (const auto& kv : c)
      if (!ContentKeyOk(kv.first)) return;
    keys_.resize(c.size());
    for (size_t i = 0; i < c.size(); ++i) keys_[i].assign(c[i].first);
    log->keys_checked = true;
  }

 private:
  // Keys are short: two overlapping loads each side for 4..16 bytes.
  static bool Same(std::string_view a, const std::string& b) {
    size_t n = a.size();
    if (n != b.size()) return false;
    const char* p = a.data();
    const char* q = b.data();
    if (n >= 8 && n <= 16) {
      uint64_t a0, a1, b0, b1;
      std::memcpy(&a0, p, 8);
      std::memcpy(&a1, p + n - 8, 8);
      std::memcpy(&b0, q, 8);
      std::memcpy(&b1, q + n - 8, 8);
      return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    if (n >= 4 && n < 8) {
      uint32_t a0, a1, b0, b1;
      std::memcpy(&a0, p, 4);
      std::memcpy(&a1, p + n - 4, 4);
      std::memcpy(&b0, q, 4);
      std::memcpy(&b1, q + n - 4, 4);
      return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    return std::memcmp(p, q, n) == 0;
  }
  std::vector<std::string> keys_;
};

// The first SLS limit `log` breaks, said for a person; "" when none.
std::string LimitProblem(const ParsedLog& log, int64_t now_seconds);

// True when SLS would store `log` as it is: every content key passes the
// key rule; every value is at most 1 MiB; topic and source at most 128
// bytes; everything is UTF-8; there is at least one content; the time is
// within [now - 168 h, now + 15 min]. Otherwise false, with the first
// broken rule in `why`. Size of the whole LogGroup is the batcher's.
// Inline, and the reason built only on failure: it runs for every log.
inline bool LogWithinLimits(const ParsedLog& log, int64_t now_seconds, std::string* why) {
  bool ok = !log.contents.empty() && (!log.has_topic || log.topic.size() <= kMaxMetaBytes) &&
            (!log.has_source || log.source.size() <= kMaxMetaBytes) && !log.has_binary &&
            static_cast<int64_t>(log.time) >= now_seconds - kMaxLogAgeSeconds &&
            static_cast<int64_t>(log.time) <= now_seconds + kMaxLogLeadSeconds;
  for (const auto& kv : log.contents)
    ok &= kv.second.size() <= kMaxValueBytes && (log.keys_checked || ContentKeyOk(kv.first));
  if (__builtin_expect(ok, true)) return true;
  *why = LimitProblem(log, now_seconds);
  return why->empty();
}

// Appends `s` to `arena` (which must have the room reserved) and returns a
// view of the copy.
std::string_view ArenaAppend(std::string* arena, std::string_view s);

// Replaces every ill-formed sequence with U+FFFD.
std::string ToValidUtf8(std::string_view s);

// Decimal seconds (or milliseconds when > 1e10, as the Python SDK does) to
// a uint32; false on anything else.
bool ParseUnixSeconds(std::string_view text, uint32_t* out);

}  // namespace slsflow
