#include "core/produce/mapped_input.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "tests/test_util.h"

using namespace slsflow;

namespace {

struct Fd {
  int fd;
  explicit Fd(const std::string& path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) { REQUIRE(fd >= 0); }
  ~Fd() { ::close(fd); }
};

std::string Lines(int n, const std::string& prefix) {
  std::string text;
  for (int i = 0; i < n; ++i) text += prefix + std::to_string(i) + "\n";
  return text;
}

}  // namespace

TEST_CASE("mapped input: whole-line blocks until a line does not fit, then the caller reads") {
  std::string dir = test::MakeTempDir("mapped-input");
  std::string path = dir + "/in.log";
  std::string head = Lines(20000, "line ");
  std::string longline(5000, 'L');
  test::WriteFileOrDie(path, head + longline + "\n" + "tail without newline");
  Fd f(path);
  auto m = MappedInput::Map(f.fd, 0, path, 1);
  REQUIRE(m);
  std::string got;
  std::string_view block;
  while (m->Next(4096, &block)) {
    CHECK(block.size() <= 4096);
    CHECK(block.back() == '\n');
    got.append(block);
  }
  // It stops before the 5000-byte line: the read() path takes it from there.
  CHECK(got == head);
  CHECK(m->offset() == head.size());
  // With room for it, the long line comes too, and only the partial last line is left.
  CHECK(m->Next(8192, &block));
  CHECK(block == longline + "\n");
  CHECK_FALSE(m->Next(1 << 20, &block));
  CHECK(m->offset() == head.size() + longline.size() + 1);
}

TEST_CASE("mapped input: not for pipes, small rests or offsets past the end") {
  std::string dir = test::MakeTempDir("mapped-input");
  std::string path = dir + "/small.log";
  test::WriteFileOrDie(path, "a\nb\n");
  Fd f(path);
  CHECK(MappedInput::Map(f.fd, 0, path, 1024) == nullptr);  // under min_bytes
  CHECK(MappedInput::Map(f.fd, 10, path, 1) == nullptr);    // past the end
  auto m = MappedInput::Map(f.fd, 2, path, 1);              // from an offset
  REQUIRE(m);
  std::string_view block;
  REQUIRE(m->Next(100, &block));
  CHECK(block == "b\n");
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  CHECK(MappedInput::Map(pipe_fds[0], 0, "pipe", 1) == nullptr);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

TEST_CASE("a mapped file that shrinks under the reader: a clear message and exit 1, not a bare SIGBUS") {
  std::string dir = test::MakeTempDir("mapped-input");
  std::string path = dir + "/shrinking.log";
  test::WriteFileOrDie(path, Lines(400000, "some line "));
  int err_pipe[2];
  REQUIRE(pipe(err_pipe) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    dup2(err_pipe[1], 2);
    int fd = ::open(path.c_str(), O_RDONLY);
    auto m = MappedInput::Map(fd, 0, path, 1);
    if (!m) _exit(3);
    std::string_view block;
    if (!m->Next(4096, &block)) _exit(4);
    if (truncate(path.c_str(), 0) != 0) _exit(5);
    size_t sum = 0;
    while (m->Next(1 << 20, &block)) sum += static_cast<unsigned char>(block[block.size() / 2]);
    _exit(sum == 12345 ? 6 : 7);  // not reached: the first touch past the end faults
  }
  close(err_pipe[1]);
  std::string err;
  char buf[512];
  for (ssize_t n; (n = read(err_pipe[0], buf, sizeof buf)) > 0;) err.append(buf, static_cast<size_t>(n));
  close(err_pipe[0]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  CHECK(err.find(path + " shrank while it was being read") != std::string::npos);
}
