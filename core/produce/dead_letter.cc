#include "core/produce/dead_letter.h"

#include "core/produce/record.h"
#include "core/sls/crypto.h"
#include "core/sls/loggroup_view.h"

namespace slsflow {

void AppendJsonValue(std::string* out, std::string_view value) {
  if (!IsValidUtf8(value)) {
    *out += "{\"base64\":\"";
    *out += Base64Encode(value);
    *out += "\"}";
    return;
  }
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(value.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      default:
        *out += "\\u00";
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(value.substr(run));
  out->push_back('"');
}

Result<size_t> LogGroupToJsonl(std::string_view log_group, std::string* out, std::string_view reason) {
  LogGroupListView view;
  if (!view.ParseGroup(log_group).ok() || view.loggroups_size() != 1)
    return Status::Corruption("dead letter: cannot decode our own LogGroup");
  const LogGroupView& group = view.loggroups(0);
  for (const LogView& log : group.logs()) {
    *out += "{\"__time__\":" + std::to_string(log.time());
    if (log.has_timens()) *out += ",\"__time_ns__\":" + std::to_string(log.timens());
    *out += ",\"__topic__\":";
    AppendJsonValue(out, group.topic());
    *out += ",\"__source__\":";
    AppendJsonValue(out, group.source());
    for (const KeyValueView& tag : group.logtags()) {
      *out += ',';
      AppendJsonValue(out, "__tag__:" + std::string(tag.key()));
      *out += ':';
      AppendJsonValue(out, tag.value());
    }
    for (const KeyValueView& c : log.contents()) {
      *out += ',';
      AppendJsonValue(out, c.key());
      *out += ':';
      AppendJsonValue(out, c.value());
    }
    if (!reason.empty()) {
      *out += ',';
      AppendJsonValue(out, kDeadLetterReasonKey);
      *out += ':';
      AppendJsonValue(out, reason);
    }
    *out += "}\n";
  }
  return static_cast<size_t>(group.logs_size());
}

Status DeadLetterSink::Write(std::string_view log_group, std::string_view reason) {
  if (path_.empty()) return Status::OK();
  std::string text;
  auto n = LogGroupToJsonl(log_group, &text, reason);
  if (!n.ok()) return n.status();
  return WriteLines(text);
}

Status DeadLetterSink::WriteLines(std::string_view text) {
  if (path_.empty() || text.empty()) return Status::OK();
  std::lock_guard<std::mutex> lock(mu_);
  if (!file_) {
    auto f = env_->NewAppendableFile(path_, 0600);
    if (!f.ok()) return f.status().WithContext("opening --dead-letter " + path_);
    file_ = std::move(f.value());
  }
  Status st = file_->Append(text);
  if (st.ok()) st = file_->Sync();
  return st.ok() ? st : st.WithContext("writing --dead-letter " + path_);
}

Status DeadLetterSink::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!file_) return Status::OK();
  Status st = file_->Close();
  file_.reset();
  return st;
}

}  // namespace slsflow
