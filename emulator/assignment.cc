#include "emulator/assignment.h"

#include <algorithm>

#include "emulator/cursor.h"

namespace slsflow::emulator {
namespace {

bool Overlaps(const HashRange& a, const HashRange& b) {
  bool a_before_b_end = b.end.is_max || a.begin < b.end.value;
  bool b_before_a_end = a.end.is_max || b.begin < a.end.value;
  return a_before_b_end && b_before_a_end;
}

Status GroupError(int http, const char* code, std::string message) {
  return Status::Error(ErrorKind::kConflict, std::move(message)).set_http_status(http).set_sls_code(code);
}

}  // namespace

const char* AllocStateName(AllocState s) {
  switch (s) {
    case AllocState::kNotAlloc:
      return "not_alloc";
    case AllocState::kAlloc:
      return "already_alloc";
    case AllocState::kTransfer:
      return "transfer";
    case AllocState::kWait:
      return "wait";
    case AllocState::kOver:
      return "over";
  }
  return "?";
}

Result<std::vector<int>> ConsumerGroupState::Heartbeat(const std::string& consumer, const std::vector<int>& held,
                                                       const std::vector<ShardView>& shards, int64_t now_us) {
  Expire(now_us);
  if (!last_beat_.count(consumer) && !held.empty()) {
    // A consumer the group does not know (timed out, or never seen, as
    // after an emulator restart) must drop what it holds and join with []
    // (doc/protocol.md §12.2, §13.3); the SDKs and slsflow do.
    return GroupError(400, "NotExistConsumerWithBody",
                      "consumer " + consumer + " is not in the group (timed out or never joined); " +
                          "heartbeat with an empty shard list to join");
  }
  last_beat_[consumer] = now_us;
  SyncShards(shards);

  std::set<int> held_set(held.begin(), held.end());
  // A shard in transfer moves once its holder no longer lists it.
  for (auto& [id, slot] : slots_) {
    if (slot.state == AllocState::kTransfer && slot.owner == consumer && !held_set.count(id)) {
      slot.state = AllocState::kAlloc;
      slot.owner = slot.transfer_to;
      slot.transfer_to.clear();
    }
  }
  // Stickiness: an unowned shard the caller still holds goes back to it
  // first, as far as balance allows.
  size_t live = last_beat_.size();
  size_t consumable = 0;
  size_t mine = 0;
  for (auto& [id, slot] : slots_) {
    if (slot.state == AllocState::kNotAlloc || slot.state == AllocState::kAlloc ||
        slot.state == AllocState::kTransfer) {
      ++consumable;
    }
    if ((slot.state == AllocState::kAlloc && slot.owner == consumer) ||
        (slot.state == AllocState::kTransfer && slot.transfer_to == consumer)) {
      ++mine;
    }
  }
  size_t fair_ceil = live == 0 ? 0 : (consumable + live - 1) / live;
  for (int id : held) {
    auto it = slots_.find(id);
    if (it == slots_.end() || it->second.state != AllocState::kNotAlloc || mine >= fair_ceil) continue;
    it->second.state = AllocState::kAlloc;
    it->second.owner = consumer;
    ++mine;
  }
  Rebalance();

  std::vector<int> out;
  for (auto& [id, slot] : slots_) {
    if (slot.state == AllocState::kAlloc && slot.owner == consumer) out.push_back(id);
  }
  return out;
}

Status ConsumerGroupState::CheckOwner(const std::string& consumer, int shard, int64_t now_us) {
  Expire(now_us);
  if (!last_beat_.count(consumer)) {
    return GroupError(400, "ConsumerNotExist", "consumer " + consumer + " is not in the group (heartbeat first)");
  }
  auto it = slots_.find(shard);
  if (it == slots_.end() || it->second.owner != consumer ||
      (it->second.state != AllocState::kAlloc && it->second.state != AllocState::kTransfer)) {
    return GroupError(400, "ConsumerNotMatch",
                      "consumer " + consumer + " does not hold shard " + std::to_string(shard));
  }
  return Status::OK();
}

void ConsumerGroupState::SetCheckpoint(const CheckpointRecord& record, const std::vector<ShardView>& shards) {
  checkpoints_[record.shard] = record;
  SyncShards(shards);
}

AllocState ConsumerGroupState::StateOf(int shard) const {
  auto it = slots_.find(shard);
  return it == slots_.end() ? AllocState::kNotAlloc : it->second.state;
}

std::string ConsumerGroupState::OwnerOf(int shard) const {
  auto it = slots_.find(shard);
  return it == slots_.end() ? std::string() : it->second.owner;
}

std::vector<std::string> ConsumerGroupState::LiveConsumers() const {
  std::vector<std::string> out;
  for (auto& [name, t] : last_beat_) out.push_back(name);
  return out;
}

void ConsumerGroupState::Expire(int64_t now_us) {
  int64_t limit = static_cast<int64_t>(meta_.timeout_s) * 1000000;
  std::vector<std::string> gone;
  for (auto& [name, t] : last_beat_) {
    if (now_us - t > limit) gone.push_back(name);
  }
  for (auto& name : gone) {
    last_beat_.erase(name);
    Release(name);
  }
}

void ConsumerGroupState::Release(const std::string& consumer) {
  for (auto& [id, slot] : slots_) {
    if (slot.state == AllocState::kTransfer && slot.transfer_to == consumer) {
      // The receiver died first: the holder keeps the shard.
      slot.state = AllocState::kAlloc;
      slot.transfer_to.clear();
    }
    if (slot.owner != consumer) continue;
    if (slot.state == AllocState::kTransfer) {
      slot.state = AllocState::kAlloc;
      slot.owner = slot.transfer_to;
      slot.transfer_to.clear();
    } else if (slot.state == AllocState::kAlloc) {
      slot.state = AllocState::kNotAlloc;
      slot.owner.clear();
    }
  }
}

bool ConsumerGroupState::Finished(const ShardView& shard) const {
  if (!shard.readonly) return false;
  if (shard.end_offset == 0) return true;  // nothing was ever written: nothing to consume
  auto it = checkpoints_.find(shard.id);
  if (it == checkpoints_.end()) return false;
  uint64_t offset = 0;
  return DecodeCursor(it->second.checkpoint, &offset) && offset >= shard.end_offset;
}

void ConsumerGroupState::SyncShards(const std::vector<ShardView>& shards) {
  auto unfinished_ancestor = [&](const ShardView& child) {
    for (const auto& s : shards) {
      if (s.readonly && s.id < child.id && Overlaps(s.range, child.range) && !Finished(s)) return true;
    }
    return false;
  };
  for (const auto& view : shards) {
    auto [it, inserted] = slots_.try_emplace(view.id);
    ShardSlot& slot = it->second;
    if (inserted && meta_.order && unfinished_ancestor(view)) slot.state = AllocState::kWait;
    if (Finished(view)) {
      slot = ShardSlot{AllocState::kOver, "", ""};
      continue;
    }
    if (slot.state == AllocState::kOver) slot.state = AllocState::kNotAlloc;  // checkpoint forced back
    if (slot.state == AllocState::kWait && (!meta_.order || !unfinished_ancestor(view))) {
      slot.state = AllocState::kNotAlloc;
    }
  }
}

void ConsumerGroupState::Rebalance() {
  if (last_beat_.empty()) return;
  std::map<std::string, int> load;
  for (auto& [name, t] : last_beat_) load[name] = 0;
  for (auto& [id, slot] : slots_) {
    if (slot.state == AllocState::kAlloc) load[slot.owner]++;
    if (slot.state == AllocState::kTransfer) load[slot.transfer_to]++;
  }
  auto least = [&] {
    return std::min_element(load.begin(), load.end(), [](auto& a, auto& b) { return a.second < b.second; });
  };
  for (auto& [id, slot] : slots_) {
    if (slot.state != AllocState::kNotAlloc) continue;
    auto it = least();
    slot.state = AllocState::kAlloc;
    slot.owner = it->first;
    it->second++;
  }
  // Move surplus shards, one at a time, from the most to the least loaded
  // consumer until every two loads differ by at most one.
  for (size_t guard = 0; guard <= slots_.size() * 2; ++guard) {
    auto lo = least();
    auto hi = std::max_element(load.begin(), load.end(), [](auto& a, auto& b) { return a.second < b.second; });
    if (hi->second - lo->second <= 1) break;
    ShardSlot* pick = nullptr;
    for (auto it = slots_.rbegin(); it != slots_.rend() && !pick; ++it) {
      if (it->second.state == AllocState::kAlloc && it->second.owner == hi->first) pick = &it->second;
    }
    if (pick) {
      pick->state = AllocState::kTransfer;
      pick->transfer_to = lo->first;
    } else {
      // Everything the busiest consumer has is still incoming: redirect one.
      for (auto it = slots_.rbegin(); it != slots_.rend() && !pick; ++it) {
        if (it->second.state == AllocState::kTransfer && it->second.transfer_to == hi->first) pick = &it->second;
      }
      if (!pick) break;
      if (pick->owner == lo->first) {
        pick->state = AllocState::kAlloc;
        pick->transfer_to.clear();
      } else {
        pick->transfer_to = lo->first;
      }
    }
    hi->second--;
    lo->second++;
  }
}

}  // namespace slsflow::emulator
