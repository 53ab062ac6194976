#include "core/produce/reader.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include "tests/test_util.h"

using namespace slsflow;

namespace {

void Append(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  f << data;
}

uint64_t Inode(const std::string& path) {
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  return static_cast<uint64_t>(st.st_ino);
}

// Reads until `want` bytes of lines arrived or `tries` reads passed.
std::string ReadSome(InputReader* r, size_t want, int tries = 50, uint64_t* last_end = nullptr) {
  std::string got;
  for (int i = 0; i < tries && got.size() < want; ++i) {
    ReadBlock b;
    auto st = r->Read(20, &b);
    REQUIRE(st.ok());
    if (*st == ReadStatus::kEof) break;
    got.append(b.data);
    if (last_end && !b.data.empty()) *last_end = b.start_offset + b.data.size();
  }
  return got;
}

// Reads to EOF and returns the blocks, checking that each starts where the
// one before ended.
std::vector<std::string> ReadToEof(InputReader* r) {
  std::vector<std::string> blocks;
  uint64_t expect_offset = 0;
  for (;;) {
    ReadBlock b;
    auto st = r->Read(100, &b);
    REQUIRE(st.ok());
    if (*st == ReadStatus::kEof) break;
    if (*st != ReadStatus::kData) continue;
    CHECK(b.start_offset == expect_offset);
    expect_offset += b.data.size();
    blocks.emplace_back(b.data);
  }
  return blocks;
}

// --follow on `path`, polling fast so the tests do not wait.
InputReaderOptions Following(const std::string& path) {
  InputReaderOptions o;
  o.path = path;
  o.follow = true;
  o.poll_interval_ms = 5;
  return o;
}

std::string Joined(const std::vector<std::string>& blocks) {
  std::string all;
  for (auto& b : blocks) all += b;
  return all;
}

}  // namespace

TEST_CASE("reads a file in whole lines, the last one without a newline") {
  std::string dir = test::MakeTempDir("produce-reader");
  std::string path = dir + "/in.log";
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "line " + std::to_string(i) + "\n";
  text += "tail";
  test::WriteFileOrDie(path, text);
  InputReaderOptions o;
  o.path = path;
  o.read_size = 4096;
  auto r = InputReader::Open(o);
  REQUIRE(r.ok());
  auto blocks = ReadToEof(r->get());
  for (auto& b : blocks) CHECK((b.back() == '\n' || b == "tail" || b.substr(b.size() - 4) == "tail"));
  CHECK(Joined(blocks) == text);
}

TEST_CASE("a big file is mapped and still every byte comes: long lines, appends, no last newline") {
  std::string dir = test::MakeTempDir("produce-reader");
  std::string path = dir + "/big.log";
  std::string text;
  for (int i = 0; i < 300000; ++i) text += "a fairly ordinary log line number " + std::to_string(i) + "\n";  // > 4 MB
  text += std::string(3 << 20, 'x') + "\n";  // longer than a read block: the read() path's
  for (int i = 0; i < 1000; ++i) text += "after the long line " + std::to_string(i) + "\n";
  test::WriteFileOrDie(path, text);
  InputReaderOptions o;
  o.path = path;
  auto r = InputReader::Open(o);
  REQUIRE(r.ok());
  // Written after the file was mapped: the read() path must pick it up.
  std::string appended;
  for (int i = 0; i < 1000; ++i) appended += "appended " + std::to_string(i) + "\n";
  appended += "last line without newline";
  Append(path, appended);
  std::string got = Joined(ReadToEof(r->get()));
  CHECK(got.size() == text.size() + appended.size());
  CHECK(got == text + appended);
}

TEST_CASE("an oversized line is skipped whole and reported, the rest goes on") {
  std::string dir = test::MakeTempDir("produce-reader");
  std::string path = dir + "/big.log";
  std::string big(100000, 'x');
  test::WriteFileOrDie(path, "a\n" + big + "\nb\n");
  InputReaderOptions o;
  o.path = path;
  o.read_size = 4096;
  o.max_line = 10000;
  auto r = InputReader::Open(o);
  REQUIRE(r.ok());
  std::string lines;
  uint64_t oversized = 0, oversized_at = 0;
  for (;;) {
    ReadBlock b;
    auto st = (*r)->Read(100, &b);
    REQUIRE(st.ok());
    if (*st == ReadStatus::kEof) break;
    if (b.oversized_bytes) {
      oversized = b.oversized_bytes;
      oversized_at = b.start_offset;
    }
    lines.append(b.data);
  }
  CHECK(lines == "a\nb\n");
  CHECK(oversized == big.size() + 1);
  CHECK(oversized_at == 2);
}

