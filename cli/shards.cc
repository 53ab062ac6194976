// `slsflow shards list|split|merge`: see man/slsflow-shards.1.
#include <memory>
#include <set>

#include <spdlog/spdlog.h>

#include "cli/admin.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/values.h"
#include "core/sls/shard_set.h"

namespace slsflow::cli {
namespace {

struct ListFlags {
  CommonFlags common;
  bool cursors = false;
};

struct ReshapeFlags {
  CommonFlags common;
  int shard = -1;
  std::string hash_key;
  int into = 0;
  int64_t wait_us = 60000000;
};

int RunList(const ListFlags& f) {
  auto ctx = OpenAdmin(f.common);
  if (!ctx.ok()) return ReportError(ctx.status());
  auto shards = ListShardsSorted(*ctx->client, ctx->logstore);
  if (!shards.ok()) return ReportError(shards.status());
  std::vector<ShardCursors> cursors(f.cursors ? shards->size() : 0);
  if (f.cursors) {
    Status st = ForEachParallel(ctx->settings, shards->size(), [&](size_t i, SlsClient& client) {
      int id = (*shards)[i].id;
      auto c = FetchShardCursors(client, ctx->logstore, id);
      if (!c.ok()) return c.status().WithContext("shard " + std::to_string(id));
      cursors[i] = std::move(*c);
      return Status::OK();
    });
    if (!st.ok()) return ReportError(st);
  }
  Table table(ShardColumns(f.cursors));
  for (size_t i = 0; i < shards->size(); ++i) table.AddRow(ShardRow((*shards)[i], f.cursors ? &cursors[i] : nullptr));
  return ReportError(WriteStdout(table.Render(ctx->format)));
}

// Polls ListShards until every id in `ids` is readwrite, or the deadline.
Result<std::vector<ShardInfo>> WaitReadWrite(AdminContext& ctx, const std::vector<int>& ids, int64_t wait_us) {
  Env* env = Env::Default();
  const int64_t deadline = env->MonotonicMicros() + wait_us;
  while (true) {
    auto shards = ListShardsSorted(*ctx.client, ctx.logstore);
    if (!shards.ok()) return shards.status();
    std::vector<ShardInfo> found;
    std::vector<int> pending;
    for (int id : ids) {
      const ShardInfo* s = FindShard(*shards, id);
      if (s && s->status == "readwrite") {
        found.push_back(*s);
      } else {
        pending.push_back(id);
      }
    }
    if (pending.empty()) return found;
    if (env->MonotonicMicros() >= deadline)
      return Status::Error(ErrorKind::kTimeout,
                           "shards " + FormatShardSet(pending) + " are not readwrite after " +
                               std::to_string(wait_us / 1000000) +
                               "s; the change was accepted, check later with 'slsflow shards list'");
    env->SleepMicros(500 * 1000);
  }
}

// The readwrite shard `id`, or a clear error about why it can't be reshaped.
Result<ShardInfo> ReadWriteShard(const AdminContext& ctx, const std::vector<ShardInfo>& shards, int id,
                                 const char* verb) {
  const ShardInfo* s = FindShard(shards, id);
  if (!s) return ShardNotFound(ctx.logstore, id, shards);
  if (s->readonly()) {
    std::vector<int> rw;
    for (const auto& o : shards)
      if (!o.readonly()) rw.push_back(o.id);
    return Status::Invalid("shard " + std::to_string(id) + " is readonly (already split or merged) and cannot be " +
                           verb + "; readwrite shards: " + FormatShardSet(rw));
  }
  return *s;
}

// The two children in a split reply [parent, left, right], told apart by range.
Status ChildrenOf(const std::vector<ShardInfo>& reply, const ShardInfo& parent, ShardInfo* left, ShardInfo* right) {
  std::vector<ShardInfo> children;
  for (const auto& s : reply)
    if (s.id != parent.id) children.push_back(s);
  if (children.size() != 2)
    return Status::Corruption("split reply has " + std::to_string(children.size()) + " new shards, expected 2");
  bool first_is_left = children[0].begin_key == parent.begin_key;
  *left = first_is_left ? children[0] : children[1];
  *right = first_is_left ? children[1] : children[0];
  return Status::OK();
}

int RunSplit(const ReshapeFlags& f) {
  if (!f.hash_key.empty() && f.into != 0) return ReportError(Status::Usage("give --hash-key or --into, not both"));
  if (f.into != 0 && (f.into < 2 || f.into > 64)) return ReportError(Status::Usage("--into must be between 2 and 64"));
  auto ctx = OpenAdmin(f.common);
  if (!ctx.ok()) return ReportError(ctx.status());
  auto shards = ListShardsSorted(*ctx->client, ctx->logstore);
  if (!shards.ok()) return ReportError(shards.status());
  auto parent = ReadWriteShard(*ctx, *shards, f.shard, "split");
  if (!parent.ok()) return ReportError(parent.status());

  std::vector<std::string> keys;
  if (!f.hash_key.empty()) {
    auto key = NormalizeHashKey(f.hash_key, "--hash-key");
    if (!key.ok()) return ReportError(key.status());
    if (!HashKeyStrictlyInside(*key, parent->begin_key, parent->end_key)) {
      auto mid = EqualSplitKeys(parent->begin_key, parent->end_key, 2);
      return ReportError(Status::Usage("--hash-key " + *key + " is not strictly inside the range of shard " +
                                       std::to_string(parent->id) + " [" + parent->begin_key + ", " + parent->end_key +
                                       "); pick a key between them" +
                                       (mid.ok() ? ", e.g. its midpoint " + mid->front() : std::string())));
    }
    keys.push_back(*key);
  } else {
    auto equal = EqualSplitKeys(parent->begin_key, parent->end_key, f.into ? f.into : 2);
    if (!equal.ok()) return ReportError(equal.status());
    keys = std::move(*equal);
  }

  // N ways by cutting the right-hand child again each time: only the
  // documented key form of SplitShard is used.
  std::vector<int> new_ids;
  ShardInfo current = *parent;
  for (const auto& key : keys) {
    auto reply = ctx->client->SplitShard(ctx->logstore, current.id, key);
    if (!reply.ok()) {
      Status st = reply.status().WithContext("splitting shard " + std::to_string(current.id) + " at " + key);
      if (!new_ids.empty()) st = st.WithContext("shards " + FormatShardSet(new_ids) + " were already created");
      return ReportError(st);
    }
    ShardInfo left, right;
    if (Status st = ChildrenOf(*reply, current, &left, &right); !st.ok()) return ReportError(st);
    spdlog::info("split shard {} at {} into {} and {}", current.id, key, left.id, right.id);
    new_ids.push_back(left.id);
    current = right;
  }
  new_ids.push_back(current.id);

  auto ready = WaitReadWrite(*ctx, new_ids, f.wait_us);
  if (!ready.ok()) return ReportError(ready.status());
  Table table(ShardColumns(false));
  for (const auto& s : *ready) table.AddRow(ShardRow(s, nullptr));
  return ReportError(WriteStdout(table.Render(ctx->format)));
}

int RunMerge(const ReshapeFlags& f) {
  auto ctx = OpenAdmin(f.common);
  if (!ctx.ok()) return ReportError(ctx.status());
  auto shards = ListShardsSorted(*ctx->client, ctx->logstore);
  if (!shards.ok()) return ReportError(shards.status());
  auto left = ReadWriteShard(*ctx, *shards, f.shard, "merged");
  if (!left.ok()) return ReportError(left.status());
  const ShardInfo* right = nullptr;
  const ShardInfo* before = nullptr;
  for (const auto& s : *shards) {
    if (s.readonly()) continue;
    if (s.begin_key == left->end_key) right = &s;
    if (s.end_key == left->begin_key) before = &s;
  }
  if (!right) {
    std::string hint = before
                           ? "; merge the shard to its left instead: slsflow shards merge " + std::to_string(before->id)
                           : std::string();
    return ReportError(Status::Usage("shard " + std::to_string(left->id) +
                                     " has no readwrite shard to its right to merge with (MergeShard takes the left "
                                     "shard of a pair)" +
                                     hint));
  }
  auto reply = ctx->client->MergeShard(ctx->logstore, left->id);
  if (!reply.ok())
    return ReportError(
        reply.status().WithContext("merging shards " + std::to_string(left->id) + " and " + std::to_string(right->id)));
  int merged = -1;
  for (const auto& s : *reply)
    if (s.id != left->id && s.id != right->id) merged = s.id;
  if (merged < 0) return ReportError(Status::Corruption("merge reply names no new shard"));
  spdlog::info("merged shards {} and {} into {}", left->id, right->id, merged);
  auto ready = WaitReadWrite(*ctx, {merged}, f.wait_us);
  if (!ready.ok()) return ReportError(ready.status());
  Table table(ShardColumns(false));
  for (const auto& s : *ready) table.AddRow(ShardRow(s, nullptr));
  return ReportError(WriteStdout(table.Render(ctx->format)));
}

void AddWaitFlag(CLI::App* cmd, ReshapeFlags* f, const std::string& what) {
  cmd->add_option("--wait", f->wait_us, what + " (default 60s; a bare number is seconds)")
      ->transform(DurationValue(BareNumber::kSeconds));
}

}  // namespace

void RegisterShardsCommand(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand("shards", "list, split and merge a logstore's shards");
  cmd->require_subcommand(1);
  cmd->footer(
      "Examples:\n"
      "  slsflow shards list -p demo -l app\n"
      "  slsflow shards list -p demo -l app --cursors -f json\n"
      "  slsflow shards split 0 -p demo -l app --into 4\n"
      "  slsflow shards split 1 -p demo -l app --hash-key 40000000000000000000000000000000\n"
      "  slsflow shards merge 5 -p demo -l app\n"
      "See slsflow-shards(1).");

  auto list_flags = std::make_shared<ListFlags>();
  auto* list = cmd->add_subcommand("list", "shards with id, status, hash range, creation time (and cursors)");
  AddCommonFlags(list, &list_flags->common, LogstoreArity::kOne, true);
  list->add_flag("--cursors", list_flags->cursors,
                 "add begin and end cursors and the head time (receive time of the last LogGroup)");
  list->footer(
      "Examples:\n"
      "  slsflow shards list -p demo -l app\n"
      "  slsflow shards list -p demo -l app --cursors\n"
      "  slsflow shards list -p demo -l app -f json | jq '.[] | select(.status==\"readwrite\") | .shard'\n"
      "  slsflow shards list -p demo -l app -f csv > shards.csv");
  list->callback([list_flags, exit_code] { *exit_code = RunList(*list_flags); });

  auto split_flags = std::make_shared<ReshapeFlags>();
  auto* split = cmd->add_subcommand("split", "split a readwrite shard in two (or N) and wait for the children");
  split->add_option("SHARD", split_flags->shard, "the shard to split")->required()->check(CLI::NonNegativeNumber);
  AddCommonFlags(split, &split_flags->common, LogstoreArity::kOne, true);
  split
      ->add_option("--hash-key", split_flags->hash_key,
                   "split at this 32-hex-digit hash key (strictly inside the range)")
      ->type_name("HEX32");
  split->add_option("--key", split_flags->hash_key, "deprecated: --hash-key")->group("");
  split->add_option("--into", split_flags->into, "split into N equal ranges, 2..64 (default 2: the midpoint)");
  AddWaitFlag(split, split_flags.get(), "how long to wait for the new shards to be readwrite");
  split->footer(
      "Examples:\n"
      "  slsflow shards split 0 -p demo -l app\n"
      "  slsflow shards split 0 -p demo -l app --into 4 -f json\n"
      "  slsflow shards split 2 -p demo -l app --hash-key c0000000000000000000000000000000");
  split->callback([split_flags, exit_code] { *exit_code = RunSplit(*split_flags); });

  auto merge_flags = std::make_shared<ReshapeFlags>();
  auto* merge =
      cmd->add_subcommand("merge", "merge a readwrite shard with its right neighbour and wait for the result");
  merge->add_option("SHARD", merge_flags->shard, "the left shard of the pair")
      ->required()
      ->check(CLI::NonNegativeNumber);
  AddCommonFlags(merge, &merge_flags->common, LogstoreArity::kOne, true);
  AddWaitFlag(merge, merge_flags.get(), "how long to wait for the merged shard to be readwrite");
  merge->footer(
      "Examples:\n"
      "  slsflow shards merge 4 -p demo -l app\n"
      "  slsflow shards merge 4 -p demo -l app -f json\n"
      "  slsflow shards list -p demo -l app   # find adjacent readwrite pairs first");
  merge->callback([merge_flags, exit_code] { *exit_code = RunMerge(*merge_flags); });
}

}  // namespace slsflow::cli
