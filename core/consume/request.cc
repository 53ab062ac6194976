#include "core/consume/request.h"

#include <charconv>

#include "core/sls/shard_set.h"

namespace slsflow {

namespace {

std::string Shown(const std::string& value) {
  std::string out;
  for (char c : value) out += c == '\n' ? std::string("' '") : std::string(1, c);
  return "'" + out + "'";
}

}  // namespace

const std::vector<std::string>& RequestFlagNames() {
  static const std::vector<std::string> names = {"--shards", "--from",   "--to",         "--last",       "--query",
                                                 "--grep",   "--where",  "--format",     "--field",      "--template",
                                                 "--fields", "--binary", "--with-shard", "--with-cursor"};
  return names;
}

MergedRequest MergeRequest(const RequestFlags& recorded, const RequestFlags& given) {
  MergedRequest m;
  m.flags = recorded;
  for (const auto& name : RequestFlagNames()) {
    auto g = given.find(name);
    if (g == given.end()) continue;
    auto r = recorded.find(name);
    if (r != recorded.end() && r->second != g->second)
      m.differences.push_back(name + " was " + Shown(r->second) + ", now " + Shown(g->second));
    m.flags[name] = g->second;
  }
  return m;
}

std::string DescribeRequest(const RequestFlags& flags, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    auto it = flags.find(name);
    if (it == flags.end() || it->second.empty()) continue;
    if (!out.empty()) out += ' ';
    out += name + " " + it->second;
  }
  return out;
}

std::string JoinValues(const std::vector<std::string>& values, char separator) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += separator;
    out += values[i];
  }
  return out;
}

std::vector<std::string> SplitValues(const std::string& text, char separator) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  size_t pos = 0;
  for (;;) {
    size_t at = text.find(separator, pos);
    out.push_back(text.substr(pos, at == std::string::npos ? std::string::npos : at - pos));
    if (at == std::string::npos) return out;
    pos = at + 1;
  }
}

namespace {

Status ParseTimes(RequestFlags& f, const RequestDefaults& defaults, int64_t now, ParsedRequest* r) {
  std::string& from = f["--from"];
  if (from.empty()) from = !defaults.from.empty() ? defaults.from : !f["--to"].empty() ? "begin" : "end";
  auto spec = ParseTimeSpec(from, now);
  if (!spec.ok()) return spec.status().WithContext("--from");
  r->from = *spec;
  const std::string& to = f["--to"];
  if (to.empty()) return Status::OK();
  auto t = ParseTimeSpec(to, now);
  if (!t.ok()) return t.status().WithContext("--to");
  if (t->kind == TimeSpec::kBegin || t->kind == TimeSpec::kCheckpoint)
    return Status::Usage("--to '" + to + "': expected end, now or a time");
  // A bound in the future cannot be resolved to a cursor yet: SLS answers
  // "end" for it, so it means "what is there now".
  r->to_unix = t->kind == TimeSpec::kEnd ? now : std::min<int64_t>(t->unix_seconds, now);
  if (r->from.kind == TimeSpec::kUnix && r->from.unix_seconds > *r->to_unix)
    return Status::Usage("--from is after --to");
  return Status::OK();
}

Status ParseFormat(RequestFlags& f, const RequestDefaults& defaults, ParsedRequest* r) {
  std::string& format = f["--format"];
  if (format.empty()) format = !f["--template"].empty() ? "template" : !f["--field"].empty() ? "raw" : defaults.format;
  FormatOptions& fo = r->format;
  fo.format = format;
  if (!f["--field"].empty()) fo.raw_field = f["--field"];
  fo.tmpl = f["--template"];
  fo.fields = SplitValues(f["--fields"], ',');
  fo.with_shard = !f["--with-shard"].empty();
  fo.with_cursor = !f["--with-cursor"].empty();
  std::string& binary = f["--binary"];
  if (binary.empty()) binary = "replace";
  auto mode = ParseBinaryMode(binary);
  if (!mode.ok()) return mode.status();
  fo.binary = *mode;
  return Status::OK();
}

}  // namespace

Result<ParsedRequest> ParseRequest(RequestFlags* flags, const RequestDefaults& defaults, int64_t now_unix) {
  RequestFlags& f = *flags;
  ParsedRequest r;
  SLSFLOW_RETURN_IF_ERROR(ParseTimes(f, defaults, now_unix, &r));
  if (const std::string& last = f["--last"]; !last.empty()) {
    auto [end, ec] = std::from_chars(last.data(), last.data() + last.size(), r.last);
    if (ec != std::errc() || end != last.data() + last.size() || r.last < 0)
      return Status::Usage("--last '" + last + "': expected a number of logs");
  }
  if (const std::string& shards = f["--shards"]; !shards.empty()) {
    auto sel = ParseShardSet(shards);
    if (!sel.ok()) return sel.status();
    r.shards = *sel;
  }
  r.query = f["--query"];
  r.greps = SplitValues(f["--grep"], '\n');
  r.wheres = SplitValues(f["--where"], '\n');
  SLSFLOW_RETURN_IF_ERROR(ParseFormat(f, defaults, &r));
  // Every request flag is recorded, so that a rerun compares like with like.
  for (const auto& name : RequestFlagNames()) f[name];
  return r;
}

}  // namespace slsflow