TEST_CASE("follow: growth, rename+create rotation, copytruncate") {
  std::string dir = test::MakeTempDir("produce-reader");
  std::string path = dir + "/app.log";
  test::WriteFileOrDie(path, "one\n");
  InputReaderOptions o = Following(path);
  auto r = InputReader::Open(o);
  REQUIRE(r.ok());
  CHECK(ReadSome(r->get(), 4) == "one\n");
  Append(path, "two\npart");
  CHECK(ReadSome(r->get(), 4) == "two\n");
  Append(path, "ial\n");
  CHECK(ReadSome(r->get(), 8) == "partial\n");
  // logrotate create: rename, then a new file; the old one gets a late line.
  Append(path, "three\n");
  REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
  Append(path + ".1", "late\n");
  test::WriteFileOrDie(path, "four\n");
  CHECK(ReadSome(r->get(), 16) == "three\nlate\nfour\n");
  CHECK((*r)->inode() == Inode(path));
  // copytruncate: the file shrinks under us.
  Append(path, "five\n");
  CHECK(ReadSome(r->get(), 5) == "five\n");
  REQUIRE(truncate(path.c_str(), 0) == 0);
  ReadSome(r->get(), 1, 3);
  Append(path, "six\n");
  uint64_t end = 0;
  CHECK(ReadSome(r->get(), 4, 50, &end) == "six\n");
  CHECK(end == 4);
}

TEST_CASE("follow resumes at a saved position, also inside a rotated file") {
  std::string dir = test::MakeTempDir("produce-reader");
  std::string path = dir + "/app.log";
  test::WriteFileOrDie(path, "old1\nold2\n");
  uint64_t old_inode = Inode(path);
  InputReaderOptions o = Following(path);
  o.start = {old_inode, 5};
  {
    auto r = InputReader::Open(o);
    REQUIRE(r.ok());
    CHECK(ReadSome(r->get(), 5) == "old2\n");
  }
  Append(path, "old3\n");
  REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
  test::WriteFileOrDie(path, "new1\n");
  o.start = {old_inode, 10};
  auto r = InputReader::Open(o);
  REQUIRE(r.ok());
  CHECK(ReadSome(r->get(), 10) == "old3\nnew1\n");
}

TEST_CASE("follow: a file truncated and rewritten past the saved offset is read from its start") {
  std::string dir = test::MakeTempDir("produce-reader");
  std::string path = dir + "/app.log";
  std::string before = "aaaa-1\naaaa-2\n";
  test::WriteFileOrDie(path, before);
  InputPosition pos{Inode(path), before.size(), static_cast<uint32_t>(before.size()), TailCrc(before)};
  InputReaderOptions o = Following(path);
  o.start = pos;
  {
    Append(path, "aaaa-3\n");
    auto r = InputReader::Open(o);
    REQUIRE(r.ok());
    CHECK(ReadSome(r->get(), 7) == "aaaa-3\n");  // same bytes before the offset: resume there
  }
  REQUIRE(truncate(path.c_str(), 0) == 0);
  Append(path, "bbbb-1\nbbbb-2\nbbbb-3\n");
  auto r = InputReader::Open(o);
  REQUIRE(r.ok());
  CHECK(ReadSome(r->get(), 21) == "bbbb-1\nbbbb-2\nbbbb-3\n");
}

TEST_CASE("follow without --file is a usage error") {
  InputReaderOptions o;
  o.follow = true;
  CHECK(InputReader::Open(o).status().kind() == ErrorKind::kUsage);
}

