#include "emulator/storage.h"

namespace slsflow::emulator {
namespace {

// Everything already lives in the model; there is nothing to make durable.
class MemoryStorage final : public Storage {
 public:
  Status Load(std::vector<LoadedProject>* out) override {
    out->clear();
    return Status::OK();
  }
  Status SaveLogStore(const std::string&, const LogStoreMeta&, const std::vector<ShardMeta>&) override {
    return Status::OK();
  }
  Status DeleteLogStore(const std::string&, const std::string&) override { return Status::OK(); }
  Status AppendGroup(const std::string&, const std::string&, int, uint64_t, const StoredGroup&) override {
    return Status::OK();
  }
  Status SaveConsumerGroup(const std::string&, const std::string&, const ConsumerGroupMeta&) override {
    return Status::OK();
  }
  Status DeleteConsumerGroup(const std::string&, const std::string&, const std::string&) override {
    return Status::OK();
  }
  Status SaveCheckpoint(const std::string&, const std::string&, const std::string&, const CheckpointRecord&) override {
    return Status::OK();
  }
};

}  // namespace

std::unique_ptr<Storage> NewMemoryStorage() {
  return std::make_unique<MemoryStorage>();
}

}  // namespace slsflow::emulator
