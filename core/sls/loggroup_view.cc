#include "core/sls/loggroup_view.h"

#include <string>

#include "core/sls/protobuf_wire.h"

namespace slsflow {

using pbwire::kFixed32;
using pbwire::kLen;
using pbwire::kMaxDepth;
using pbwire::kVarint;
constexpr auto Tag = pbwire::MakeTag;

// Byte-level reading is core/sls/protobuf_wire.h, which keeps protobuf's limits.
class LogGroupListView::Decoder {
 public:
  Decoder(LogGroupListView* out, const char* begin, size_t max_elements)
      : out_(out), begin_(begin), elements_left_(max_elements) {}

  size_t failed_at() const { return static_cast<size_t>(fail_ - begin_); }
  bool too_many() const { return too_many_; }

  bool List(const char* p, const char* end) {
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      if (tag == Tag(1, kLen)) {
        const char* sub_end;
        if (!ReadLen(&p, end, &sub_end) || !Group(p, sub_end, kMaxDepth - 1)) return false;
        p = sub_end;
      } else if (!SkipField(tag, &p, end, kMaxDepth)) {
        return false;
      }
    }
    return true;
  }

  // Decodes one LogGroup message body.
  bool Group(const char* p, const char* end, int depth) {
    if (depth < 0) return Fail(p);
    if (!Count(p)) return false;
    const size_t gi = out_->groups_.size();
    out_->groups_.emplace_back();
    out_->groups_[gi].first_log_ = out_->logs_.size();
    out_->groups_[gi].first_tag_ = out_->tags_.size();
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      std::string_view text;
      switch (tag) {
        case Tag(1, kLen): {
          const char* sub_end;
          if (!ReadLen(&p, end, &sub_end) || !Log(p, sub_end, depth - 1)) return false;
          p = sub_end;
          continue;
        }
        case Tag(6, kLen): {
          const char* sub_end;
          if (!ReadLen(&p, end, &sub_end) || !KeyValue(p, sub_end, depth - 1, &out_->tags_)) return false;
          p = sub_end;
          continue;
        }
        case Tag(2, kLen):
        case Tag(3, kLen):
        case Tag(4, kLen):
        case Tag(5, kLen):
          if (!ReadBytes(&p, end, &text)) return false;
          break;
        default:
          if (!SkipField(tag, &p, end, depth)) return false;
          continue;
      }
      LogGroupView& g = out_->groups_[gi];
      if (tag == Tag(3, kLen)) {
        g.topic_ = text;
        g.has_topic_ = true;
      } else if (tag == Tag(4, kLen)) {
        g.source_ = text;
        g.has_source_ = true;
      } else if (tag == Tag(5, kLen)) {
        g.machine_uuid_ = text;
      }
    }
    LogGroupView& g = out_->groups_[gi];
    g.logs_ = ViewSpan<LogView>(nullptr, out_->logs_.size() - g.first_log_);
    g.tags_ = ViewSpan<KeyValueView>(nullptr, out_->tags_.size() - g.first_tag_);
    return true;
  }

 private:
  bool Log(const char* p, const char* end, int depth) {
    if (depth < 0) return Fail(p);
    if (!Count(p)) return false;
    const size_t li = out_->logs_.size();
    out_->logs_.emplace_back();
    out_->logs_[li].first_content_ = out_->contents_.size();
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      if (tag == Tag(2, kLen)) {
        const char* sub_end;
        if (!ReadLen(&p, end, &sub_end) || !KeyValue(p, sub_end, depth - 1, &out_->contents_)) return false;
        p = sub_end;
      } else if (tag == Tag(1, kVarint)) {
        uint64_t v;
        if (!ReadVarint(&p, end, &v)) return false;
        out_->logs_[li].time_ = static_cast<uint32_t>(v);
      } else if (tag == Tag(4, kFixed32)) {
        if (!pbwire::ReadFixed32(&p, end, &out_->logs_[li].timens_)) return Fail(p);
        out_->logs_[li].has_timens_ = true;
      } else if (!SkipField(tag, &p, end, depth)) {
        return false;
      }
    }
    LogView& log = out_->logs_[li];
    log.contents_ = ViewSpan<KeyValueView>(nullptr, out_->contents_.size() - log.first_content_);
    return true;
  }

  // LogContent and LogTag: Key = 1, Value = 2.
  bool KeyValue(const char* p, const char* end, int depth, std::vector<KeyValueView>* into) {
    if (depth < 0) return Fail(p);
    KeyValueView kv;
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(&p, end, &tag)) return false;
      if (tag == Tag(1, kLen)) {
        if (!ReadBytes(&p, end, &kv.key_)) return false;
      } else if (tag == Tag(2, kLen)) {
        if (!ReadBytes(&p, end, &kv.value_)) return false;
      } else if (!SkipField(tag, &p, end, depth)) {
        return false;
      }
    }
    if (!Count(p)) return false;
    into->push_back(kv);
    return true;
  }

  // The shared wire readers, recording where the first fault was.
  bool SkipField(uint32_t tag, const char** p, const char* end, int depth) {
    return pbwire::SkipField(tag, p, end, depth) || Fail(*p);
  }
  bool ReadTag(const char** p, const char* end, uint32_t* tag) { return pbwire::ReadTag(p, end, tag) || Fail(*p); }
  bool ReadVarint(const char** p, const char* end, uint64_t* v) { return pbwire::ReadVarint(p, end, v) || Fail(*p); }
  bool ReadLen(const char** p, const char* end, const char** sub_end) {
    return pbwire::ReadLen(p, end, sub_end) || Fail(*p);
  }
  bool ReadBytes(const char** p, const char* end, std::string_view* out) {
    return pbwire::ReadBytes(p, end, out) || Fail(*p);
  }

  // Every element costs 2 bytes of input but up to 48 bytes of view: the
  // budget keeps a hostile pull of empty messages from costing gigabytes.
  bool Count(const char* at) {
    if (elements_left_ == 0) {
      too_many_ = true;
      return Fail(at);
    }
    --elements_left_;
    return true;
  }

  bool Fail(const char* at) {
    if (fail_ == nullptr) fail_ = at;
    return false;
  }

  LogGroupListView* out_;
  const char* begin_;
  const char* fail_ = nullptr;
  size_t elements_left_;
  bool too_many_ = false;
};