namespace {

// Puts `fd` on stdin for the test's lifetime: the reader reads fd 0 itself.
struct StdinFrom {
  int saved = dup(STDIN_FILENO);
  explicit StdinFrom(int fd) {
    REQUIRE(saved >= 0);
    REQUIRE(dup2(fd, STDIN_FILENO) == STDIN_FILENO);
    ::close(fd);
  }
  ~StdinFrom() {
    dup2(saved, STDIN_FILENO);
    ::close(saved);
  }
};

}  // namespace

TEST_CASE("a missing input file is not-found and names the path; a directory is an I/O error") {
  std::string dir = test::MakeTempDir("produce-reader");
  InputReaderOptions o;
  o.path = dir + "/nope.log";
  auto r = InputReader::Open(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::kNotFound);
  CHECK(r.status().message().find("opening " + o.path) == 0);

  o.path = dir;
  auto d = InputReader::Open(o);
  REQUIRE(d.ok());  // open(2) takes a directory; read(2) refuses it
  ReadBlock b;
  auto st = (*d)->Read(10, &b);
  REQUIRE_FALSE(st.ok());
  CHECK(st.status().kind() == ErrorKind::kIO);
  CHECK(st.status().message().find("reading " + dir) == 0);
}

TEST_CASE("stdin from a pipe: waits without data, then hands out lines, the last without newline, then EOF") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  StdinFrom in(fds[0]);
  InputReaderOptions o;
  o.path = "-";
  auto r = InputReader::Open(o);
  REQUIRE(r.ok());
  CHECK_FALSE((*r)->InputWaits());  // a pipe may stall: read ahead
  CHECK((*r)->inode() == 0);
  ReadBlock b;
  auto st = (*r)->Read(0, &b);
  REQUIRE(st.ok());
  CHECK(*st == ReadStatus::kTimeout);

  std::string text = "first\nsecond\nno newline";
  REQUIRE(write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fds[1]);
  std::string got;
  uint64_t expect_offset = 0;
  for (int i = 0; i < 10; ++i) {
    st = (*r)->Read(1000, &b);
    REQUIRE(st.ok());
    if (*st == ReadStatus::kEof) break;
    if (*st != ReadStatus::kData) continue;
    CHECK(b.start_offset == expect_offset);
    expect_offset += b.data.size();
    got.append(b.data);
  }
  CHECK(*st == ReadStatus::kEof);
  CHECK(got == text);
  CHECK((*r)->offset() == text.size());
}

TEST_CASE("stdin redirected from a file starts where stdin stands, counting offsets from there") {
  std::string dir = test::MakeTempDir("produce-reader");
  std::string path = dir + "/in.log";
  test::WriteFileOrDie(path, "skipped\nkept 1\nkept 2\n");
  int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(lseek(fd, 8, SEEK_SET) == 8);  // as `{ read -r _; slsflow produce; } < file` leaves it
  StdinFrom in(fd);
  InputReaderOptions o;
  auto r = InputReader::Open(o);
  REQUIRE(r.ok());
  CHECK((*r)->InputWaits());  // a file waits for us: no read-ahead needed
  // Stdin has no inode for a follow state, so offsets are relative to the
  // first byte read; what matters is that none is skipped or read twice.
  CHECK(Joined(ReadToEof(r->get())) == "kept 1\nkept 2\n");
  CHECK((*r)->offset() == 14);
}

TEST_CASE("an oversized last line without a newline is reported, and EOF follows") {
  std::string dir = test::MakeTempDir("produce-reader");
  std::string path = dir + "/in.log";
  // Longer than the smallest read buffer (64 KiB): a shorter one that fits
  // is handed on, and the log size check downstream refuses it instead.
  test::WriteFileOrDie(path, "ok\n" + std::string(200000, 'y'));
  InputReaderOptions o;
  o.path = path;
  o.read_size = 4096;
  o.max_line = 8192;
  auto r = InputReader::Open(o);
  REQUIRE(r.ok());
  std::string lines;
  uint64_t oversized = 0;
  ReadStatus last = ReadStatus::kTimeout;
  for (int i = 0; i < 100 && last != ReadStatus::kEof; ++i) {
    ReadBlock b;
    auto st = (*r)->Read(100, &b);
    REQUIRE(st.ok());
    last = *st;
    lines.append(b.data);
    if (b.oversized_bytes) {
      CHECK(b.start_offset == 3);
      oversized += b.oversized_bytes;
    }
  }
  CHECK(last == ReadStatus::kEof);
  CHECK(lines == "ok\n");
  CHECK(oversized == 200000);  // every skipped byte is accounted for
  CHECK((*r)->offset() == 200003);
}

