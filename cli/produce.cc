// `slsflow produce`: flags -> ProduceOptions, the early logstore check,
// signals, the summary and the exit code. The engine is core/produce/engine.
#include <fcntl.h>
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/settings.h"
#include "cli/stop_signals.h"
#include "cli/values.h"
#include "core/base/notice.h"
#include "core/produce/engine.h"
#include "core/produce/record.h"

namespace slsflow::cli {

namespace {

struct ProduceFlags {
  std::string file;
  bool follow = false;
  std::string state;
  std::string input = "line";
  std::string key = "content";
  std::string regex;
  std::string on_invalid = "fail";
  std::string topic;
  std::string source;
  std::vector<std::string> tags;
  std::string hash_key;
  std::string hash_field;
  int buckets = 64;
  std::string compress = "lz4";
  int parallel = 4;
  bool ordered = false;
  int retries = 10;
  int64_t linger_us = 200000;
  uint64_t buffer = 32u << 20;
  uint64_t max_batch_bytes = 512u << 10;
  int max_batch_logs = 4096;
  int64_t flush_timeout_us = 30000000;
  std::string dead_letter;
  bool stats = false;
  bool no_check = false;
};

Result<ProduceOptions> BuildOptions(const ProduceFlags& f, const Settings& settings) {
  ProduceOptions o;
  o.project = settings.project;
  o.reader.path = f.file;
  o.reader.follow = f.follow;
  if (f.follow && (f.file.empty() || f.file == "-")) return Status::Usage("--follow needs --file PATH");
  o.state_file = f.state;
  o.parser.input = f.input;
  o.parser.key = f.key;
  o.parser.regex = f.regex;
  if (!f.regex.empty() && f.input == "line") o.parser.input = "regex";
  if (o.parser.input == "line") {
    if (std::string problem = ContentKeyProblem(f.key); !problem.empty())
      return Status::Usage("--key: " + problem + "; choose another --key");
  }
  if (f.follow && f.input == "csv")
    return Status::Usage("--follow cannot read csv: a restart resuming mid-file would have no header line");
  auto oi = ParseOnInvalid(f.on_invalid);
  if (!oi.ok()) return oi.status();
  o.on_invalid = *oi;
  o.batcher.defaults.topic = f.topic;
  o.batcher.defaults.source = f.source;
  if (f.topic.size() > kMaxMetaBytes || f.source.size() > kMaxMetaBytes)
    return Status::Usage("--topic and --source are limited to 128 bytes by SLS");
  for (const auto& t : f.tags) {
    size_t eq = t.find('=');
    if (eq == std::string::npos || eq == 0) return Status::Usage("--tag takes KEY=VALUE, not '" + t + "'");
    o.batcher.defaults.tags.emplace_back(t.substr(0, eq), t.substr(eq + 1));
  }
  if (!f.hash_key.empty() && !f.hash_field.empty())
    return Status::Usage("--hash-key and --hash-field exclude each other");
  o.router.hash_key = f.hash_key;
  o.router.hash_field = f.hash_field;
  o.router.buckets = f.buckets;
  SLSFLOW_RETURN_IF_ERROR(CheckBuckets(f.buckets));
  auto ct = ParseCompressType(f.compress);
  if (!ct.ok()) return Status::Usage("--compress: " + ct.status().message());
  o.sender.compress = *ct;
  if (f.parallel < 1 || f.parallel > 256) return Status::Usage("--parallel must be 1..256");
  o.sender.parallel = f.parallel;
  o.sender.ordered = f.ordered;
  if (f.retries < 0) return Status::Usage("--retries must be 0 or more");
  o.sender.retries = f.retries;
  o.sender.logstore = settings.logstores.empty() ? "" : settings.logstores[0];
  // Durations and sizes were checked while parsing (cli/values.h).
  o.batcher.linger_us = f.linger_us;
  o.flush_timeout_us = f.flush_timeout_us;
  o.buffer_bytes = f.buffer;
  o.batcher.max_bytes = f.max_batch_bytes;
  if (f.max_batch_logs < 1 || f.max_batch_logs > 40960) return Status::Usage("--max-batch-logs must be 1..40960");
  o.batcher.max_logs = static_cast<uint32_t>(f.max_batch_logs);
  o.dead_letter = f.dead_letter;
  return o;
}

// A batch reserves its whole buffer (576 KB at the default batch size) up
// front, counting on untouched pages costing nothing. That holds only for a
// fresh mapping: glibc's default threshold rises to the largest block freed,
// after which the buffers come from heap memory other batches already
// touched, and 256 open routes held 83 MB at --buffer 32m. At 512 KB the
// buffers are mapped (and unmapped when freed), while curl's 256 KB upload
// buffer, allocated per request, stays on the heap: a 256 KB threshold cost
// a mmap per PutLogs. Measured: 256 routes 83 -> 59 MB, one route no
// change in CPU.
void MapBatchBuffers() {
  mallopt(M_MMAP_THRESHOLD, 512 << 10);
}

int RunCommand(const CommonFlags& common, const ProduceFlags& f) {
  SetupLogging(common);
  MapBatchBuffers();
  if ((f.file.empty() || f.file == "-") && fcntl(0, F_GETFD) < 0 && errno == EBADF) {
    // Checked before any socket exists: one would otherwise become fd 0
    // and we would read our own HTTP traffic as input.
    return ReportError(Status::Usage("stdin is closed: pipe data in, or pass --file PATH"));
  }
  auto settings = ResolveSettings(common);
  if (!settings.ok()) return ReportError(settings.status());
  if (Status s = RequireLogstores(*settings, /*one=*/true); !s.ok()) return ReportError(s);
  auto options = BuildOptions(f, *settings);
  if (!options.ok()) return ReportError(options.status());
  auto client = MakeClient(*settings);
  const std::string logstore = settings->logstores[0];
  if (!f.no_check) {
    // Fail before reading stdin: a typo in the logstore or the key must not
    // cost a whole pipe's worth of data.
    // Transient failures (5xx, resets) get a few quick retries; a 4xx is final.
    constexpr int kAttempts = 6;
    Result<LogStoreInfo> info = Status::Internal("not checked");
    for (int attempt = 1; attempt <= kAttempts; ++attempt) {
      info = client->GetLogStore(logstore);
      if (info.ok() || info.status().retry() == RetryClass::kNever || attempt == kAttempts) break;
      if (info.status().kind() == ErrorKind::kUnreachable) NoticeRetry(info.status(), attempt, kAttempts - 1);
      Env::Default()->SleepMicros(100000ll << (attempt - 1));
    }
    if (!info.ok()) return ReportError(info.status().WithContext("checking logstore '" + logstore + "'"));
  }
  if (f.follow && !Env::Default()->FileExists(f.file)) Notice("waiting for " + f.file + " to appear");
  const std::atomic<int>* interrupts = InstallStopSignals(SecondStop::kCounts);

  SlsClient* c = client.get();
  PutFn put = [c](const PutRequest& req) { return c->PutLogs(req); };
  ProduceResult r = RunProduce(*options, put, Env::Default(), interrupts);

  if (!r.status.ok()) ReportError(r.status);
  if (f.stats) std::fprintf(stderr, "slsflow: produce: %s\n", FormatProduceStats(r).c_str());
  // Trouble is summed up at exit even without --stats: retries that -v
  // showed one by one, and logs that did not arrive.
  if (r.undelivered() > 0 || (r.retries > 0 && !common.quiet))
    std::fprintf(stderr, "slsflow: produce: %s\n", FormatProduceSummary(r).c_str());
  if (r.skipped > 0)
    std::fprintf(stderr, "slsflow: %llu invalid line(s) skipped\n", static_cast<unsigned long long>(r.skipped));
  if (r.undelivered() > 0) {
    std::string where =
        options->dead_letter.empty()
            ? "pass --dead-letter FILE to keep them"
            : (r.dead_letter_error.empty() ? "written to " + options->dead_letter
                                           : "writing " + options->dead_letter + " FAILED: " + r.dead_letter_error);
    std::fprintf(stderr, "slsflow: %llu of %llu logs were NOT delivered (%s)\n",
                 static_cast<unsigned long long>(r.undelivered()), static_cast<unsigned long long>(r.logs),
                 where.c_str());
    if (r.refused > 0)
      std::fprintf(stderr,
                   "slsflow: %llu of them broke an SLS limit (the warnings above, or the reason in the "
                   "dead-letter file, say which)\n",
                   static_cast<unsigned long long>(r.refused));
    if (r.unconfirmed > 0)
      std::fprintf(stderr,
                   "slsflow: %llu of them were still in flight when the flush was abandoned; "
                   "they may have arrived\n",
                   static_cast<unsigned long long>(r.unconfirmed));
    for (const auto& e : r.send_errors) std::fprintf(stderr, "slsflow:   %s\n", e.c_str());
  }
  if (r.auth_failed)
    std::fprintf(stderr, "slsflow: the server refused our credentials: check the access key id and secret\n");
  std::fflush(stderr);
  int code = r.ExitCode();
  if (r.threads_detached) {
    // Requests abandoned on the wire still run on worker threads; leave
    // without waiting for them.
    std::fflush(stdout);
    std::_Exit(code);
  }
  return code;
}

}  // namespace

void RegisterProduceCommand(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand("produce", "send stdin or a file to a logstore (batched, compressed, retried)");
  cmd->footer(
      "Examples:\n"
      "  tail -F app.log | slsflow produce -p web -l app\n"
      "  slsflow produce -p web -l app --file /var/log/app.log --follow --dead-letter failed.jsonl\n"
      "  slsflow produce -p web -l app --input jsonl --hash-field user_id < events.jsonl\n"
      "  slsflow consume -p web -l app --from begin -e | slsflow produce -p web -l app-copy --input jsonl\n"
      "See slsflow-produce(1).");
  auto common = std::make_shared<CommonFlags>();
  auto f = std::make_shared<ProduceFlags>();
  AddCommonFlags(cmd, common.get(), LogstoreArity::kOne);
  cmd->add_option("--file", f->file, "read this file instead of stdin")->type_name("FILE");
  // -F as in tail -F, the habit it follows (consume has no -F).
  cmd->add_flag("-F,--follow", f->follow, "with --file: keep reading as it grows, across rotation (like tail -F)");
  cmd->add_option("--state", f->state, "--follow position file (default ~/.local/state/slsflow/produce-<id>.state)")
      ->type_name("FILE");
  cmd->add_option("--input", f->input, "line (default), jsonl, regex or csv")
      ->check(OneOf({"line", "jsonl", "json", "regex", "csv"}));
  cmd->add_option("--key", f->key, "line mode: the content key (default content)")->type_name("KEY");
  cmd->add_option("--regex", f->regex, "regex mode: a pattern with named groups, e.g. '(?P<ip>\\S+) (?P<rest>.*)'")
      ->type_name("REGEX");
  cmd->add_option("--on-invalid", f->on_invalid, "fail (default), skip-with-warning or raw")
      ->check(OneOf({"fail", "skip-with-warning", "raw"}));
  cmd->add_option("--topic", f->topic, "topic of every batch");
  cmd->add_option("--source", f->source, "source of every batch");
  cmd->add_option("--tag", f->tags, "KEY=VALUE tag on every batch (repeatable)");
  cmd->add_option("--hash-key", f->hash_key, "route every log with this shard hash key");
  cmd->add_option("--hash-field", f->hash_field, "route each log by the value of this key");
  cmd->add_option("--buckets", f->buckets, "hash-key buckets (power of two; 0 = full MD5; default 64)");
  cmd->add_option("--compress", f->compress, "lz4 (default), zstd, deflate or none")
      ->check(OneOf({"lz4", "zstd", "deflate", "none"}));
  cmd->add_option("--parallel", f->parallel, "requests in flight (default 4)");
  cmd->add_flag("--ordered", f->ordered, "keep order per route: one batch in flight per route");
  cmd->add_option("--retries", f->retries, "retries per batch (default 10; 0: each batch is sent once)");
  cmd->add_option("--linger", f->linger_us,
                  "send a batch at most this long after its first log (default 200ms; a bare number is seconds)")
      ->transform(DurationValue(BareNumber::kSeconds));
  cmd->add_option("--buffer", f->buffer, "memory for unsent data, at least 1m; reading pauses when full (default 32m)")
      ->transform(SizeValue(1u << 20));
  cmd->add_option("--max-batch-bytes", f->max_batch_bytes, "batch size threshold, 1k..5m (default 512k)")
      ->transform(SizeValue(1024, kMaxLogGroupBytes));
  cmd->add_option("--max-batch-logs", f->max_batch_logs, "batch log-count threshold (default 4096)");
  cmd->add_option("--flush-timeout", f->flush_timeout_us,
                  "at the end, wait at most this long for delivery (default 30s; a bare number is seconds)")
      ->transform(DurationValue(BareNumber::kSeconds));
  cmd->add_option("--dead-letter", f->dead_letter, "write undelivered logs here as replayable jsonl")
      ->type_name("FILE");
  cmd->add_flag("--stats", f->stats, "print counts, bytes, requests, retries and duration on stderr");
  cmd->add_flag("--no-check", f->no_check, "skip the start-up GetLogStore check");
  cmd->callback([common, f, exit_code] { *exit_code = RunCommand(*common, *f); });
}

}  // namespace slsflow::cli
