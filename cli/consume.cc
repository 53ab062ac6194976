// `slsflow consume`: flags -> ConsumeOptions, sink and state selection,
// signals, progress and the exit code. The engine is core/consume/engine.
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/consume_report.h"
#include "cli/settings.h"
#include "cli/stop_signals.h"
#include "cli/tty_rate.h"
#include "cli/values.h"
#include "core/consume/destination.h"
#include "core/consume/engine.h"
#include "core/consume/group.h"
#include "core/consume/request.h"
#include "core/consume/session.h"

namespace slsflow::cli {

namespace {

// A duration flag with a profile key behind it: -1 until given.
constexpr int64_t kNotGiven = -1;

struct ConsumeFlags {
  std::string group;
  std::string consumer;
  int64_t heartbeat_interval_us = 20000000;
  int64_t group_timeout_us = 60000000;
  bool in_order = false;
  std::string sync_group;
  std::string from;
  std::string from_fallback = "begin";
  std::string to;
  bool exit_at_end = false;
  int64_t count = 0;
  int64_t idle_exit_us = kNotGiven;
  std::string last;
  int64_t fetch_interval_us = kNotGiven;
  int max_per_fetch = 0;
  int max_idle_polls = PollPacer::kDefaultIdlePollsPerSecond;
  int64_t discovery_interval_us = kNotGiven;
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
  int64_t window_us = 2000000;
  int tty_rate = 0;
  bool stats = false;
  bool no_progress = false;
  bool with_shard = false;
  bool with_cursor = false;
  std::string state;
  std::string name;
  bool reset = false;
  int64_t commit_interval_us = kNotGiven;
  std::string delivery = "at-least-once";
  std::string output;
  uint64_t rotate_size = 0;
  int64_t rotate_interval_us = 0;
  uint64_t memory = 40u << 20;
};

// A duration from the flag, else a profile key, else the default.
Result<int64_t> Duration(int64_t flag_us, const Settings& settings, const char* millis_key, int64_t def_us) {
  if (flag_us != kNotGiven) return flag_us;
  if (auto it = settings.extra.find(millis_key); it != settings.extra.end()) {
    char* end = nullptr;
    long long ms = std::strtoll(it->second.c_str(), &end, 10);
    if (end && *end == 0 && ms >= 0) return static_cast<int64_t>(ms) * 1000;
    return Status::Config(std::string("profile key ") + millis_key + " must be milliseconds, not '" + it->second + "'");
  }
  return def_us;
}

std::string Extension(const std::string& format) {
  if (format == "jsonl" || format == "csv" || format == "tsv") return format;
  return "log";
}

// kcat's -o takes a start offset; here -o is always where data goes.
Status CheckOutputFlag(const std::string& output) {
  const bool offset = output.size() > 1 && output[0] == '-' &&
                      std::all_of(output.begin() + 1, output.end(), [](unsigned char c) { return std::isdigit(c); });
  if (output == "beginning" || output == "end" || output == "stored" || offset)
    return Status::Usage("-o is the output path; to start at the beginning use --from begin");
  return Status::OK();
}

// The request flags given on this command line (not their defaults), as typed.
RequestFlags GivenRequest(const CLI::App& cmd, const ConsumeFlags& f) {
  RequestFlags r;
  auto put = [&](const char* name, const std::string& value) {
    if (cmd.count(name) > 0) r[name] = value;
  };
  put("--from", f.from);
  put("--to", f.to);
  put("--last", f.last);
  put("--shards", f.shards);
  put("--query", f.query);
  put("--grep", JoinValues(f.greps, '\n'));
  put("--where", JoinValues(f.wheres, '\n'));
  put("--format", f.format);
  put("--field", f.field);
  put("--template", f.tmpl);
  put("--fields", JoinValues(f.fields, ','));
  put("--binary", f.binary);
  put("--with-shard", f.with_shard ? "1" : "");
  put("--with-cursor", f.with_cursor ? "1" : "");
  return r;
}

// Run controls (not part of the request): how long, how fast, where to commit.
Status ApplyRunFlags(const ConsumeFlags& f, const Settings& settings, ConsumeOptions* o) {
  if (f.max_per_fetch != 0 && (f.max_per_fetch < 1 || f.max_per_fetch > 1000))
    return Status::Usage("--max-per-fetch must be within 1..1000");
  if (f.count < 0) return Status::Usage("--count must not be negative");
  auto fetch = Duration(f.fetch_interval_us, settings, "LOG_FETCH_DATA_INTERVAL_MILLIS", 100000);
  auto discovery = Duration(f.discovery_interval_us, settings, "LOG_SHARDS_DISCOVERY_INTERVAL_MILLIS", 10000000);
  auto commit = Duration(f.commit_interval_us, settings, "SLSFLOW_COMMIT_INTERVAL_MILLIS", 1000000);
  auto idle = Duration(f.idle_exit_us, settings, "SLSFLOW_IDLE_EXIT_MILLIS", 0);
  for (auto* d : {&fetch, &discovery, &commit, &idle})
    if (!d->ok()) return d->status();
  o->fetch_interval_us = *fetch;
  o->discovery_interval_us = std::max<int64_t>(*discovery, 100000);
  o->commit_interval_us = std::max<int64_t>(*commit, 1000);
  o->idle_exit_us = *idle;
  o->window_us = f.window_us;
  o->idle_polls_per_second = f.max_idle_polls;
  o->max_per_fetch = f.max_per_fetch;
  if (o->max_per_fetch == 0) {
    o->max_per_fetch = 100;
    if (auto it = settings.extra.find("LOG_MAX_NUMBER_PER_FETCH"); it != settings.extra.end())
      o->max_per_fetch = std::clamp(std::atoi(it->second.c_str()), 1, 1000);
  }
  o->exit_at_end = f.exit_at_end;
  o->count = f.count;
  o->ordered = f.ordered;
  return Status::OK();
}

// The Flink connector's start position, from a profile, when no --from.
Result<std::string> ProfileFrom(const Settings& settings) {
  auto it = settings.extra.find("CONSUMER_BEGIN_POSITION");
  if (it == settings.extra.end()) return std::string();
  const std::string& v = it->second;
  std::string text = v == "begin_cursor" ? "begin" : v == "end_cursor" ? "end" : v;
  if (!ParseTimeSpec(text, 0).ok())
    return Status::Config("CONSUMER_BEGIN_POSITION '" + v + "' in profile '" + settings.profile +
                          "': expected begin_cursor, end_cursor or unix seconds");
  return text;
}

std::string StdoutPath() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/fd/1", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

DestinationFlags MakeDestinationFlags(const ConsumeFlags& f, const std::string& format) {
  DestinationFlags d;
  d.output = f.output;
  struct stat st;
  const bool exists = !f.output.empty() && ::stat(f.output.c_str(), &st) == 0;
  d.output_is_dir = !f.output.empty() && (f.output.back() == '/' || (exists && S_ISDIR(st.st_mode)));
  d.output_is_stream = exists && !d.output_is_dir && !S_ISREG(st.st_mode);
  d.extension = Extension(format);
  d.stdout_is_file = f.output.empty() && FdIsRegularFile(STDOUT_FILENO);
  if (d.stdout_is_file) d.stdout_path = StdoutPath();
  d.state = f.state;
  return d;
}

Result<std::unique_ptr<Sink>> MakeSink(const ConsumeFlags& f, const Destination& dest, const std::string& header,
                                       int64_t now) {
  if (dest.kind == OutputKind::kStream)
    return NewStreamSink(STDOUT_FILENO, f.delivery == "at-most-once" ? Delivery::kAtMostOnce : Delivery::kAtLeastOnce,
                         header);
  FileSinkOptions so;
  so.header = header;
  if (dest.kind == OutputKind::kStdoutFile) {
    so.path_template = "-";
    so.stdout_name = dest.shown;
    return NewFileSink(Env::Default(), so);
  }
  so.path_template = dest.path_template;
  auto check = ExpandPathTemplate(so.path_template, "x", 0, now);
  if (!check.ok()) return check.status();
  so.rotate_bytes = f.rotate_size;
  so.rotate_interval_us = f.rotate_interval_us;
  return NewFileSink(Env::Default(), so);
}

// Reads as a group member: the group's shards, heartbeats, checkpoints.
Result<std::unique_ptr<ShardAssigner>> MakeAssigner(const ConsumeFlags& f, const std::string& consumer,
                                                    const ParsedRequest& request, const ConsumeState& state,
                                                    SlsClient* client, const std::vector<std::string>& logstores,
                                                    Env* env, GroupAssigner** group) {
  std::unique_ptr<ShardAssigner> assigner = NewAllShardsAssigner(request.shards);
  if (!f.group.empty()) {
    GroupOptions go;
    go.group = f.group;
    go.consumer = consumer;
    go.timeout_seconds = static_cast<int>(f.group_timeout_us / 1000000);
    go.in_order = f.in_order;
    go.heartbeat_interval_us = f.heartbeat_interval_us;
    auto g = std::make_unique<GroupAssigner>(client, logstores, go, env);
    std::vector<CommittedShard> committed;
    for (const auto& [key, pos] : state.shards)
      committed.push_back({key.first, key.second, pos.cursor, pos.checkpoint});
    SLSFLOW_RETURN_IF_ERROR(g->Start(committed));
    *group = g.get();
    return std::unique_ptr<ShardAssigner>(std::move(g));
  }
  if (!f.sync_group.empty()) {
    auto g = std::make_unique<SyncGroupAssigner>(std::move(assigner), client, f.sync_group);
    SLSFLOW_RETURN_IF_ERROR(g->Start(logstores, static_cast<int>(f.group_timeout_us / 1000000)));
    return std::unique_ptr<ShardAssigner>(std::move(g));
  }
  return assigner;
}

void CheckpointCursors(const ConsumeFlags& f, SlsClient* client, ConsumeOptions* o) {
  const std::string cg = !f.group.empty() ? f.group : f.sync_group;
  o->checkpoint_cursor = [client, cg](const std::string& ls, int shard) -> Result<std::string> {
    auto cps = client->GetCheckpoints(ls, cg, shard);
    if (!cps.ok()) return cps.status();
    for (auto& cp : *cps)
      if (cp.shard == shard) return cp.checkpoint;
    return std::string();
  };
}

// Usage errors first: they must not need the network or the state.
Status CheckUsage(const ConsumeFlags& f, const RequestFlags& given, const RequestDefaults& defaults, int64_t now) {
  SLSFLOW_RETURN_IF_ERROR(CheckOutputFlag(f.output));
  RequestFlags probe = given;
  auto parsed = ParseRequest(&probe, defaults, now);
  if (!parsed.ok()) return parsed.status();
  auto formatter = Formatter::Create(parsed->format);
  if (!formatter.ok()) return formatter.status();
  auto filter = LogFilter::Create(parsed->greps, parsed->wheres);
  if (!filter.ok()) return filter.status();
  auto fallback = ParseTimeSpec(f.from_fallback, now);
  if (!fallback.ok() || fallback->kind == TimeSpec::kCheckpoint)
    return Status::Usage("--from-fallback '" + f.from_fallback + "': expected begin, end or a time");
  if (parsed->from.kind == TimeSpec::kCheckpoint && f.group.empty() && f.sync_group.empty())
    return Status::Usage("--from checkpoint needs --group or --sync-group");
  if (!f.group.empty() && !f.sync_group.empty())
    return Status::Usage(
        "--group and --sync-group exclude each other: --group reads assigned shards, --sync-group reads all");
  if (!f.group.empty() && !f.shards.empty())
    return Status::Usage("--shards cannot be combined with --group: the group assigns the shards");
  if ((f.rotate_size > 0 || f.rotate_interval_us > 0) && f.output.empty())
    return Status::Usage("--rotate-size/--rotate-interval need -o");
  if (f.count < 0) return Status::Usage("--count must not be negative");
  if (f.max_idle_polls < 0) return Status::Usage("--max-idle-polls must be 0 (no limit) or more polls a second");
  return Status::OK();
}

// Where the data goes decides where the state lives; a group member
// restarted without --consumer takes over its earlier name and files.
Result<Destination> ResolveOutput(const ConsumeFlags& f, const ConsumeOptions& o, const std::string& format,
                                  std::string* consumer) {
  Env* env = Env::Default();
  DestinationFlags df = MakeDestinationFlags(f, format);
  // --name names a state of its own under $XDG_STATE_HOME, like --state.
  if (df.state.empty() && !f.name.empty())
    df.state = DefaultStatePath(Getenv("XDG_STATE_HOME"), Getenv("HOME"), o.project, o.logstores, o.endpoint, f.name);
  if (!f.group.empty()) {
    *consumer = f.consumer;
    if (consumer->empty()) *consumer = AdoptConsumer(env, df, f.group);
    if (consumer->empty()) *consumer = DefaultConsumerName();
    df.consumer = *consumer;
  }
  return ResolveDestination(df);
}

// Before 0.2.0 every run of a logstore shared one state under
// $XDG_STATE_HOME; it is no longer used unless named.
void NoticeOldState(const ConsumeFlags& f, const ConsumeOptions& o, const Destination& dest,
                    const std::function<void(const std::string&)>& notice) {
  if (!f.state.empty() || !f.name.empty()) return;
  const std::string old =
      DefaultStatePath(Getenv("XDG_STATE_HOME"), Getenv("HOME"), o.project, o.logstores, o.endpoint, "");
  if (old == dest.state_path || !Env::Default()->FileExists(old)) return;
  notice("an earlier slsflow kept the position of this logstore in " + old +
         ", which is no longer used on its own; pass --state " + old + " to keep resuming from it");
}

int Finish(const ConsumeFlags& f, const ConsumeOptions& o, const Result<ConsumeStats>& result, const Session& session,
           const Formatter& formatter, const ConsumeBudget& budget, const std::string& shown,
           const std::function<void(const std::string&)>& notice) {
  if (o.progress) std::fprintf(stderr, "\n");
  if (const int64_t missing = formatter.records_without_field(); missing > 0)
    std::fprintf(stderr, "slsflow: %lld records had no field '%s'; see --field\n", static_cast<long long>(missing),
                 session.request.at("--field").empty() ? "content" : session.request.at("--field").c_str());
  if (!result.ok()) {
    if (f.stats) std::fprintf(stderr, "slsflow: stopped on an error; the state keeps what was delivered\n");
    return ReportError(result.status());
  }
  if (f.stats) std::fprintf(stderr, "%s\n", StatsLine(*result, budget, PeakRssKb()).c_str());
  if (session.complete && result->logs == 0)
    notice("nothing to do: " + shown + " already holds " + DescribeRequest(session.request, {"--from", "--to"}) +
           "; --reset to redo");
  if (result->broken_pipe) return 0;  // `| head`: the reader had enough
  if (result->interrupted && o.to_unix && !result->completed) {
    std::fprintf(stderr, "slsflow: interrupted before --to was reached; rerun the same command to resume\n");
    return 1;
  }
  return 0;
}

// What to read and where it goes: the output, the state that lives with it
// (fresh or resumed) and the request, merged with the one it recorded.
struct OpenedOutput {
  Destination dest;
  Session session;
  ParsedRequest request;
  std::string consumer;
};

Result<OpenedOutput> OpenOutput(Env* env, const ConsumeFlags& f, const RequestFlags& given,
                                const RequestDefaults& defaults, int64_t now,
                                const std::function<void(const std::string&)>& notice, ConsumeOptions* o) {
  RequestFlags probe = given;
  const std::string given_format = ParseRequest(&probe, defaults, now)->format.format;
  std::string consumer;
  auto dest = ResolveOutput(f, *o, given_format, &consumer);
  if (!dest.ok()) return dest.status();
  SessionOptions so;
  so.destination = *dest;
  so.project = o->project;
  so.endpoint = o->endpoint;
  so.logstores = o->logstores;
  so.name = f.name;
  so.group = f.group;
  so.consumer = consumer;
  so.given = given;
  so.reset = f.reset;
  so.notice = notice;
  auto session = OpenSession(env, so);
  if (!session.ok()) return session.status();
  auto request = ParseRequest(&session->request, defaults, now);
  if (!request.ok()) return request.status();
  // A format taken from the state names the files of a DIR/ too.
  if (request->format.format != given_format && dest->kind == OutputKind::kFiles) {
    auto again = ResolveOutput(f, *o, request->format.format, &consumer);
    if (!again.ok()) return again.status();
    dest->path_template = again->path_template;
  }
  o->from = request->from;
  o->to_unix = request->to_unix;
  o->last_n = request->last;
  o->query = request->query;
  o->from_fallback = *ParseTimeSpec(f.from_fallback, now);
  ConsumeState& state = session->state;
  session->complete = ApplyBounds(&state, o->to_unix);
  if (session->resumed && !session->complete) {
    o->on_recovered = [notice, line = "resuming " + dest->shown + " (" + DescribeProgress(state) +
                                      "); --reset to start over"] { notice(line); };
  }
  NoticeOldState(f, *o, *dest, notice);
  state.request = session->request;
  state.output = dest->kind == OutputKind::kFiles        ? dest->path_template
                 : dest->kind == OutputKind::kStdoutFile ? "-"
                                                         : "";
  spdlog::debug("state file {}", dest->state_path.empty() ? "(none)" : dest->state_path);
  return OpenedOutput{std::move(*dest), std::move(*session), std::move(*request), std::move(consumer)};
}

void DrawProgressOnStderr(ConsumeOptions* o) {
  const int64_t from_unix = o->from.kind == TimeSpec::kUnix ? o->from.unix_seconds : 0;
  const int64_t to_unix = *o->to_unix;
  o->progress = [from_unix, to_unix](const ConsumeProgress& p) {
    std::fputs(ProgressLine(p, from_unix, to_unix).c_str(), stderr);
    std::fflush(stderr);
  };
}

// glibc keeps freed memory for reuse, per thread arena, and raises its
// mmap threshold to the largest block freed: after a few 5 MB replies,
// every reader thread's arena would hold some, outside --memory (a 16 MB
// budget over 64 shards peaked at 200 MB). Two arenas keep that bounded.
// A fixed 2 MB threshold still maps the biggest replies and returns them
// when freed; below it, replies reuse heap memory, and a 16 MB trim
// threshold keeps it rather than giving it back to fault it in again. With
// a 1 MB threshold a third of consume's CPU went to page faults (4 shards of
// 93 KB groups, 256 MB: 0.8 -> 0.5 CPU-s for jsonl, 0.7 -> 0.3 for raw); the
// 256-shard 5 MB-group row stays at 58 MB, the 64-shard one under
// --memory 16m at 41 MB.
void BoundAllocatorRetention() {
  mallopt(M_MMAP_THRESHOLD, 2 << 20);
  mallopt(M_TRIM_THRESHOLD, 16 << 20);
  mallopt(M_ARENA_MAX, 2);
}

int Run(const CLI::App& cmd, const CommonFlags& common, const ConsumeFlags& f) {
  SetupLogging(common);
  BoundAllocatorRetention();
  Env* env = Env::Default();
  const int64_t now = env->NowMicros() / 1000000;
  auto notice = [&common](const std::string& line) {
    if (!common.quiet) std::fprintf(stderr, "slsflow: %s\n", line.c_str());
  };
  const RequestFlags given = GivenRequest(cmd, f);
  RequestDefaults defaults;
  defaults.format = isatty(STDOUT_FILENO) && f.output.empty() ? "pretty" : "jsonl";
  if (Status s = CheckUsage(f, given, defaults, now); !s.ok()) return ReportError(s);

  auto settings = ResolveSettings(common, env);
  if (!settings.ok()) return ReportError(settings.status());
  if (Status s = RequireLogstores(*settings, /*one=*/false); !s.ok()) return ReportError(s);
  auto profile_from = ProfileFrom(*settings);
  if (!profile_from.ok()) return ReportError(profile_from.status());
  defaults.from = *profile_from;
  ConsumeOptions o;
  o.project = settings->project;
  o.endpoint = settings->endpoint.ToString();
  o.logstores = settings->logstores;
  if (Status s = ApplyRunFlags(f, *settings, &o); !s.ok()) return ReportError(s);
  ConsumeBudget budget(f.memory);
  o.budget = &budget;

  auto opened = OpenOutput(env, f, given, defaults, now, notice, &o);
  if (!opened.ok()) return ReportError(opened.status());
  const Destination* dest = &opened->dest;
  Session* session = &opened->session;
  const ParsedRequest* request = &opened->request;
  ConsumeState& state = session->state;

  FormatOptions fo = request->format;
  fo.color = fo.format == "pretty" && f.output.empty() && UseColor(common, /*for_stdout=*/true);
  auto formatter = Formatter::Create(fo);
  auto filter = LogFilter::Create(request->greps, request->wheres);
  if (!formatter.ok() || !filter.ok()) return ReportError(!formatter.ok() ? formatter.status() : filter.status());
  TtyRateFormatter* rate =
      LimitOnTerminal(&*formatter, f.tty_rate, dest->kind == OutputKind::kStream && isatty(STDOUT_FILENO));
  auto sink = MakeSink(f, *dest, (*formatter)->Header(), now);
  if (!sink.ok()) return ReportError(sink.status());

  if (o.to_unix && !f.no_progress && !common.quiet && isatty(STDERR_FILENO)) DrawProgressOnStderr(&o);
  o.stop = InstallStopSignals(SecondStop::kKills);

  auto client = MakeClient(*settings);
  auto source = NewClientSource(client.get());
  GroupAssigner* group = nullptr;
  auto assigner = MakeAssigner(f, opened->consumer, *request, state, client.get(), o.logstores, env, &group);
  if (!assigner.ok()) return ReportError(assigner.status());
  if (o.from.kind == TimeSpec::kCheckpoint) CheckpointCursors(f, client.get(), &o);
  auto result = RunConsume(o, source.get(), assigner->get(), session->store.get(), std::move(state), sink->get(),
                           formatter->get(), &*filter, env);
  // After the final commit pushed the last checkpoints: stop heartbeating.
  if (group) group->Stop();
  if (const std::string rest = rate ? rate->TakeNotShownLine() : ""; !rest.empty()) std::fputs(rest.c_str(), stdout);
  return Finish(f, o, result, *session, **formatter, budget, dest->shown, notice);
}

}  // namespace

void RegisterConsumeCommand(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand("consume",
                                  "tail or backfill logstores; an output resumes exactly-once from the state it keeps");
  cmd->footer(
      "Examples:\n"
      "  slsflow consume -p web -l access                         # tail, pretty on a TTY, jsonl in a pipe\n"
      "  slsflow consume -p web -l access --from -15m -e --where level=error\n"
      "  slsflow consume -p web -l access --from 2026-11-01T00:00Z --to 2026-11-02T00:00Z -o out/   # rerun resumes\n"
      "  slsflow consume -p web -l access -f raw --field content | head -100\n"
      "  slsflow consume -p web -l access --group etl -o /data/etl/   # one of many processes, each its own files\n"
      "State: -o DIR/ and -o FILE keep it in .slsflow/ beside the data, >> FILE beside the file;\n"
      "a terminal or pipe keeps none unless --name/--state. See STATE in slsflow-consume(1).");
  auto common = std::make_shared<CommonFlags>();
  auto f = std::make_shared<ConsumeFlags>();
  AddCommonFlags(cmd, common.get(), LogstoreArity::kMany);
  const auto seconds = BareNumber::kSeconds;
  cmd->add_option("--group", f->group,
                  "consume as a member of this consumer group: read only the shards SLS assigns by heartbeat (created "
                  "if missing)")
      ->type_name("GROUP");
  cmd->add_option("--consumer", f->consumer, "with --group: this consumer's name (default host-pid)")
      ->type_name("NAME");
  cmd->add_option("--heartbeat-interval", f->heartbeat_interval_us,
                  "with --group: heartbeat period (default 20s, as the SLS libraries)")
      ->transform(DurationValue(seconds, 1000));
  cmd->add_option("--group-timeout", f->group_timeout_us,
                  "when creating the group: how long without a heartbeat before a consumer's shards move, whole "
                  "seconds from 1s to 1d (a bare number is seconds; default 60s)")
      ->transform(DurationValue(seconds, 1000000, 86400000000LL));
  cmd->add_flag("--in-order", f->in_order,
                "when creating the group: hand out a split's children only after the parent is fully consumed");
  cmd->add_option("--sync-group", f->sync_group,
                  "read every shard as usual and push the local positions to this group as checkpoints")
      ->type_name("GROUP");
  cmd->add_option("--from", f->from,
                  "where shards without state start: begin, end (default; begin with --to), unix seconds, ISO-8601, "
                  "-15m, '2h ago', yesterday, checkpoint (with --group)")
      ->check(TimeValue());
  cmd->add_option("--from-fallback", f->from_fallback,
                  "with --from checkpoint: where shards with no checkpoint start (default begin)")
      ->check(TimeValue());
  cmd->add_option("--to", f->to,
                  "bounded backfill: stop each shard at its cursor for this time, exit 0 when all are done")
      ->check(TimeValue());
  cmd->add_flag("-e,--exit-at-end", f->exit_at_end, "exit once every shard is caught up");
  cmd->add_option("-c,--count", f->count, "exit after writing N logs");
  cmd->add_option("--idle-exit", f->idle_exit_us,
                  "exit when no data arrived for this long, e.g. 30s (a bare number is seconds)")
      ->transform(DurationValue(seconds));
  cmd->add_option("--last", f->last, "start with the newest N logs across shards, ordered by time")->type_name("N");
  cmd->add_option("--fetch-interval", f->fetch_interval_us,
                  "poll interval of an idle shard (default 100ms; a bare number is seconds)")
      ->transform(DurationValue(seconds));
  cmd->add_option("--max-per-fetch", f->max_per_fetch, "log groups per PullLogs, 1..1000 (default 100)");
  cmd->add_option("--max-idle-polls", f->max_idle_polls,
                  "idle shards together poll at most N times a second; past that each waits longer than "
                  "--fetch-interval (default 640; 0, no limit)")
      ->type_name("N");
  cmd->add_option("--discovery-interval", f->discovery_interval_us,
                  "ListShards period (default 10s; a bare number is seconds)")
      ->transform(DurationValue(seconds));
  cmd->add_option("--memory", f->memory,
                  "bound on log data held at once, all shards together, at least 4m (default 40m)")
      ->transform(SizeValue(4u << 20));
  cmd->add_option("--shards", f->shards, "read only these shards (and their children), e.g. 0,3-5")
      ->check(ShardSetValue());
  cmd->add_option("--query", f->query, "SPL passed to the server (pullMode=scan_on_stream)")->type_name("SPL");
  cmd->add_option("-f,--format", f->format,
                  "jsonl (default off a TTY), pretty (default on a TTY), raw, template, csv, tsv")
      ->check(OneOf({"jsonl", "pretty", "raw", "template", "csv", "tsv", "json"}));
  cmd->add_option("--field", f->field, "raw: the field to print (default content)")->type_name("KEY");
  // No -F: that letter is produce's --follow, as in tail -F.
  cmd->add_option("--template", f->tmpl, "template, e.g. '{__time__:iso} {level} {message}'")->type_name("TEMPLATE");
  cmd->add_option("--fields", f->fields, "csv/tsv columns, e.g. --fields a,b")->delimiter(',')->type_name("KEY");
  cmd->add_option("--binary", f->binary, "values that are not UTF-8: replace (U+FFFD, default), base64 or hex")
      ->check(OneOf({"replace", "base64", "hex"}));
  cmd->add_option("--grep", f->greps, "keep logs with a value matching this regex (repeatable)")->type_name("REGEX");
  cmd->add_option("--where", f->wheres, "keep logs where topic=X, source=Y, tag:k=v or field=v (repeatable; != too)")
      ->type_name("EXPR");
  cmd->add_flag("--ordered", f->ordered, "time-ordered merge across shards and logstores");
  cmd->add_option("--window", f->window_us, "reorder window of --ordered (default 2s; a bare number is seconds)")
      ->transform(DurationValue(seconds));
  cmd->add_option("--tty-rate", f->tty_rate,
                  "on a terminal, print at most N logs a second and count the rest (default 0: all)")
      ->type_name("N")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--with-shard", f->with_shard, "add __shard__ to each record");
  cmd->add_flag("--with-cursor", f->with_cursor, "add __cursor__ to each record");
  cmd->add_flag("--stats", f->stats, "print a summary line on stderr at the end");
  cmd->add_flag("--no-progress", f->no_progress, "no progress bar with --to on a TTY");
  cmd->add_option("--state", f->state, "keep the state in this file (default: with the output; none for a pipe)")
      ->type_name("FILE");
  cmd->add_option("--name", f->name, "a named state under $XDG_STATE_HOME/slsflow/ (resume a pipe)")->type_name("NAME");
  cmd->add_flag("--reset", f->reset, "empty what this output's state wrote, forget it, start over from --from");
  cmd->add_option("--commit-interval", f->commit_interval_us,
                  "state commit period (default 1s; a bare number is seconds)")
      ->transform(DurationValue(seconds));
  cmd->add_option("--delivery", f->delivery, "a pipe/TTY with --name/--state (default at-least-once)")
      ->check(OneOf({"at-least-once", "at-most-once"}));
  cmd->add_option("-o,--output", f->output,
                  "FILE, DIR/ (one file per shard) or a template with {logstore} {shard} {consumer} {date:%Y-%m-%d}")
      ->type_name("PATH");
  cmd->add_option("--rotate-size", f->rotate_size, "start a new output file past this size, e.g. 100m")
      ->transform(SizeValue(1));
  cmd->add_option("--rotate-interval", f->rotate_interval_us, "start a new output file after this long, e.g. 1h")
      ->transform(DurationValue(seconds, 1000000));
  cmd->callback([cmd, common, f, exit_code] { *exit_code = Run(*cmd, *common, *f); });
}

}  // namespace slsflow::cli