TEST_CASE("follow: a file that does not exist yet is waited for, then read from its start") {
  std::string dir = test::MakeTempDir("produce-reader");
  std::string path = dir + "/later.log";
  InputReaderOptions o = Following(path);
  auto r = InputReader::Open(o);
  REQUIRE(r.ok());
  ReadBlock b;
  auto st = (*r)->Read(10, &b);
  REQUIRE(st.ok());
  CHECK(*st == ReadStatus::kTimeout);
  CHECK(b.data.empty());

  test::WriteFileOrDie(path, "hello\n");
  std::string event;
  std::string got;
  for (int i = 0; i < 20 && got.empty(); ++i) {
    st = (*r)->Read(50, &b);
    REQUIRE(st.ok());
    if (!b.event.empty()) event = b.event;
    got.append(b.data);
  }
  CHECK(event == "rotated: now reading " + path);
  CHECK(got == "hello\n");
  CHECK((*r)->inode() == Inode(path));
}

TEST_CASE("follow resume: a saved offset past the end, or an inode gone, restarts at the file's start") {
  std::string dir = test::MakeTempDir("produce-reader");
  std::string path = dir + "/app.log";
  test::WriteFileOrDie(path, "short\n");
  InputReaderOptions o = Following(path);
  o.start = {Inode(path), 1000};  // the file shrank below the saved offset
  {
    auto r = InputReader::Open(o);
    REQUIRE(r.ok());
    CHECK(ReadSome(r->get(), 6) == "short\n");
  }
  // The saved inode is nowhere near the path (rotated out and deleted):
  // nothing of the old file can be read, the new one is read whole.
  o.start = {Inode(path) + 12345, 3};
  auto r = InputReader::Open(o);
  REQUIRE(r.ok());
  CHECK(ReadSome(r->get(), 6) == "short\n");
}

TEST_CASE("follow resume: a file rewritten since the state was saved says so before reading it again") {
  std::string dir = test::MakeTempDir("produce-reader");
  std::string path = dir + "/app.log";
  std::string before = "old line\n";
  test::WriteFileOrDie(path, before);
  InputPosition pos{Inode(path), before.size(), static_cast<uint32_t>(before.size()), TailCrc(before)};
  REQUIRE(truncate(path.c_str(), 0) == 0);
  Append(path, "new line\nmore\n");
  InputReaderOptions o = Following(path);
  o.start = pos;
  auto r = InputReader::Open(o);
  REQUIRE(r.ok());
  ReadBlock b;
  auto st = (*r)->Read(10, &b);
  REQUIRE(st.ok());
  CHECK(*st == ReadStatus::kTimeout);  // the event first, so the caller prints it
  CHECK(b.event == path + " changed since the state was saved (truncated?): reading it from its start");
  CHECK(ReadSome(r->get(), 14) == "new line\nmore\n");
}

TEST_CASE("follow: copytruncate is announced on stderr's behalf") {
  std::string dir = test::MakeTempDir("produce-reader");
  std::string path = dir + "/app.log";
  test::WriteFileOrDie(path, "before\n");
  InputReaderOptions o = Following(path);
  auto r = InputReader::Open(o);
  REQUIRE(r.ok());
  CHECK(ReadSome(r->get(), 7) == "before\n");
  REQUIRE(truncate(path.c_str(), 0) == 0);
  Append(path, "x\n");
  std::string event, got;
  for (int i = 0; i < 20 && got.empty(); ++i) {
    ReadBlock b;
    auto st = (*r)->Read(20, &b);
    REQUIRE(st.ok());
    if (!b.event.empty()) event = b.event;
    got.append(b.data);
  }
  CHECK(event == path + " was truncated: reading from its start");
  CHECK(got == "x\n");
}
