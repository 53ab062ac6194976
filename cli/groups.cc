// `slsflow groups list|create|update|delete|checkpoints|lag|reset`: see
// man/slsflow-groups.1. Consuming as a group member is `consume --group`.
#include <unistd.h>

#include <map>
#include <memory>
#include <set>

#include <spdlog/spdlog.h>

#include "cli/admin.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/values.h"
#include "core/base/time_grammar.h"
#include "core/consume/group_lag.h"
#include "core/sls/shard_set.h"

namespace slsflow::cli {
namespace {

struct GroupFlags {
  CommonFlags common;
  std::string group;
  int64_t group_timeout_us = 0;  // create/update; 0: not given
  bool in_order = false;
  CLI::Option* in_order_opt = nullptr;
  bool if_not_exists = false;
  // lag
  bool watch = false;
  int64_t interval_us = 2000000;
  int count = 0;
  // reset
  std::string to;
  std::string shards;
  bool force = false;
  bool dry_run = false;
};

int64_t NowMicros() {
  return Env::Default()->NowMicros();
}

std::vector<Column> GroupColumns() {
  return {{"name", "NAME"}, {"timeout_seconds", "TIMEOUT", true}, {"in_order", "IN_ORDER"}};
}

std::vector<nlohmann::ordered_json> GroupRow(const ConsumerGroupInfo& g) {
  return {g.name, g.timeout_seconds, g.in_order};
}

Result<ConsumerGroupInfo> FindGroup(AdminContext& ctx, const std::string& name) {
  auto groups = ctx.client->ListConsumerGroups(ctx.logstore);
  if (!groups.ok()) return groups.status();
  std::string names;
  for (const auto& g : *groups) {
    if (g.name == name) return g;
    names += (names.empty() ? "" : ", ") + g.name;
  }
  return Status::NotFound("consumer group '" + name + "' does not exist in logstore " + ctx.logstore + " (groups: " +
                          (names.empty() ? "none" : names) + "); create it with 'slsflow groups create " + name + "'");
}

int PrintGroup(AdminContext& ctx, const std::string& name) {
  auto g = FindGroup(ctx, name);
  if (!g.ok()) return ReportError(g.status());
  Table table(GroupColumns());
  table.AddRow(GroupRow(*g));
  return ReportError(WriteStdout(table.Render(ctx.format)));
}

int RunList(const GroupFlags& f) {
  auto ctx = OpenAdmin(f.common);
  if (!ctx.ok()) return ReportError(ctx.status());
  auto groups = ctx->client->ListConsumerGroups(ctx->logstore);
  if (!groups.ok()) return ReportError(groups.status());
  std::sort(groups->begin(), groups->end(), [](auto& a, auto& b) { return a.name < b.name; });
  Table table(GroupColumns());
  for (const auto& g : *groups) table.AddRow(GroupRow(g));
  return ReportError(WriteStdout(table.Render(ctx->format)));
}

int RunCreate(const GroupFlags& f) {
  const int timeout_s = f.group_timeout_us > 0 ? static_cast<int>(f.group_timeout_us / 1000000) : 60;
  auto ctx = OpenAdmin(f.common);
  if (!ctx.ok()) return ReportError(ctx.status());
  ConsumerGroupInfo g{f.group, timeout_s, f.in_order};
  Status st = ctx->client->CreateConsumerGroup(ctx->logstore, g);
  if (!st.ok() && st.sls_code() == "ConsumerGroupAlreadyExist") {
    if (!f.if_not_exists)
      return ReportError(Status::Error(ErrorKind::kConflict,
                                       "consumer group '" + f.group + "' already exists in logstore " + ctx->logstore +
                                           "; pass --if-not-exists to accept it, or change it with 'slsflow groups "
                                           "update " +
                                           f.group + "'"));
    auto existing = FindGroup(*ctx, f.group);
    if (existing.ok() && (existing->timeout_seconds != g.timeout_seconds || existing->in_order != g.in_order))
      spdlog::warn("group '{}' already exists with timeout {}s and in_order {}; left unchanged", f.group,
                   existing->timeout_seconds, existing->in_order);
    st = Status::OK();
  }
  if (!st.ok()) return ReportError(st);
  return PrintGroup(*ctx, f.group);
}

int RunUpdate(const GroupFlags& f) {
  bool order_given = f.in_order_opt && f.in_order_opt->count() > 0;
  if (f.group_timeout_us == 0 && !order_given)
    return ReportError(Status::Usage("nothing to update: pass --group-timeout and/or --in-order / --no-in-order"));
  const int timeout = static_cast<int>(f.group_timeout_us / 1000000);
  auto ctx = OpenAdmin(f.common);
  if (!ctx.ok()) return ReportError(ctx.status());
  auto g = FindGroup(*ctx, f.group);
  if (!g.ok()) return ReportError(g.status());
  if (timeout) g->timeout_seconds = timeout;
  if (order_given) g->in_order = f.in_order;
  if (Status st = ctx->client->UpdateConsumerGroup(ctx->logstore, *g); !st.ok()) return ReportError(st);
  return PrintGroup(*ctx, f.group);
}

int RunDelete(const GroupFlags& f) {
  auto ctx = OpenAdmin(f.common);
  if (!ctx.ok()) return ReportError(ctx.status());
  auto g = FindGroup(*ctx, f.group);
  if (!g.ok()) return ReportError(g.status());
  if (Status st = ctx->client->DeleteConsumerGroup(ctx->logstore, f.group); !st.ok()) return ReportError(st);
  spdlog::info("deleted consumer group '{}'", f.group);
  return 0;
}

// One shard as `checkpoints` and `lag` see it.
struct ShardView {
  ShardLag lag;
  std::string checkpoint;
};

// Joins ListShards, GetCheckPoint and each shard's cursors. Shards that only
// the checkpoints name (expired from ListShards) come without cursors.
Result<std::vector<ShardView>> CollectShardViews(AdminContext& ctx, const std::string& group) {
  auto shards = ListShardsSorted(*ctx.client, ctx.logstore);
  if (!shards.ok()) return shards.status();
  auto cps = ctx.client->GetCheckpoints(ctx.logstore, group);
  if (!cps.ok()) return cps.status();
  std::map<int, CheckpointInfo> by_shard;
  for (const auto& c : *cps) by_shard[c.shard] = c;
  std::map<int, ShardLagInput> by_id;
  for (const auto& s : *shards) {
    ShardLagInput& in = by_id[s.id];
    in.shard = s.id;
    in.status = s.status;
  }
  for (const auto& [id, c] : by_shard) {
    ShardLagInput& in = by_id[id];
    in.shard = id;
    in.checkpoint = c.checkpoint;
    in.consumer = c.consumer;
    in.update_time_us = c.update_time_us;
  }
  std::vector<ShardLagInput> inputs;
  for (auto& [id, in] : by_id) inputs.push_back(std::move(in));
  Status st = ForEachParallel(ctx.settings, inputs.size(), [&](size_t i, SlsClient& client) {
    ShardLagInput& in = inputs[i];
    if (in.status.empty()) return Status::OK();  // known only from its checkpoint: no longer listed
    auto cursors = FetchShardCursors(client, ctx.logstore, in.shard);
    if (!cursors.ok()) return cursors.status().WithContext("shard " + std::to_string(in.shard));
    in.begin_cursor = cursors->begin;
    in.end_cursor = cursors->end;
    in.head_time = cursors->head_time;
    if (!in.checkpoint.empty() && in.checkpoint != in.end_cursor) {
      auto t = client.GetCursorTime(ctx.logstore, in.shard, in.checkpoint);
      if (t.ok()) {
        in.checkpoint_time = *t;
      } else {
        spdlog::warn("shard {}: no time for checkpoint {}: {}", in.shard, in.checkpoint, t.status().ToString());
      }
    }
    return Status::OK();
  });
  if (!st.ok()) return st;
  std::vector<ShardView> out;
  for (const auto& in : inputs) out.push_back({ComputeShardLag(in), in.checkpoint});
  return out;
}

nlohmann::ordered_json OptTime(const std::optional<int64_t>& t) {
  return t ? IsoTime(*t) : nullptr;
}
template <typename T>
nlohmann::ordered_json OptNum(const std::optional<T>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json();
}
nlohmann::ordered_json OptStr(const std::string& s) {
  return s.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s);
}

int RunCheckpoints(const GroupFlags& f) {
  auto ctx = OpenAdmin(f.common);
  if (!ctx.ok()) return ReportError(ctx.status());
  if (auto g = FindGroup(*ctx, f.group); !g.ok()) return ReportError(g.status());
  auto views = CollectShardViews(*ctx, f.group);
  if (!views.ok()) return ReportError(views.status());
  Table table({{"shard", "SHARD", true},
               {"checkpoint", "CHECKPOINT"},
               {"checkpoint_time", "CHECKPOINT_TIME"},
               {"consumer", "CONSUMER"},
               {"update_time", "UPDATED"}});
  for (const auto& v : *views)
    table.AddRow({v.lag.shard, OptStr(v.checkpoint), OptTime(v.lag.checkpoint_time), OptStr(v.lag.consumer),
                  IsoTimeMicros(v.lag.update_time_us)});
  return ReportError(WriteStdout(table.Render(ctx->format)));
}

Table LagTable(const std::vector<ShardView>& views) {
  Table table({{"shard", "SHARD", true},
               {"status", "STATUS"},
               {"checkpoint_time", "CHECKPOINT_TIME"},
               {"head_time", "HEAD_TIME"},
               {"lag_seconds", "LAG_S", true},
               {"backlog", "BACKLOG", true},
               {"caught_up", "CAUGHT_UP"},
               {"consumer", "CONSUMER"}});
  for (const auto& v : views) {
    const ShardLag& l = v.lag;
    table.AddRow({l.shard, OptStr(l.status), OptTime(l.checkpoint_time), OptTime(l.head_time), OptNum(l.lag_seconds),
                  OptNum(l.backlog), l.caught_up, OptStr(l.consumer)});
  }
  return table;
}

int RunLag(const GroupFlags& f) {
  if (f.count < 0) return ReportError(Status::Usage("--count must be 0 (forever) or more"));
  auto ctx = OpenAdmin(f.common);
  if (!ctx.ok()) return ReportError(ctx.status());
  if (auto g = FindGroup(*ctx, f.group); !g.ok()) return ReportError(g.status());
  const bool tty = isatty(STDOUT_FILENO) == 1;
  for (int round = 1;; ++round) {
    auto views = CollectShardViews(*ctx, f.group);
    if (!views.ok()) return ReportError(views.status());
    Table table = LagTable(*views);
    std::string text;
    if (!f.watch) {
      text = table.Render(ctx->format);
    } else if (ctx->format == OutputFormat::kJson) {
      text = table.RenderJson(true);  // JSON Lines: one snapshot per line
    } else if (tty && ctx->format == OutputFormat::kTable) {
      std::string now;
      AppendRfc3339Utc(NowMicros() / 1000000, 0, false, &now);
      text = "\033[H\033[2J" +
             ("every " + FormatDuration(f.interval_us) + ": slsflow groups lag " + f.group + "    " + now + "\n\n") +
             table.RenderTable();
    } else {
      text = table.Render(ctx->format) + "\n";
    }
    if (Status st = WriteStdout(text); !st.ok()) return ReportError(st);
    if (!f.watch || (f.count > 0 && round >= f.count)) return 0;
    Env::Default()->SleepMicros(f.interval_us);
  }
}

int RunReset(const GroupFlags& f) {
  const int64_t now_us = NowMicros();
  auto spec = ParseTimeSpec(f.to, now_us / 1000000);
  if (!spec.ok()) return ReportError(spec.status().WithContext("--to"));
  if (spec->kind == TimeSpec::kCheckpoint)
    return ReportError(Status::Usage("--to checkpoint: a reset moves the checkpoint; give begin, end or a time"));
  std::vector<int> selection;
  if (!f.shards.empty()) {
    auto parsed = ParseShardSet(f.shards, "--shards");
    if (!parsed.ok()) return ReportError(parsed.status());
    selection = std::move(*parsed);
  }
  auto ctx = OpenAdmin(f.common);
  if (!ctx.ok()) return ReportError(ctx.status());
  auto group = FindGroup(*ctx, f.group);
  if (!group.ok()) return ReportError(group.status());
  auto shards = ListShardsSorted(*ctx->client, ctx->logstore);
  if (!shards.ok()) return ReportError(shards.status());
  if (selection.empty()) {
    for (const auto& s : *shards) selection.push_back(s.id);
  } else {
    for (int id : selection)
      if (!FindShard(*shards, id)) return ReportError(ShardNotFound(ctx->logstore, id, *shards));
  }
  auto before = ctx->client->GetCheckpoints(ctx->logstore, f.group);
  if (!before.ok()) return ReportError(before.status());

  // A live consumer would overwrite the reset with its in-memory position at its next commit.
  auto live = LiveConsumers(*before, group->timeout_seconds, now_us);
  if (!live.empty()) {
    std::string who;
    for (const auto& c : live)
      who += (who.empty() ? "" : ", ") + c.name + " (shards " + FormatShardSet(c.shards) + ", last checkpoint " +
             std::to_string((now_us - c.last_update_us) / 1000000) + "s ago)";
    std::string msg = "consumer group '" + f.group + "' has live consumers: " + who + "; the group timeout is " +
                      std::to_string(group->timeout_seconds) + "s";
    if (!f.force && !f.dry_run)
      return ReportError(Status::Error(
          ErrorKind::kConflict, msg + ". Stop them and wait for the timeout, or pass --force (they may overwrite the "
                                      "reset at their next commit)"));
    spdlog::warn("{}", msg);
  }

  std::map<int, CheckpointInfo> old;
  for (const auto& c : *before) old[c.shard] = c;
  std::string from = spec->kind == TimeSpec::kBegin ? "begin"
                     : spec->kind == TimeSpec::kEnd ? "end"
                                                    : std::to_string(spec->unix_seconds);
  // Cursor times are shown only for cursors with a LogGroup behind them.
  auto time_of = [&](int id, const std::string& cursor, const std::string& end) -> nlohmann::ordered_json {
    if (cursor.empty() || cursor == end) return nullptr;
    auto t = ctx->client->GetCursorTime(ctx->logstore, id, cursor);
    return t.ok() ? IsoTime(*t) : nlohmann::ordered_json();
  };
  struct Plan {
    int shard;
    std::string before, target, end;
  };
  std::vector<Plan> plans;
  for (int id : selection) {
    auto target = ctx->client->GetCursor(ctx->logstore, id, from);
    if (!target.ok()) return ReportError(target.status().WithContext("shard " + std::to_string(id)));
    auto end = ctx->client->GetCursor(ctx->logstore, id, "end");
    if (!end.ok()) return ReportError(end.status().WithContext("shard " + std::to_string(id)));
    plans.push_back({id, old.count(id) ? old[id].checkpoint : "", *target, *end});
  }
  std::map<int, std::string> after;
  if (!f.dry_run) {
    for (const auto& p : plans) {
      // No consumer name: the write is nobody's, so it never looks like a live consumer.
      Status st = ctx->client->UpdateCheckpoint(ctx->logstore, f.group, "", p.shard, p.target, true);
      if (!st.ok()) return ReportError(st.WithContext("writing the checkpoint of shard " + std::to_string(p.shard)));
    }
    auto now = ctx->client->GetCheckpoints(ctx->logstore, f.group);
    if (!now.ok()) return ReportError(now.status().WithContext("reading the checkpoints back"));
    for (const auto& c : *now) after[c.shard] = c.checkpoint;
  }
  Table table({{"shard", "SHARD", true},
               {"before_checkpoint", "BEFORE"},
               {"before_time", "BEFORE_TIME"},
               {"after_checkpoint", "AFTER"},
               {"after_time", "AFTER_TIME"}});
  Status mismatch;
  for (const auto& p : plans) {
    std::string now_cp = f.dry_run ? p.target : after[p.shard];
    if (!f.dry_run && now_cp != p.target)
      mismatch = Status::Invalid("shard " + std::to_string(p.shard) + ": the server reports checkpoint " + now_cp +
                                 " after writing " + p.target + "; a consumer may have committed meanwhile");
    table.AddRow({p.shard, OptStr(p.before), time_of(p.shard, p.before, p.end), OptStr(now_cp),
                  time_of(p.shard, now_cp, p.end)});
  }
  if (Status st = WriteStdout(table.Render(ctx->format)); !st.ok()) return ReportError(st);
  if (f.dry_run) spdlog::warn("--dry-run: nothing was written");
  return ReportError(mismatch);
}

// create/update documented --timeout as the group's heartbeat timeout. It
// is --group-timeout now, as in consume; --timeout is not taken there at
// all, so that an old command line stops (cli/usage.cc says where it went)
// rather than quietly becoming a request timeout.
void AddGroupTimeoutFlag(CLI::App* cmd, GroupFlags* f, const char* help) {
  cmd->remove_option(cmd->get_option("--timeout"));
  cmd->add_option("--group-timeout", f->group_timeout_us, help)
      ->transform(DurationValue(BareNumber::kSeconds, 1000000, 86400000000LL));
}

CLI::App* AddGroupCommand(CLI::App* parent, const char* name, const char* help, std::shared_ptr<GroupFlags> f,
                          int (*run)(const GroupFlags&), int* exit_code, bool needs_group = true) {
  auto* cmd = parent->add_subcommand(name, help);
  if (needs_group) cmd->add_option("GROUP", f->group, "consumer group name")->required();
  AddCommonFlags(cmd, &f->common, LogstoreArity::kOne, true);
  cmd->callback([f, run, exit_code] { *exit_code = run(*f); });
  return cmd;
}

}  // namespace