void LogGroupListView::Clear() {
  groups_.clear();
  logs_.clear();
  contents_.clear();
  tags_.clear();
}

void LogGroupListView::Release() {
  std::vector<LogGroupView>().swap(groups_);
  std::vector<LogView>().swap(logs_);
  std::vector<KeyValueView>().swap(contents_);
  std::vector<KeyValueView>().swap(tags_);
}

size_t LogGroupListView::MemoryBytes() const {
  return groups_.capacity() * sizeof(LogGroupView) + logs_.capacity() * sizeof(LogView) +
         (contents_.capacity() + tags_.capacity()) * sizeof(KeyValueView);
}

Status LogGroupListView::Parse(std::string_view bytes) {
  return Decode(bytes, /*list=*/true);
}

Status LogGroupListView::ParseGroup(std::string_view bytes) {
  return Decode(bytes, /*list=*/false);
}

Status LogGroupListView::Decode(std::string_view bytes, bool list) {
  Clear();
  Decoder decoder(this, bytes.data(), max_elements_);
  const char* end = bytes.data() + bytes.size();
  if (list ? decoder.List(bytes.data(), end) : decoder.Group(bytes.data(), end, kMaxDepth)) return Finish();
  Clear();
  const char* what = list ? "LogGroupList" : "LogGroup";
  if (decoder.too_many())
    return Status::Corruption(std::string(what) + " of " + std::to_string(bytes.size()) + " bytes holds more than " +
                              std::to_string(max_elements_) + " groups, logs, contents and tags; refusing it");
  return Status::Corruption(std::string("malformed ") + what + " near byte " + std::to_string(decoder.failed_at()) +
                            " of " + std::to_string(bytes.size()));
}

// The vectors only stop moving once everything is decoded: point the spans
// into them now.
Status LogGroupListView::Finish() {
  for (LogView& log : logs_)
    log.contents_ = ViewSpan<KeyValueView>(contents_.data() + log.first_content_, log.contents_.size());
  for (LogGroupView& g : groups_) {
    g.logs_ = ViewSpan<LogView>(logs_.data() + g.first_log_, g.logs_.size());
    g.tags_ = ViewSpan<KeyValueView>(tags_.data() + g.first_tag_, g.tags_.size());
  }
  return Status::OK();
}

}  // namespace slsflow
