#include "emulator/storage.h"

namespace slsflow::emulator {

Status MemoryStorage::Load(std::vector<LoadedProject>* out) {
  out->clear();
  return Status::OK();
}
Status MemoryStorage::SaveLogStore(const std::string&, const LogStoreMeta&, const std::vector<ShardMeta>&) {
  return Status::OK();
}
Status MemoryStorage::DeleteLogStore(const std::string&, const std::string&) {
  return Status::OK();
}
Status MemoryStorage::AppendGroup(const std::string&, const std::string&, int, uint64_t, const StoredGroup&) {
  return Status::OK();
}
Status MemoryStorage::SaveConsumerGroup(const std::string&, const std::string&, const ConsumerGroupMeta&) {
  return Status::OK();
}
Status MemoryStorage::DeleteConsumerGroup(const std::string&, const std::string&, const std::string&) {
  return Status::OK();
}
Status MemoryStorage::SaveCheckpoint(const std::string&, const std::string&, const std::string&,
                                     const CheckpointRecord&) {
  return Status::OK();
}

std::unique_ptr<Storage> NewMemoryStorage() {
  return std::make_unique<MemoryStorage>();
}

}  // namespace slsflow::emulator