void RegisterGroupsCommand(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand("groups", "list, create, update, delete consumer groups; checkpoints, lag, reset");
  cmd->require_subcommand(1);
  cmd->footer(
      "Examples:\n"
      "  slsflow groups list -p demo -l app\n"
      "  slsflow groups create etl -p demo -l app --group-timeout 60s --in-order\n"
      "  slsflow groups lag etl -p demo -l app --watch\n"
      "  slsflow groups reset etl -p demo -l app --to '2h ago' --shards 0,3-5\n"
      "  slsflow groups checkpoints etl -p demo -l app -f json\n"
      "See slsflow-groups(1).");

  auto* list = AddGroupCommand(cmd, "list", "consumer groups of a logstore", std::make_shared<GroupFlags>(), RunList,
                               exit_code, false);
  list->footer(
      "Examples:\n"
      "  slsflow groups list -p demo -l app\n"
      "  slsflow groups list -p demo -l app -f json | jq -r '.[].name'\n"
      "  slsflow groups list --profile prod -l app -f csv");

  auto create_flags = std::make_shared<GroupFlags>();
  auto* create = AddGroupCommand(cmd, "create", "create a consumer group", create_flags, RunCreate, exit_code);
  AddGroupTimeoutFlag(
      create, create_flags.get(),
      "heartbeat timeout of the group, whole seconds from 1s to 1d (a bare number is seconds; default 60s)");
  create->add_flag("--in-order", create_flags->in_order,
                   "children of a split/merge wait until their parents are consumed");
  create->add_flag("--if-not-exists", create_flags->if_not_exists, "succeed (and change nothing) if the group exists");
  create->footer(
      "Examples:\n"
      "  slsflow groups create etl -p demo -l app\n"
      "  slsflow groups create etl -p demo -l app --group-timeout 2m --in-order\n"
      "  slsflow groups create etl -p demo -l app --if-not-exists   # idempotent, for scripts");

  auto update_flags = std::make_shared<GroupFlags>();
  auto* update =
      AddGroupCommand(cmd, "update", "change a group's timeout or ordering", update_flags, RunUpdate, exit_code);
  AddGroupTimeoutFlag(update, update_flags.get(), "new heartbeat timeout, e.g. 90s (a bare number is seconds)");
  update_flags->in_order_opt = update->add_flag("--in-order,!--no-in-order", update_flags->in_order,
                                                "turn parent-before-child ordering on or off");
  update->footer(
      "Examples:\n"
      "  slsflow groups update etl -p demo -l app --group-timeout 90s\n"
      "  slsflow groups update etl -p demo -l app --in-order\n"
      "  slsflow groups update etl -p demo -l app --no-in-order --group-timeout 30s");

  auto* del = AddGroupCommand(cmd, "delete", "delete a consumer group and its checkpoints",
                              std::make_shared<GroupFlags>(), RunDelete, exit_code);
  del->footer(
      "Examples:\n"
      "  slsflow groups delete etl -p demo -l app\n"
      "  slsflow groups delete etl -p demo -l app -v   # says what it deleted\n"
      "  slsflow groups list -p demo -l app            # check first");

  auto* cps = AddGroupCommand(cmd, "checkpoints", "per shard: checkpoint cursor and time, consumer, update time",
                              std::make_shared<GroupFlags>(), RunCheckpoints, exit_code);
  cps->footer(
      "Examples:\n"
      "  slsflow groups checkpoints etl -p demo -l app\n"
      "  slsflow groups checkpoints etl -p demo -l app -f json\n"
      "  slsflow groups checkpoints etl -p demo -l app -f csv > checkpoints.csv");

  auto lag_flags = std::make_shared<GroupFlags>();
  auto* lag = AddGroupCommand(cmd, "lag", "per shard: checkpoint time vs head time, lag seconds, backlog", lag_flags,
                              RunLag, exit_code);
  lag->add_flag("--watch", lag_flags->watch, "refresh every --interval (redraws on a TTY; appends otherwise)");
  lag->add_option("--interval", lag_flags->interval_us,
                  "refresh interval for --watch, at least 100ms (default 2s; a bare number is seconds)")
      ->transform(DurationValue(BareNumber::kSeconds, 100000));
  lag->add_option("--count", lag_flags->count, "with --watch, stop after N refreshes (default 0: until interrupted)");
  lag->footer(
      "Examples:\n"
      "  slsflow groups lag etl -p demo -l app\n"
      "  slsflow groups lag etl -p demo -l app --watch --interval 5s\n"
      "  slsflow groups lag etl -p demo -l app -f json | jq '[.[].backlog] | add'\n"
      "  slsflow groups lag etl -p demo -l app --watch -f json --count 10 >> lag.jsonl");

  auto reset_flags = std::make_shared<GroupFlags>();
  auto* reset = AddGroupCommand(cmd, "reset", "move a group's checkpoints to begin, end or a time", reset_flags,
                                RunReset, exit_code);
  reset->add_option("--to", reset_flags->to, "begin, end, or a time: 2026-11-01T00:00Z, 1764000000, '2h ago', today")
      ->required()
      ->check(TimeValue());
  reset->add_option("--shards", reset_flags->shards, "only these shards, e.g. 0,3-5 (default: every shard)")
      ->check(ShardSetValue());
  reset->add_flag("--force", reset_flags->force, "reset even while consumers look alive");
  reset->add_flag("--dry-run", reset_flags->dry_run, "show what would change, write nothing");
  reset->footer(
      "Examples:\n"
      "  slsflow groups reset etl -p demo -l app --to begin\n"
      "  slsflow groups reset etl -p demo -l app --to '2h ago' --shards 0,3-5\n"
      "  slsflow groups reset etl -p demo -l app --to 2026-11-01T00:00Z --dry-run\n"
      "  slsflow groups reset etl -p demo -l app --to end --force");
}

}  // namespace slsflow::cli
