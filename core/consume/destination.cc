#include "core/consume/destination.h"

#include <algorithm>
#include <filesystem>

#include "core/consume/state.h"
#include "core/sls/crypto.h"

namespace slsflow {

namespace {

constexpr char kStateFolder[] = ".slsflow";

bool IsSafeNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool IsSafeName(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && std::all_of(s.begin(), s.end(), IsSafeNameChar);
}

// A name that is safe as is stays readable; any other gets its unsafe
// characters replaced and a hash of the original, so two names never meet.
std::string SafeName(const std::string& s) {
  if (IsSafeName(s) && s.size() <= 96) return s;
  std::string out;
  for (char c : s) out.push_back(IsSafeNameChar(c) ? c : '_');
  if (out.size() > 80) out.resize(80);
  return out + "-" + HexLower(Sha256(s)).substr(0, 8);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The part of the template after its fixed folder.
std::string Remainder(const std::string& tmpl, const std::string& fixed) {
  if (fixed == "." && tmpl.rfind("./", 0) != 0) return tmpl;
  if (fixed == "/") return tmpl.substr(1);
  return tmpl.substr(fixed.size() + 1);
}

bool HasConsumerPlaceholder(const std::string& tmpl) {
  return tmpl.find("{consumer}") != std::string::npos;
}

// A template as a pattern of literal runs and placeholders: {shard} is
// digits, every other placeholder (and each %X of a {date:FORMAT}) is one
// or more characters other than '/'.
struct PatternPart {
  enum Kind { kLiteral, kDigits, kName } kind;
  std::string text;  // kLiteral
};

std::vector<PatternPart> TemplatePattern(const std::string& tmpl) {
  std::vector<PatternPart> parts;
  auto literal = [&](char c) {
    if (parts.empty() || parts.back().kind != PatternPart::kLiteral) parts.push_back({PatternPart::kLiteral, ""});
    parts.back().text.push_back(c);
  };
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      literal(tmpl[i]);
      continue;
    }
    size_t end = tmpl.find('}', i);
    if (end == std::string::npos) return {};
    std::string name = tmpl.substr(i + 1, end - i - 1);
    if (name == "shard") {
      parts.push_back({PatternPart::kDigits, ""});
    } else if (name == "date" || name.rfind("date:", 0) == 0) {
      std::string fmt = name == "date" ? "%Y-%m-%d" : name.substr(5);
      for (size_t j = 0; j < fmt.size(); ++j) {
        if (fmt[j] == '%' && j + 1 < fmt.size()) {
          parts.push_back({PatternPart::kName, ""});
          ++j;
        } else {
          literal(fmt[j]);
        }
      }
    } else {
      parts.push_back({PatternPart::kName, ""});
    }
    i = end;
  }
  return parts;
}

bool Matches(const std::vector<PatternPart>& parts, size_t at, std::string_view s) {
  if (at == parts.size()) return s.empty();
  const PatternPart& p = parts[at];
  if (p.kind == PatternPart::kLiteral)
    return s.substr(0, p.text.size()) == p.text && Matches(parts, at + 1, s.substr(p.text.size()));
  // One or more characters of the class, then the rest (shortest first).
  for (size_t n = 1; n <= s.size(); ++n) {
    const char c = s[n - 1];
    if (c == '/' || (p.kind == PatternPart::kDigits && (c < '0' || c > '9'))) return false;
    if (Matches(parts, at + 1, s.substr(n))) return true;
  }
  return false;
}

// "dir/app-0.3.jsonl" -> "dir/app-0.jsonl" (a rotated segment, SegmentPath);
// "" when the name carries no segment number.
std::string WithoutSegment(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t base = slash == std::string::npos ? 0 : slash + 1;
  size_t ext = path.find_last_of('.');
  if (ext == std::string::npos || ext < base) return std::string();
  // Either NAME.K.EXT or NAME.K (no extension).
  for (size_t num_end : {ext, path.size()}) {
    size_t dot = path.find_last_of('.', num_end - 1);
    if (dot == std::string::npos || dot < base || dot + 1 >= num_end) continue;
    bool digits = true;
    for (size_t i = dot + 1; i < num_end; ++i) digits &= path[i] >= '0' && path[i] <= '9';
    if (digits) return path.substr(0, dot) + path.substr(num_end);
  }
  return std::string();
}

}  // namespace

std::string DirectoryTemplate(const std::string& dir, const std::string& extension, bool per_consumer) {
  std::string d = dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  return d + (per_consumer ? "/{logstore}-{shard}-{consumer}." : "/{logstore}-{shard}.") + extension;
}

std::string FixedFolder(const std::string& tmpl) {
  size_t brace = tmpl.find('{');
  std::string head = brace == std::string::npos ? tmpl : tmpl.substr(0, brace);
  size_t slash = head.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return head.substr(0, slash);
}

std::string WithConsumer(const std::string& tmpl, const std::string& consumer) {
  std::string out = tmpl;
  for (size_t at = out.find("{consumer}"); at != std::string::npos; at = out.find("{consumer}", at)) {
    out.replace(at, 10, consumer);
    at += consumer.size();
  }
  return out;
}

