// `slsflow consume`: flags -> ConsumeOptions, sink and state selection,
// signals, progress and the exit code. The engine is core/consume/engine.
#include <signal.h>
#include <sys/stat.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/consume/engine.h"
#include "core/consume/group.h"
#include "core/sls/shard_set.h"

namespace slsflow::cli {

namespace {

std::atomic<bool> g_stop{false};

void OnStopSignal(int) {
  g_stop.store(true);
  // A second ^C ends us at once.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
}

struct ConsumeFlags {
  std::string group;
  std::string consumer;
  std::string heartbeat_interval = "20s";
  int group_timeout = 60;
  bool in_order = false;
  std::string sync_group;
  std::string from;
  std::string from_fallback = "begin";
  std::string to;
  bool exit_at_end = false;
  int64_t count = 0;
  std::string idle_exit;
  int64_t last = 0;
  std::string fetch_interval;
  int max_per_fetch = 0;
  std::string discovery_interval;
  std::string shards;
  std::string query;
  std::string format;
  std::string field;
  std::string tmpl;
  std::vector<std::string> fields;
  std::string binary = "replace";
  std::vector<std::string> greps;
  std::vector<std::string> wheres;
  bool ordered = false;
  std::string window = "2s";
  bool stats = false;
  bool no_progress = false;
  bool with_shard = false;
  bool with_cursor = false;
  std::string state;
  std::string name;
  bool reset = false;
  std::string commit_interval;
  std::string delivery = "at-least-once";
  std::string output;
  std::string rotate_size;
  std::string rotate_interval;
};

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// A duration from the flag, else a profile key, else the default.
Result<int64_t> Duration(const std::string& flag, const char* what, const Settings& settings,
                         const char* millis_key, int64_t def_us) {
  if (!flag.empty()) {
    auto d = ParseDurationMicros(flag);
    if (!d.ok()) return Status::Usage(std::string(what) + ": " + d.status().message());
    return *d;
  }
  if (auto it = settings.extra.find(millis_key); it != settings.extra.end()) {
    char* end = nullptr;
    long long ms = std::strtoll(it->second.c_str(), &end, 10);
    if (end && *end == 0 && ms >= 0) return static_cast<int64_t>(ms) * 1000;
    return Status::Config(std::string("profile key ") + millis_key + " must be milliseconds, not '" + it->second + "'");
  }
  return def_us;
}

Result<uint64_t> ParseSize(const std::string& text) {
  if (text.empty()) return uint64_t{0};
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  std::string unit = end ? end : "";
  uint64_t mul = 1;
  if (unit == "" || unit == "B") mul = 1;
  else if (unit == "K" || unit == "KB" || unit == "KiB") mul = 1ull << 10;
  else if (unit == "M" || unit == "MB" || unit == "MiB") mul = 1ull << 20;
  else if (unit == "G" || unit == "GB" || unit == "GiB") mul = 1ull << 30;
  else return Status::Usage("--rotate-size '" + text + "': expected a size such as 100M");
  if (end == text.c_str() || v == 0) return Status::Usage("--rotate-size '" + text + "': expected a size such as 100M");
  return static_cast<uint64_t>(v) * mul;
}

std::string Extension(const std::string& format) {
  if (format == "jsonl" || format == "csv" || format == "tsv") return format;
  return "log";
}

void DrawProgress(const ConsumeProgress& p, int64_t from, int64_t to) {
  double frac = 0;
  if (p.shards > 0 && p.shards == p.shards_finished) {
    frac = 1;
  } else if (to > from && p.low_watermark_unix > 0) {
    frac = std::clamp(double(p.low_watermark_unix - from) / double(to - from), 0.0, 1.0);
  } else if (p.shards > 0) {
    frac = double(p.shards_finished) / p.shards;
  }
  const double secs = std::max(1e-3, p.elapsed_us / 1e6);
  const double rate = p.logs / secs;
  char eta[32] = "--:--";
  if (frac > 0.01 && frac < 1) {
    int64_t left = static_cast<int64_t>(secs * (1 - frac) / frac);
    std::snprintf(eta, sizeof eta, "%02lld:%02lld:%02lld", (long long)(left / 3600), (long long)(left / 60 % 60),
                  (long long)(left % 60));
  }
  const int width = 30;
  int filled = static_cast<int>(frac * width);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(width - filled), ' ');
  std::fprintf(stderr, "\r[%s] %3d%%  %lld logs  %.0f logs/s  ETA %s  shards %d/%d ", bar.c_str(),
               static_cast<int>(frac * 100), static_cast<long long>(p.logs), rate, eta, p.shards_finished, p.shards);
  std::fflush(stderr);
}

void PrintStats(const ConsumeStats& s) {
  const double secs = std::max(1e-6, s.elapsed_us / 1e6);
  std::string line = "consumed " + std::to_string(s.logs) + " logs (" + std::to_string(s.scanned) + " read), " +
                     std::to_string(s.bytes) + " bytes in ";
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.3f s (%.0f logs/s, %.1f MB/s out, %.1f MB/s pulled)", secs, s.logs / secs,
                s.bytes / secs / 1e6, s.raw_bytes / secs / 1e6);
  line += buf;
  for (const auto& [key, st] : s.shards)
    line += "; " + key.first + "/" + std::to_string(key.second) + ": " + std::to_string(st.logs) + " logs " +
            std::to_string(st.bytes) + " bytes";
  std::fprintf(stderr, "%s\n", line.c_str());
}

