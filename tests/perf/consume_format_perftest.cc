// Micro-benchmark of the consume formatters (not a unit test: no pass/fail,
// speed targets live here). Prints MB/s of LogGroup protobuf bytes (what
// PullLogs decompresses to, the "raw" size of the target), MB/s of
// output, and logs/s, for each format over a few corpora.
//
//   consume_format_perftest [seconds-per-case, default 1] [format] [corpus]
//   consume_format_perftest --ceiling FILE FIELD [seconds, default 2]
//     the one-core ceiling of `slsflow consume` on FILE, a LogGroupList as
//     PullLogs returns it once decompressed: lz4-decompress, decode and
//     format it as jsonl and as raw (--field FIELD), on one thread with
//     nothing between the steps, in MB of LogGroups per CPU-second. No HTTP,
//     no writes, no threads: what the real binary spends above it is theirs.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/consume/format.h"
#include "core/sls/codec.h"
#include "core/sls/loggroup_view.h"
#include "sls.pb.h"

namespace {

using slsflow::FormatOptions;
using slsflow::Formatter;

struct Corpus {
  const char* name;
  std::vector<sls::LogGroup> groups;
  std::unique_ptr<std::string> list_bytes;          // the groups as one LogGroupList (stays put)
  std::unique_ptr<slsflow::LogGroupListView> view;  // decoded from list_bytes
  size_t proto_bytes = 0;
  size_t logs = 0;
};

void AddContent(sls::Log* log, const std::string& k, const std::string& v) {
  auto* kv = log->add_contents();
  kv->set_key(k);
  kv->set_value(v);
}

Corpus MakeCorpus(const char* name, int kind) {
  Corpus c;
  c.name = name;
  std::mt19937 rng(1);
  static const char* kPaths[] = {"/api/v1/orders", "/static/app.js", "/healthz", "/login?next=%2F"};
  static const char* kAgents[] = {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0",
                                  "curl/8.5.0", "python-requests/2.31.0"};
  for (int gi = 0; gi < 256; ++gi) {
    sls::LogGroup g;
    g.set_topic("nginx");
    g.set_source("10.0.0." + std::to_string(gi % 200));
    auto* tag = g.add_logtags();
    tag->set_key("__hostname__");
    tag->set_value("web-" + std::to_string(gi % 7));
    for (int li = 0; li < 64; ++li) {
      sls::Log* log = g.add_logs();
      log->set_time(1795610096 + gi);
      if (kind == 0) {  // nginx access log, ASCII
        AddContent(log, "remote_addr", "192.168." + std::to_string(rng() % 255) + "." + std::to_string(rng() % 255));
        AddContent(log, "method", "GET");
        AddContent(log, "request_uri", kPaths[rng() % 4]);
        AddContent(log, "status", std::to_string(200 + rng() % 300));
        AddContent(log, "body_bytes_sent", std::to_string(rng() % 100000));
        AddContent(log, "request_time", "0.0" + std::to_string(rng() % 100));
        AddContent(log, "http_user_agent", kAgents[rng() % 3]);
        AddContent(log, "http_referer", "https://example.com/shop/item/" + std::to_string(rng()));
      } else if (kind == 1) {  // application log with JSON-ish message (escapes)
        AddContent(log, "level", "INFO");
        AddContent(log, "logger", "com.example.OrderService");
        AddContent(log, "message",
                   "{\"order\":" + std::to_string(rng()) +
                       ",\"items\":[\"a\",\"b\"],\"note\":\"line1\\nline2\"}\n\tat Foo.bar(Foo.java:42)");
      } else {  // CJK text
        AddContent(log, "level", "WARN");
        AddContent(log, "message",
                   "用户登录失败，原因：密码错误，请检查账号配置。订单号 " + std::to_string(rng()) +
                       " 已进入重试队列，请稍后再试。");
      }
    }
    c.proto_bytes += g.ByteSizeLong();
    c.logs += static_cast<size_t>(g.logs_size());
    c.groups.push_back(std::move(g));
  }
  sls::LogGroupList list;
  for (const sls::LogGroup& g : c.groups) *list.add_loggroups() = g;
  c.list_bytes = std::make_unique<std::string>(list.SerializeAsString());
  c.view = std::make_unique<slsflow::LogGroupListView>();
  if (!c.view->Parse(*c.list_bytes).ok()) std::abort();
  return c;
}

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

const char* g_only_format = nullptr;
const char* g_only_corpus = nullptr;

void Run(const Corpus& corpus, const FormatOptions& options, double seconds) {
  if (g_only_format != nullptr && options.format != g_only_format) return;
  if (g_only_corpus != nullptr && std::string(corpus.name) != g_only_corpus) return;
  auto f = Formatter::Create(options);
  if (!f.ok()) {
    std::fprintf(stderr, "%s\n", f.status().ToString().c_str());
    std::exit(1);
  }
  std::string out;
  out.reserve(1 << 20);
  slsflow::RecordMeta meta{"app", 0, ""};
  size_t proto = 0, produced = 0, logs = 0;
  // CPU time of this process, not wall time: the benchmark shares its
  // machine, and the target is stated per core.
  const double start = CpuSeconds();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (const slsflow::LogGroupView& g : corpus.view->loggroups()) {
      for (int i = 0; i < g.logs_size(); ++i) (*f)->FormatLog(g, i, meta, &out);
      produced += out.size();
      out.clear();  // the sink would write it; capacity is kept, as in consume
    }
    proto += corpus.proto_bytes;
    logs += corpus.logs;
    elapsed = CpuSeconds() - start;
  }
  const char* binary = options.binary == FormatOptions::Binary::kReplace ? "" : "+b64";
  std::printf("%-10s %-8s%-5s %8.1f MB/s in  %8.1f MB/s out  %6.2f M logs/s\n", corpus.name,
              options.format == "template" ? "tmpl" : options.format.c_str(), binary, proto / elapsed / 1e6,
              produced / elapsed / 1e6, logs / elapsed / 1e6);
}