std::string StateFileName(const std::string& label, const std::string& consumer) {
  return SafeName(label) + (consumer.empty() ? "" : "@" + SafeName(consumer)) + ".state";
}

namespace {

// The label and the folder of the state that an output keeps.
struct OutputLabel {
  std::string folder;  // <fixed folder>/.slsflow
  std::string label;
  bool per_consumer = false;
};

OutputLabel LabelFor(const DestinationFlags& f, const std::string& tmpl) {
  OutputLabel l;
  if (f.output.empty()) {
    l.folder = DirName(f.stdout_path) + "/" + kStateFolder;
    l.label = "stdout." + BaseName(f.stdout_path);
    return l;
  }
  if (f.output_is_dir) {
    std::string d = f.output;
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    l.folder = d + "/" + kStateFolder;
    l.label = "dir";
    l.per_consumer = !f.consumer.empty();
    return l;
  }
  const std::string fixed = FixedFolder(tmpl);
  const std::string rest = Remainder(tmpl, fixed);
  l.folder = (fixed == "/" ? std::string() : fixed) + "/" + kStateFolder;
  l.label = (IsSafeName(rest) ? "file." : "template.") + rest;
  l.per_consumer = !f.consumer.empty() && HasConsumerPlaceholder(tmpl);
  return l;
}

}  // namespace

Result<Destination> ResolveDestination(const DestinationFlags& f) {
  Destination d;
  if (f.output.empty() && !f.stdout_is_file) {
    d.kind = OutputKind::kStream;
    d.state_path = f.state;  // --name is resolved by the caller, which knows the identity
    d.shown = f.state.empty() ? std::string() : "state " + f.state;
    return d;
  }
  std::string tmpl;
  if (f.output.empty()) {
    if (f.stdout_path.empty() || f.stdout_path[0] != '/')
      return Status::Config("stdout is a regular file, but its path cannot be found (/proc/self/fd/1); use -o FILE");
    d.kind = OutputKind::kStdoutFile;
    d.shown = f.stdout_path;
  } else {
    d.kind = OutputKind::kFiles;
    tmpl = f.output_is_dir ? DirectoryTemplate(f.output, f.extension, !f.consumer.empty()) : f.output;
    d.shown = f.output;
  }
  const OutputLabel l = LabelFor(f, tmpl);
  const std::string consumer = l.per_consumer ? f.consumer : std::string();
  d.path_template = WithConsumer(tmpl, f.consumer);
  if (f.output_is_stream) {
    d.state_path = f.state;
    return d;
  }
  d.output_state_dir = l.folder;
  d.output_lock_path = l.folder + "/" + StateFileName(l.label, consumer) + ".lock";
  d.state_path = !f.state.empty() ? f.state : l.folder + "/" + StateFileName(l.label, consumer);
  return d;
}

std::string AdoptConsumer(Env* env, const DestinationFlags& flags, const std::string& group) {
  if (flags.output.empty() && !flags.stdout_is_file) return std::string();
  DestinationFlags probe = flags;
  probe.consumer = "x";  // any name: only whether the files are per consumer matters here
  const std::string tmpl = flags.output.empty()  ? std::string()
                           : flags.output_is_dir ? DirectoryTemplate(flags.output, flags.extension, true)
                                                 : flags.output;
  const OutputLabel l = LabelFor(probe, tmpl);
  std::vector<std::string> candidates;
  if (!l.per_consumer) {
    candidates.push_back(l.folder + "/" + StateFileName(l.label, ""));
  } else {
    const std::string prefix = SafeName(l.label) + "@";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(l.folder, ec)) {
      const std::string n = e.path().filename().string();
      if (n.rfind(prefix, 0) == 0 && n.size() > 6 && n.compare(n.size() - 6, 6, ".state") == 0)
        candidates.push_back(e.path().string());
    }
    std::sort(candidates.begin(), candidates.end());
  }
  for (const auto& path : candidates) {
    if (!env->FileExists(path)) continue;
    auto lock = env->LockFile(path + ".lock");
    if (!lock.ok()) continue;  // a running member: not ours to take
    std::string bytes;
    if (!env->ReadFile(path, &bytes).ok()) continue;
    auto st = DecodeConsumeState(bytes, path);
    if (st.ok() && st->group == group && !st->consumer.empty()) return st->consumer;
  }
  return std::string();
}

std::vector<std::string> FilesMatchingTemplate(const std::string& tmpl) {
  std::vector<std::string> out;
  const std::vector<PatternPart> pattern = TemplatePattern(tmpl);
  if (pattern.empty()) return out;
  const std::string root = FixedFolder(tmpl);
  std::error_code ec;
  std::filesystem::recursive_directory_iterator it(root, ec), end;
  size_t seen = 0;
  for (; !ec && it != end && seen < 1000000; it.increment(ec), ++seen) {
    if (it->path().filename() == kStateFolder) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    std::string p = it->path().string();
    if (root == "." && tmpl.rfind("./", 0) != 0 && p.rfind("./", 0) == 0) p = p.substr(2);
    const std::string unsegmented = WithoutSegment(p);
    if (Matches(pattern, 0, p) || (!unsegmented.empty() && Matches(pattern, 0, unsegmented))) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace slsflow
