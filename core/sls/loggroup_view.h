// A read-only LogGroupList decoded in place: every key, value, topic and
// tag is a string_view into the caller's buffer, so consuming a pull costs
// one pass over its bytes and no allocation once the view's vectors have
// grown (the view is reused from pull to pull).
//
// Why not the generated sls::LogGroupList: a fresh protobuf message copies
// every value into its own string (about 45% of consume CPU in profiles),
// and reusing one still copies. Consume only reads, so it reads in place.
//
// The accessors are named as the generated ones (loggroups(), logs(),
// contents(), key(), timens(), ...) so code reads the same either way.
// Parse() accepts exactly what protobuf's ParsePartialFromString accepts
// for sls.proto, with the same values: unknown fields (including groups)
// are skipped, a known field with another wire type is an unknown field,
// the last of a repeated optional scalar wins, a missing required field
// reads as empty or 0. tests/fuzz/loggroup_fuzz.cc checks this against
// protobuf on every input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/base/status.h"

namespace slsflow {

// A contiguous run of elements owned by a LogGroupListView.
template <class T>
class ViewSpan {
 public:
  ViewSpan() = default;
  ViewSpan(const T* data, size_t size) : data_(data), size_(size) {}
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](size_t i) const { return data_[i]; }

 private:
  const T* data_ = nullptr;
  size_t size_ = 0;
};

// LogContent and LogTag: both are (Key, Value) pairs.
class KeyValueView {
 public:
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }

 private:
  friend class LogGroupListView;
  std::string_view key_;
  std::string_view value_;
};

class LogView {
 public:
  uint32_t time() const { return time_; }
  bool has_timens() const { return has_timens_; }
  uint32_t timens() const { return timens_; }
  ViewSpan<KeyValueView> contents() const { return contents_; }
  int contents_size() const { return static_cast<int>(contents_.size()); }
  const KeyValueView& contents(int i) const { return contents_[static_cast<size_t>(i)]; }

 private:
  friend class LogGroupListView;
  uint32_t time_ = 0;
  uint32_t timens_ = 0;
  bool has_timens_ = false;
  size_t first_content_ = 0;  // index into the list's contents until fixed up
  ViewSpan<KeyValueView> contents_;
};

class LogGroupView {
 public:
  ViewSpan<LogView> logs() const { return logs_; }
  int logs_size() const { return static_cast<int>(logs_.size()); }
  const LogView& logs(int i) const { return logs_[static_cast<size_t>(i)]; }
  bool has_topic() const { return has_topic_; }
  std::string_view topic() const { return topic_; }
  bool has_source() const { return has_source_; }
  std::string_view source() const { return source_; }
  std::string_view machineuuid() const { return machine_uuid_; }
  ViewSpan<KeyValueView> logtags() const { return tags_; }
  int logtags_size() const { return static_cast<int>(tags_.size()); }

 private:
  friend class LogGroupListView;
  std::string_view topic_;
  std::string_view source_;
  std::string_view machine_uuid_;
  bool has_topic_ = false;
  bool has_source_ = false;
  size_t first_log_ = 0;
  size_t first_tag_ = 0;
  ViewSpan<LogView> logs_;
  ViewSpan<KeyValueView> tags_;
};

class LogGroupListView {
 public:
  // What one decode may hold (groups + logs + contents + tags). Real logs
  // take 8+ bytes per element, so a pull at the 128 MB raw-size cap
  // (kMaxRawBodySize) stays under this; 128 MB of 2-byte empty messages
  // from a hostile server would otherwise cost ~2.5 GB of views.
  static constexpr size_t kDefaultMaxElements = size_t{16} << 20;

  explicit LogGroupListView(size_t max_elements = kDefaultMaxElements) : max_elements_(max_elements) {}
  // Views point into the vectors: a copy would point into the original.
  LogGroupListView(const LogGroupListView&) = delete;
  LogGroupListView& operator=(const LogGroupListView&) = delete;

  // Decodes `bytes` (a serialized LogGroupList), which must outlive every
  // view taken from this object. kCorruption when protobuf would refuse it,
  // or when it holds more than max_elements. On failure the view is empty.
  Status Parse(std::string_view bytes);
  // Decodes one serialized LogGroup as a list of one.
  Status ParseGroup(std::string_view bytes);
  void Clear();
  // Clear, and give the index's memory back (Clear keeps it for reuse).
  void Release();
  // What the index (not the bytes it points into) holds.
  size_t MemoryBytes() const;

  int loggroups_size() const { return static_cast<int>(groups_.size()); }
  const LogGroupView& loggroups(int i) const { return groups_[static_cast<size_t>(i)]; }
  ViewSpan<LogGroupView> loggroups() const { return ViewSpan<LogGroupView>(groups_.data(), groups_.size()); }
  size_t log_count() const { return logs_.size(); }

 private:
  class Decoder;
  Status Decode(std::string_view bytes, bool list);
  Status Finish();

  size_t max_elements_;
  std::vector<LogGroupView> groups_;
  std::vector<LogView> logs_;
  std::vector<KeyValueView> contents_;
  std::vector<KeyValueView> tags_;
};

}  // namespace slsflow