// PullLogs' decoded body is a LogGroupList: decode it in place and format
// every log, as the consume engine does, to show the share of the decoder.
void RunDecodeAndFormat(const Corpus& corpus, const char* format, double seconds) {
  if (g_only_format != nullptr && std::string(format) != g_only_format) return;
  if (g_only_corpus != nullptr && std::string(corpus.name) != g_only_corpus) return;
  const std::string& body = *corpus.list_bytes;
  FormatOptions o;
  o.format = format;
  o.raw_field = corpus.groups[0].logs(0).contents(0).key();
  auto f = Formatter::Create(o);
  std::string out;
  out.reserve(1 << 20);
  slsflow::RecordMeta meta{"app", 0, ""};
  slsflow::LogGroupListView parsed;
  size_t bytes = 0, logs = 0;
  const double start = CpuSeconds();
  double elapsed = 0;
  while (elapsed < seconds) {
    if (!parsed.Parse(body).ok()) std::abort();
    for (const slsflow::LogGroupView& g : parsed.loggroups()) {
      for (int i = 0; i < g.logs_size(); ++i) (*f)->FormatLog(g, i, meta, &out);
      out.clear();
    }
    bytes += body.size();
    logs += corpus.logs;
    elapsed = CpuSeconds() - start;
  }
  std::printf("%-10s %-13s %8.1f MB/s in (in-place decode + format)  %6.2f M logs/s\n", corpus.name,
              (std::string("decode+") + format).c_str(), bytes / elapsed / 1e6, logs / elapsed / 1e6);
}

int Ceiling(const char* path, const char* field, double seconds) {
  std::FILE* file = std::fopen(path, "rb");
  if (file == nullptr) {
    std::perror(path);
    return 1;
  }
  std::string raw;
  char buf[1 << 16];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, file)) > 0;) raw.append(buf, n);
  std::fclose(file);
  std::string compressed, body;
  if (!slsflow::Compress(slsflow::CompressType::kLz4, raw, &compressed).ok()) std::abort();
  for (const char* format : {"jsonl", "raw"}) {
    FormatOptions o;
    o.format = format;
    o.raw_field = field;
    auto f = Formatter::Create(o);
    if (!f.ok()) std::abort();
    std::string out;
    out.reserve(1 << 20);
    slsflow::RecordMeta meta{"app", 0, ""};
    slsflow::LogGroupListView parsed;
    size_t bytes = 0;
    const double start = CpuSeconds();
    double elapsed = 0;
    while (elapsed < seconds) {
      if (!slsflow::Decompress(slsflow::CompressType::kLz4, compressed, raw.size(), &body).ok()) std::abort();
      if (!parsed.Parse(body).ok()) std::abort();
      for (const slsflow::LogGroupView& g : parsed.loggroups()) {
        for (int i = 0; i < g.logs_size(); ++i) (*f)->FormatLog(g, i, meta, &out);
        out.clear();  // the sink would write it
      }
      bytes += body.size();
      elapsed = CpuSeconds() - start;
    }
    std::printf("ceiling %-5s %.1f MB/CPU-s (lz4+decode+format, one thread, %.1f MB LogGroupList)\n", format,
                bytes / 1e6 / elapsed, raw.size() / 1e6);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--ceiling") {
    if (argc < 4) {
      std::fprintf(stderr, "usage: consume_format_perftest --ceiling FILE FIELD [seconds]\n");
      return 2;
    }
    return Ceiling(argv[2], argv[3], argc > 4 ? std::atof(argv[4]) : 2.0);
  }
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  if (argc > 2) g_only_format = argv[2];
  if (argc > 3) g_only_corpus = argv[3];
  std::vector<Corpus> corpora;
  corpora.push_back(MakeCorpus("nginx", 0));
  corpora.push_back(MakeCorpus("app-json", 1));
  corpora.push_back(MakeCorpus("cjk", 2));
  for (const Corpus& c : corpora) {
    FormatOptions jsonl;
    Run(c, jsonl, seconds);
    FormatOptions b64;
    b64.binary = FormatOptions::Binary::kBase64;
    b64.format = "jsonl";
    Run(c, b64, seconds);
    FormatOptions raw;
    raw.format = "raw";
    raw.raw_field = c.groups[0].logs(0).contents(0).key();
    Run(c, raw, seconds);
    FormatOptions csv;
    csv.format = "csv";
    csv.fields = {"__time__", c.groups[0].logs(0).contents(0).key(), "message", "status"};
    Run(c, csv, seconds);
    FormatOptions tmpl;
    tmpl.format = "template";
    tmpl.tmpl = "{__time__:iso} {level} {message}";
    Run(c, tmpl, seconds);
    FormatOptions pretty;
    pretty.format = "pretty";
    Run(c, pretty, seconds);
    RunDecodeAndFormat(c, "jsonl", seconds);
    RunDecodeAndFormat(c, "raw", seconds);
  }
  return 0;
}