int Run(const CommonFlags& common, const ConsumeFlags& f) {
  SetupLogging(common);
  Env* env = Env::Default();
  const int64_t now = env->NowMicros() / 1000000;

  // Flags first: a usage error must not need the network or the state.
  ConsumeOptions o;
  const std::string from_text = !f.from.empty() ? f.from : (!f.to.empty() ? "begin" : "end");
  auto from = ParseTimeSpec(from_text, now);
  if (!from.ok()) return ReportError(from.status().WithContext("--from"));
  o.from = *from;
  auto fallback = ParseTimeSpec(f.from_fallback, now);
  if (!fallback.ok() || fallback->kind == TimeSpec::kCheckpoint)
    return ReportError(Status::Usage("--from-fallback '" + f.from_fallback + "': expected begin, end or a time"));
  o.from_fallback = *fallback;
  if (o.from.kind == TimeSpec::kCheckpoint)
    return ReportError(Status::Usage("--from checkpoint needs a consumer group (--group), which this build does not support yet"));
  if (!f.to.empty()) {
    auto to = ParseTimeSpec(f.to, now);
    if (!to.ok()) return ReportError(to.status().WithContext("--to"));
    if (to->kind == TimeSpec::kBegin || to->kind == TimeSpec::kCheckpoint)
      return ReportError(Status::Usage("--to '" + f.to + "': expected end, now or a time"));
    // A bound in the future cannot be resolved to a cursor yet: SLS
    // answers "end" for it, so it means "what is there now".
    o.to_unix = to->kind == TimeSpec::kEnd ? now : std::min<int64_t>(to->unix_seconds, now);
    if (o.from.kind == TimeSpec::kUnix && o.from.unix_seconds > *o.to_unix)
      return ReportError(Status::Usage("--from is after --to"));
  }
  if (f.max_per_fetch != 0 && (f.max_per_fetch < 1 || f.max_per_fetch > 1000))
    return ReportError(Status::Usage("--max-per-fetch must be within 1..1000"));
  if (f.count < 0 || f.last < 0) return ReportError(Status::Usage("--count and --last must not be negative"));
  if (f.delivery != "at-least-once" && f.delivery != "at-most-once")
    return ReportError(Status::Usage("--delivery must be at-least-once or at-most-once"));
  std::vector<int> selection;
  if (!f.shards.empty()) {
    auto sel = ParseShardSet(f.shards);
    if (!sel.ok()) return ReportError(sel.status());
    selection = *sel;
  }

  FormatOptions fo;
  fo.format = !f.format.empty() ? f.format : !f.tmpl.empty() ? "template" : !f.field.empty() ? "raw"
                                          : (isatty(STDOUT_FILENO) && f.output.empty() ? "pretty" : "jsonl");
  if (!f.field.empty()) fo.raw_field = f.field;
  fo.tmpl = f.tmpl;
  fo.fields = f.fields;
  fo.with_shard = f.with_shard;
  fo.with_cursor = f.with_cursor;
  fo.color = fo.format == "pretty" && f.output.empty() && UseColor(common, /*for_stdout=*/true);
  auto binary = ParseBinaryMode(f.binary);
  if (!binary.ok()) return ReportError(binary.status());
  fo.binary = *binary;
  auto formatter = Formatter::Create(fo);
  if (!formatter.ok()) return ReportError(formatter.status());
  auto filter = LogFilter::Create(f.greps, f.wheres);
  if (!filter.ok()) return ReportError(filter.status());
  auto rotate_bytes = ParseSize(f.rotate_size);
  if (!rotate_bytes.ok()) return ReportError(rotate_bytes.status());
  int64_t rotate_interval = 0;
  if (!f.rotate_interval.empty()) {
    auto d = ParseDurationMicros(f.rotate_interval);
    if (!d.ok() || *d <= 0) return ReportError(Status::Usage("--rotate-interval: expected a duration such as 1h"));
    rotate_interval = *d;
  }
  if ((*rotate_bytes || rotate_interval) && f.output.empty())
    return ReportError(Status::Usage("--rotate-size/--rotate-interval need -o"));

  auto settings = ResolveSettings(common, env);
  if (!settings.ok()) return ReportError(settings.status());
  if (settings->logstores.empty()) return ReportError(Status::Usage("no logstore: pass -l/--logstore"));
  // The Flink connector's start position, from a profile, when no --from.
  if (auto it = settings->extra.find("CONSUMER_BEGIN_POSITION"); it != settings->extra.end() && f.from.empty()) {
    const std::string& v = it->second;
    std::string text = v == "begin_cursor" ? "begin" : v == "end_cursor" ? "end" : v;
    auto spec = ParseTimeSpec(text, now);
    if (!spec.ok())
      return ReportError(Status::Config("CONSUMER_BEGIN_POSITION '" + v + "' in profile '" + settings->profile +
                                        "': expected begin_cursor, end_cursor or unix seconds"));
    o.from = *spec;
  }
  o.project = settings->project;
  o.endpoint = settings->endpoint.ToString();
  o.logstores = settings->logstores;
  auto fetch = Duration(f.fetch_interval, "--fetch-interval", *settings, "LOG_FETCH_DATA_INTERVAL_MILLIS", 100000);
  auto discovery = Duration(f.discovery_interval, "--discovery-interval", *settings,
                            "LOG_SHARDS_DISCOVERY_INTERVAL_MILLIS", 10000000);
  auto commit = Duration(f.commit_interval, "--commit-interval", *settings, "SLSFLOW_COMMIT_INTERVAL_MILLIS", 1000000);
  auto idle = Duration(f.idle_exit, "--idle-exit", *settings, "SLSFLOW_IDLE_EXIT_MILLIS", 0);
  auto window = Duration(f.window, "--window", *settings, "", 2000000);
  for (auto* d : {&fetch, &discovery, &commit, &idle, &window})
    if (!d->ok()) return ReportError(d->status());
  o.fetch_interval_us = *fetch;
  o.discovery_interval_us = std::max<int64_t>(*discovery, 100000);
  o.commit_interval_us = std::max<int64_t>(*commit, 1000);
  o.idle_exit_us = *idle;
  o.window_us = *window;
  o.max_per_fetch = f.max_per_fetch;
  if (o.max_per_fetch == 0) {
    o.max_per_fetch = 100;
    if (auto it = settings->extra.find("LOG_MAX_NUMBER_PER_FETCH"); it != settings->extra.end())
      o.max_per_fetch = std::clamp(std::atoi(it->second.c_str()), 1, 1000);
  }
  o.exit_at_end = f.exit_at_end;
  o.count = f.count;
  o.last_n = f.last;
  o.ordered = f.ordered;
  o.query = f.query;

  // The sink: -o, or stdout (a regular file is exactly-once like -o).
  std::unique_ptr<Sink> sink;
  const std::string header = (*formatter)->Header();
  if (!f.output.empty()) {
    FileSinkOptions so;
    struct stat st;
    const bool is_dir = f.output.back() == '/' || (::stat(f.output.c_str(), &st) == 0 && S_ISDIR(st.st_mode));
    so.path_template = is_dir ? DirectoryTemplate(f.output, Extension(fo.format)) : f.output;
    auto check = ExpandPathTemplate(so.path_template, "x", 0, now);
    if (!check.ok()) return ReportError(check.status());
    so.header = header;
    so.rotate_bytes = *rotate_bytes;
    so.rotate_interval_us = rotate_interval;
    sink = NewFileSink(env, so);
  } else if (FdIsRegularFile(STDOUT_FILENO)) {
    FileSinkOptions so;
    so.path_template = "-";
    so.header = header;
    sink = NewFileSink(env, so);
  } else {
    sink = NewStreamSink(STDOUT_FILENO, f.delivery == "at-most-once" ? Delivery::kAtMostOnce : Delivery::kAtLeastOnce,
                         header);
  }

  const std::string state_path =
      !f.state.empty() ? f.state
                       : DefaultStatePath(Getenv("XDG_STATE_HOME"), Getenv("HOME"), o.project, o.logstores,
                                          o.endpoint, f.name);
  auto store = StateStore::Open(env, state_path);
  if (!store.ok()) return ReportError(store.status());
  ConsumeState state;
  if (f.reset) {
    Status s = (*store)->Remove();
    if (!s.ok()) return ReportError(s.WithContext("--reset"));
  } else {
    auto loaded = (*store)->Load();
    if (!loaded.ok()) return ReportError(loaded.status());
    if (loaded->has_value()) {
      Status s = CheckStateIdentity(**loaded, state_path, o.project, o.endpoint, o.logstores);
      if (!s.ok()) return ReportError(s);
      state = std::move(**loaded);
    }
  }
  state.project = o.project;
  state.endpoint = o.endpoint;
  state.logstores = o.logstores;
  state.name = f.name;
  spdlog::debug("state file {}", state_path);

  const bool progress = !f.to.empty() && !f.no_progress && !common.quiet && isatty(STDERR_FILENO);
  if (progress) {
    const int64_t from_unix = o.from.kind == TimeSpec::kUnix ? o.from.unix_seconds : 0;
    const int64_t to_unix = *o.to_unix;
    o.progress = [from_unix, to_unix](const ConsumeProgress& p) { DrawProgress(p, from_unix, to_unix); };
  }
  g_stop.store(false);
  o.stop = &g_stop;
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  auto client = MakeClient(*settings);
  auto source = NewClientSource(client.get());
  if (!f.group.empty() && !f.sync_group.empty())
    return ReportError(Status::Usage("--group and --sync-group exclude each other: --group reads assigned shards, --sync-group reads all"));
  if (!f.group.empty() && !f.shards.empty())
    return ReportError(Status::Usage("--shards cannot be combined with --group: the group assigns the shards"));
  std::unique_ptr<ShardAssigner> assigner = NewAllShardsAssigner(selection);
  GroupAssigner* group = nullptr;
  if (!f.group.empty()) {
    GroupOptions go;
    go.group = f.group;
    go.consumer = f.consumer;
    go.timeout_seconds = f.group_timeout;
    go.in_order = f.in_order;
    auto beat = ParseDurationMicros(f.heartbeat_interval);
    if (!beat.ok() || *beat <= 0) return ReportError(Status::Usage("--heartbeat-interval '" + f.heartbeat_interval + "' is not a duration"));
    go.heartbeat_interval_us = *beat;
    auto g = std::make_unique<GroupAssigner>(client.get(), o.logstores, go, env);
    Status st = g->Start();
    if (!st.ok()) return ReportError(st);
    group = g.get();
    assigner = std::move(g);
  } else if (!f.sync_group.empty()) {
    auto g = std::make_unique<SyncGroupAssigner>(std::move(assigner), client.get(), f.sync_group);
    Status st = g->Start(o.logstores, f.group_timeout);
    if (!st.ok()) return ReportError(st);
    assigner = std::move(g);
  }
  if (o.from.kind == TimeSpec::kCheckpoint) {
    const std::string cg = !f.group.empty() ? f.group : f.sync_group;
    if (cg.empty()) return ReportError(Status::Usage("--from checkpoint needs --group or --sync-group"));
    SlsClient* c = client.get();
    o.checkpoint_cursor = [c, cg](const std::string& ls, int shard) -> Result<std::string> {
      auto cps = c->GetCheckpoints(ls, cg, shard);
      if (!cps.ok()) return cps.status();
      for (auto& cp : *cps)
        if (cp.shard == shard) return cp.checkpoint;
      return std::string();
    };
  }
  auto result = RunConsume(o, source.get(), assigner.get(), store->get(), std::move(state), sink.get(),
                           formatter->get(), &*filter, env);
  // After the final commit pushed the last checkpoints: stop heartbeating.
  if (group) group->Stop();
  if (progress) std::fprintf(stderr, "\n");
  if (!result.ok()) {
    if (f.stats) std::fprintf(stderr, "slsflow: stopped on an error; the state keeps what was delivered\n");
    return ReportError(result.status());
  }
  if (f.stats) PrintStats(*result);
  if (result->broken_pipe) return 0;  // `| head`: the reader had enough
  if (result->interrupted && o.to_unix && !result->completed) {
    std::fprintf(stderr, "slsflow: interrupted before --to was reached; rerun the same command to resume\n");
    return 1;
  }
  return 0;
}

}  // namespace

