#include "core/produce/mapped_input.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

namespace slsflow {

namespace {

// What the SIGBUS handler writes: prepared beforehand, since a handler may
// only call async-signal-safe functions.
char g_sigbus_message[512];
size_t g_sigbus_message_len = 0;

void OnSigbus(int) {
  ssize_t ignored = write(2, g_sigbus_message, g_sigbus_message_len);
  (void)ignored;
  _exit(1);
}

void ArmSigbus(const std::string& path) {
  std::string text = "slsflow: " + path +
                     " shrank while it was being read (truncated?): what was delivered cannot be told; "
                     "check the file and run again\n";
  if (text.size() > sizeof g_sigbus_message) text = "slsflow: the input file shrank while it was being read\n";
  std::memcpy(g_sigbus_message, text.data(), text.size());
  g_sigbus_message_len = text.size();
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa = {};
    sa.sa_handler = OnSigbus;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, nullptr);
  });
}

}  // namespace

std::unique_ptr<MappedInput> MappedInput::Map(int fd, uint64_t offset, const std::string& path, size_t min_bytes) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
  auto size = static_cast<uint64_t>(st.st_size);
  if (size < offset || size - offset < min_bytes) return nullptr;
  void* base = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) return nullptr;
  madvise(base, size, MADV_SEQUENTIAL);
  ArmSigbus(path);
  std::unique_ptr<MappedInput> m(new MappedInput(static_cast<const char*>(base), size, offset));
  return m;
}

MappedInput::~MappedInput() {
  munmap(const_cast<char*>(base_), size_);
}

bool MappedInput::Next(size_t max_bytes, std::string_view* block) {
  // The previous block has been parsed and copied into batches by now.
  static const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t below = pos_ / page * page;
  if (below > dropped_) {
    madvise(const_cast<char*>(base_) + dropped_, below - dropped_, MADV_DONTNEED);
    dropped_ = below;
  }
  uint64_t window = std::min<uint64_t>(max_bytes, size_ - pos_);
  if (window == 0) return false;
  const void* nl = memrchr(base_ + pos_, '\n', window);
  if (!nl) return false;
  auto end = static_cast<uint64_t>(static_cast<const char*>(nl) - base_) + 1;
  *block = std::string_view(base_ + pos_, end - pos_);
  pos_ = end;
  return true;
}

}  // namespace slsflow
