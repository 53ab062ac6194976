#include "emulator/spl_pull.h"

#include "core/sls/loggroup_view.h"
#include "core/sls/protobuf_wire.h"
#include "emulator/spl_eval.h"

namespace slsflow::emulator::spl {
namespace {

using pbwire::MakeTag;

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void AppendBytesField(std::string* out, uint32_t field, std::string_view bytes) {
  AppendVarint(out, MakeTag(field, pbwire::kLen));
  AppendVarint(out, bytes.size());
  out->append(bytes);
}

// One top-level field of a LogGroup, as bytes.
struct FieldSpan {
  std::string_view bytes;
  bool is_log = false;
};

// The LogGroup's top-level fields in order; a Log is field 1 with a length,
// as LogGroupListView reads it, so the n-th log span is the view's n-th log.
bool SplitFields(std::string_view group, std::vector<FieldSpan>* out) {
  out->clear();
  const char* p = group.data();
  const char* end = p + group.size();
  while (p < end) {
    const char* start = p;
    uint32_t tag = 0;
    if (!pbwire::ReadTag(&p, end, &tag)) return false;
    const bool is_log = tag == MakeTag(1, pbwire::kLen);
    if (is_log) {
      const char* sub_end;
      if (!pbwire::ReadLen(&p, end, &sub_end)) return false;
      p = sub_end;
    } else if (!pbwire::SkipField(tag, &p, end, pbwire::kMaxDepth)) {
      return false;
    }
    out->push_back(FieldSpan{std::string_view(start, static_cast<size_t>(p - start)), is_log});
  }
  return true;
}

// Log { Time = 1; Contents = 2 ...; TimeNs = 4 (fixed32) when the stored
// log had it }, as field 1 of a LogGroup. Null fields are left out.
void AppendLog(const Row& row, const LogView& stored, std::string* out, std::string* scratch) {
  std::string& body = *scratch;
  body.clear();
  AppendVarint(&body, MakeTag(1, pbwire::kVarint));
  AppendVarint(&body, row.time);
  std::string content;
  for (const RowField& f : row.fields) {
    if (f.value.is_null()) continue;
    content.clear();
    AppendBytesField(&content, 1, f.name);
    if (f.value.kind() == Value::Kind::kText) {
      AppendBytesField(&content, 2, f.value.text());
    } else {
      AppendBytesField(&content, 2, f.value.ToText());
    }
    AppendBytesField(&body, 2, content);
  }
  if (stored.has_timens()) {
    AppendVarint(&body, MakeTag(4, pbwire::kFixed32));
    const uint32_t ns = stored.timens();
    for (int i = 0; i < 4; ++i) body.push_back(static_cast<char>((ns >> (8 * i)) & 0xff));
  }
  AppendBytesField(out, 1, body);
}

}  // namespace

Status RunOnGroups(const Program& program, const std::vector<std::string_view>& groups, std::string* list,
                   PullStats* stats) {
  LogGroupListView view;
  std::vector<FieldSpan> spans;
  Row row;
  std::string group_out, log_scratch;
  for (std::string_view raw : groups) {
    stats->raw_groups++;
    stats->raw_bytes += 1 + VarintSize(raw.size()) + raw.size();  // its LogGroupList entry
    if (Status st = view.ParseGroup(raw); !st.ok()) return st.WithContext("a stored LogGroup");
    if (!SplitFields(raw, &spans)) return Status::Corruption("a stored LogGroup does not split into fields");
    const LogGroupView& group = view.loggroups(0);
    stats->raw_lines += static_cast<uint64_t>(group.logs_size());
    group_out.clear();
    int log_index = 0;
    int kept = 0;
    for (const FieldSpan& span : spans) {
      if (!span.is_log) {
        group_out.append(span.bytes);
        continue;
      }
      if (log_index >= group.logs_size()) return Status::Corruption("a stored LogGroup has more log fields than logs");
      const LogView& log = group.logs(log_index++);
      LoadRow(log, group, &row);
      switch (RunProgram(program, &row)) {
        case RowOutcome::kDropped:
          continue;
        case RowOutcome::kFailed:
          stats->failed_lines++;
          continue;
        case RowOutcome::kKept:
          break;
      }
      ++kept;
      if (program.reshapes) {
        AppendLog(row, log, &group_out, &log_scratch);
      } else {
        group_out.append(span.bytes);
      }
    }
    if (kept == 0) continue;
    stats->result_lines += static_cast<uint64_t>(kept);
    stats->result_groups++;
    AppendBytesField(list, 1, group_out);  // LogGroupList.LogGroups
  }
  return Status::OK();
}

}  // namespace slsflow::emulator::spl