void RegisterConsumeCommand(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand("consume", "tail or backfill logstores, resumable exactly-once from a state file");
  cmd->footer(
      "Examples:\n"
      "  slsflow consume -p web -l access                         # tail, pretty on a TTY, jsonl in a pipe\n"
      "  slsflow consume -p web -l access --from -15m -e --where level=error\n"
      "  slsflow consume -p web -l access --from 2026-11-01T00:00Z --to 2026-11-02T00:00Z -o out/\n"
      "  slsflow consume -p web -l access -f raw --field content | head -100\n"
      "  slsflow consume -p web -l access --group etl -o /data/etl/   # one of many processes\n"
      "See slsflow-consume(1).");
  auto common = std::make_shared<CommonFlags>();
  auto f = std::make_shared<ConsumeFlags>();
  AddCommonFlags(cmd, common.get(), LogstoreArity::kMany);
  cmd->add_option("--group", f->group, "consume as a member of this consumer group: read only the shards SLS assigns by heartbeat (created if missing)");
  cmd->add_option("--consumer", f->consumer, "with --group: this consumer's name (default host-pid)");
  cmd->add_option("--heartbeat-interval", f->heartbeat_interval, "with --group: heartbeat period (default 20s, as the SLS libraries)");
  cmd->add_option("--group-timeout", f->group_timeout, "when creating the group: seconds without a heartbeat before a consumer's shards move (default 60)");
  cmd->add_flag("--in-order", f->in_order, "when creating the group: hand out a split's children only after the parent is fully consumed");
  cmd->add_option("--sync-group", f->sync_group, "read every shard as usual and push the local positions to this group as checkpoints");
  cmd->add_option("--from", f->from, "where shards without state start: begin, end (default), unix seconds, ISO-8601, -15m, '2h ago', yesterday, checkpoint");
  cmd->add_option("--from-fallback", f->from_fallback, "with --from checkpoint: where shards with no checkpoint start (default begin)");
  cmd->add_option("--to", f->to, "bounded backfill: stop each shard at its cursor for this time, exit 0 when all are done");
  cmd->add_flag("-e,--exit-at-end", f->exit_at_end, "exit once every shard is caught up");
  cmd->add_option("-c,--count", f->count, "exit after writing N logs");
  cmd->add_option("--idle-exit", f->idle_exit, "exit when no data arrived for this long (e.g. 30s)");
  cmd->add_option("--last", f->last, "start with the newest N logs across shards, ordered by time");
  cmd->add_option("--fetch-interval", f->fetch_interval, "poll interval of an idle shard (default 100ms)");
  cmd->add_option("--max-per-fetch", f->max_per_fetch, "log groups per PullLogs, 1..1000 (default 100)");
  cmd->add_option("--discovery-interval", f->discovery_interval, "ListShards period (default 10s)");
  cmd->add_option("--shards", f->shards, "read only these shards (and their children), e.g. 0,3-5");
  cmd->add_option("--query", f->query, "SPL passed to the server (pullMode=scan_on_stream)");
  cmd->add_option("-f,--format", f->format, "jsonl (default off a TTY), pretty (default on a TTY), raw, template, csv, tsv");
  cmd->add_option("--field", f->field, "raw: the field to print (default content)");
  cmd->add_option("-F,--template", f->tmpl, "template, e.g. '{__time__:iso} {level} {message}'");
  cmd->add_option("--fields", f->fields, "csv/tsv columns")->delimiter(',');
  cmd->add_option("--binary", f->binary, "values that are not UTF-8: replace (U+FFFD, default), base64 or hex");
  cmd->add_option("--grep", f->greps, "keep logs with a value matching this regex (repeatable)");
  cmd->add_option("--where", f->wheres, "keep logs where topic=X, source=Y, tag:k=v or field=v (repeatable; != too)");
  cmd->add_flag("--ordered", f->ordered, "time-ordered merge across shards and logstores");
  cmd->add_option("--window", f->window, "reorder window of --ordered (default 2s)");
  cmd->add_flag("--with-shard", f->with_shard, "add __shard__ to each record");
  cmd->add_flag("--with-cursor", f->with_cursor, "add __cursor__ to each record");
  cmd->add_flag("--stats", f->stats, "print a summary line on stderr at the end");
  cmd->add_flag("--no-progress", f->no_progress, "no progress bar with --to on a TTY");
  cmd->add_option("--state", f->state, "state file (default under $XDG_STATE_HOME/slsflow/)");
  cmd->add_option("--name", f->name, "name this consumer: a separate default state file");
  cmd->add_flag("--reset", f->reset, "forget the state and start over from --from");
  cmd->add_option("--commit-interval", f->commit_interval, "state commit period (default 1s)");
  cmd->add_option("--delivery", f->delivery, "stdout pipe/TTY: at-least-once (default) or at-most-once");
  cmd->add_option("-o,--output", f->output, "FILE, DIR/ (one file per shard) or a template with {logstore} {shard} {date:%Y-%m-%d}");
  cmd->add_option("--rotate-size", f->rotate_size, "start a new output file past this size (e.g. 100M)");
  cmd->add_option("--rotate-interval", f->rotate_interval, "start a new output file after this long (e.g. 1h)");
  cmd->callback([common, f, exit_code] { *exit_code = Run(*common, *f); });
}

}  // namespace slsflow::cli
