#include "core/consume/sink.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include "tests/core/consume/fault_env.h"
#include "tests/test_util.h"

namespace slsflow {
namespace {

TEST_CASE("path templates") {
  auto p = ExpandPathTemplate("out/{logstore}/{shard}-{date:%Y}.jsonl", "app", 3, 1764000000);
  REQUIRE(p.ok());
  CHECK(*p == "out/app/3-2025.jsonl");
  CHECK(ExpandPathTemplate("{date}", "a", 0, 1764000000)->size() == 10);
  CHECK(ExpandPathTemplate("{bogus}", "a", 0, 0).status().ExitCode() == 2);
  CHECK(ExpandPathTemplate("x{shard", "a", 0, 0).status().ExitCode() == 2);
  CHECK(SegmentPath("out/app-0.jsonl", 0) == "out/app-0.jsonl");
  CHECK(SegmentPath("out/app-0.jsonl", 2) == "out/app-0.2.jsonl");
  CHECK(SegmentPath("out.d/log", 1) == "out.d/log.1");
  CHECK(SegmentPath(".hidden", 1) == ".hidden.1");
}

TEST_CASE("a new file is announced before it is written, and recovery cuts uncommitted bytes") {
  std::string dir = test::MakeTempDir();
  FileSinkOptions o;
  o.path_template = dir + "/{logstore}-{shard}.csv";
  o.header = "a,b\n";
  ConsumeState st;
  {
    auto sink = NewFileSink(Env::Default(), o);
    REQUIRE(sink->Recover(&st).ok());
    auto changed = sink->Prepare("app", 1);
    REQUIRE(changed.ok());
    CHECK(*changed);  // the caller must commit before writing
    CHECK_FALSE(*sink->Prepare("app", 1));
    REQUIRE(sink->Write("app", 1, "1,2\n").ok());
    REQUIRE(sink->Sync(&st).ok());
    CHECK(st.files.at(dir + "/app-1.csv").committed == 8);
    REQUIRE(sink->Write("app", 1, "3,4\n").ok());  // never committed
    REQUIRE(sink->Close().ok());
  }
  CHECK(test::ReadFileOrDie(dir + "/app-1.csv") == "a,b\n1,2\n3,4\n");
  auto sink = NewFileSink(Env::Default(), o);
  REQUIRE(sink->Recover(&st).ok());
  CHECK(test::ReadFileOrDie(dir + "/app-1.csv") == "a,b\n1,2\n");
  CHECK_FALSE(*sink->Prepare("app", 1));  // known file: no new commit needed, no second header
  REQUIRE(sink->Write("app", 1, "5,6\n").ok());
  REQUIRE(sink->Sync(&st).ok());
  CHECK(test::ReadFileOrDie(dir + "/app-1.csv") == "a,b\n1,2\n5,6\n");
}

TEST_CASE("an existing file we do not know is appended to, and only the new bytes are ours") {
  std::string dir = test::MakeTempDir();
  test::WriteFileOrDie(dir + "/out.txt", "precious\n");
  FileSinkOptions o;
  o.path_template = dir + "/out.txt";
  ConsumeState st;
  auto sink = NewFileSink(Env::Default(), o);
  REQUIRE(sink->Recover(&st).ok());
  CHECK(*sink->Prepare("app", 0));
  REQUIRE(sink->Write("app", 0, "new\n").ok());
  REQUIRE(sink->Sync(&st).ok());
  CHECK(test::ReadFileOrDie(dir + "/out.txt") == "precious\nnew\n");
  CHECK(st.files.at(dir + "/out.txt").origin == 9);
  CHECK(st.files.at(dir + "/out.txt").committed == 13);
}

TEST_CASE("a file replaced, gone or cut short since the last run is an error that names the ways out") {
  std::string dir = test::MakeTempDir();
  FileSinkOptions o;
  o.path_template = dir + "/out.txt";
  ConsumeState st;
  {
    auto sink = NewFileSink(Env::Default(), o);
    REQUIRE(sink->Recover(&st).ok());
    REQUIRE(sink->Prepare("app", 0).ok());
    REQUIRE(sink->Write("app", 0, "ours\n").ok());
    REQUIRE(sink->Sync(&st).ok());
    REQUIRE(sink->Close().ok());
  }
  auto expect_error = [&](const char* what) {
    ConsumeState copy = st;
    auto again = NewFileSink(Env::Default(), o);
    Status s = again->Recover(&copy);
    INFO(what << ": " << s.ToString());
    CHECK(s.ExitCode() == 3);
    CHECK(s.message().find("--reset") != std::string::npos);
    CHECK(s.message().find("restore") != std::string::npos);
  };
  // Renamed over it, so the new file cannot reuse the old inode.
  test::WriteFileOrDie(dir + "/other.txt", "someone else's\n");
  REQUIRE(::rename((dir + "/other.txt").c_str(), (dir + "/out.txt").c_str()) == 0);
  expect_error("replaced");
  CHECK(test::ReadFileOrDie(dir + "/out.txt") == "someone else's\n");  // never cut
  ::unlink((dir + "/out.txt").c_str());
  expect_error("gone");
  // Cut shorter than committed, same file.
  test::WriteFileOrDie(dir + "/out.txt", "ours\n");
  {
    ConsumeState fresh;
    auto sink = NewFileSink(Env::Default(), o);
    REQUIRE(sink->Recover(&fresh).ok());
    REQUIRE(sink->Prepare("app", 0).ok());
    REQUIRE(sink->Write("app", 0, "more\n").ok());
    REQUIRE(sink->Sync(&fresh).ok());
    st = fresh;
  }
  REQUIRE(::truncate((dir + "/out.txt").c_str(), 7) == 0);
  expect_error("cut short");
}

TEST_CASE("a file with nothing of ours in it may go away") {
  std::string dir = test::MakeTempDir();
  test::WriteFileOrDie(dir + "/out.txt", "theirs\n");
  FileSinkOptions o;
  o.path_template = dir + "/out.txt";
  ConsumeState st;
  auto sink = NewFileSink(Env::Default(), o);
  REQUIRE(sink->Recover(&st).ok());
  REQUIRE(*sink->Prepare("app", 0));
  REQUIRE(sink->Sync(&st).ok());  // the intent commit: listed, nothing written yet
  ::unlink((dir + "/out.txt").c_str());
  auto again = NewFileSink(Env::Default(), o);
  CHECK(again->Recover(&st).ok());
}

TEST_CASE("size rotation starts a new segment and keeps the finished one as sealed") {
  std::string dir = test::MakeTempDir();
  FileSinkOptions o;
  o.path_template = dir + "/{shard}.log";
  o.rotate_bytes = 4;
  ConsumeState st;
  auto sink = NewFileSink(Env::Default(), o);
  REQUIRE(sink->Recover(&st).ok());
  REQUIRE(*sink->Prepare("a", 0));
  REQUIRE(sink->Write("a", 0, "12345\n").ok());
  REQUIRE(sink->Sync(&st).ok());
  // Rotation is checked once per second per shard.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto changed = sink->Prepare("a", 0);
  REQUIRE(changed.ok());
  CHECK(*changed);
  REQUIRE(sink->Write("a", 0, "x\n").ok());
  REQUIRE(sink->Sync(&st).ok());
  CHECK(st.files.size() == 2);
  CHECK(st.files.at(dir + "/0.log").sealed);
  CHECK(st.files.at(dir + "/0.log").committed == 6);
  CHECK_FALSE(st.files.at(dir + "/0.1.log").sealed);
  CHECK(st.files.at(dir + "/0.1.log").segment == 1);
  // A restart adopts the open segment and leaves the sealed one alone.
  auto again = NewFileSink(Env::Default(), o);
  REQUIRE(again->Recover(&st).ok());
  CHECK(st.files.size() == 2);
  CHECK(st.files.at(dir + "/0.log").sealed);
  CHECK(test::ReadFileOrDie(dir + "/0.log") == "12345\n");
  CHECK(test::ReadFileOrDie(dir + "/0.1.log") == "x\n");
}

TEST_CASE("a short write leaves the committed length at the last whole write") {
  std::string dir = test::MakeTempDir();
  test::FaultEnv env;
  FileSinkOptions o;
  o.path_template = dir + "/o.txt";
  ConsumeState st;
  auto sink = NewFileSink(&env, o);
  REQUIRE(sink->Recover(&st).ok());
  REQUIRE(sink->Prepare("a", 0).ok());
  REQUIRE(sink->Write("a", 0, "abc\n").ok());
  env.append_budget = 6;
  Status s = sink->Write("a", 0, "0123456789\n");
  CHECK(s.kind() == ErrorKind::kNoSpace);
  REQUIRE(sink->Sync(&st).ok());
  CHECK(st.files.at(dir + "/o.txt").committed == 4);
  CHECK(test::ReadFileOrDie(dir + "/o.txt").size() == 7);  // the torn tail, cut on recovery
  auto again = NewFileSink(Env::Default(), o);
  REQUIRE(again->Recover(&st).ok());
  CHECK(test::ReadFileOrDie(dir + "/o.txt") == "abc\n");
}

TEST_CASE("stream sink: header once, EPIPE is a quiet broken pipe") {
  std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  auto sink = NewStreamSink(fds[1], Delivery::kAtMostOnce, "h\n");
  CHECK(sink->commit_before_write());
  CHECK_FALSE(sink->exactly_once());
  ConsumeState st;
  REQUIRE(sink->Recover(&st).ok());
  REQUIRE(sink->Prepare("a", 0).ok());
  REQUIRE(sink->Prepare("a", 1).ok());
  REQUIRE(sink->Write("a", 0, "x\n").ok());
  char buf[16] = {};
  CHECK(::read(fds[0], buf, sizeof buf) == 4);
  CHECK(std::string(buf) == "h\nx\n");
  ::close(fds[0]);
  Status s = sink->Write("a", 0, "y\n");  // SIGPIPE is ignored by main(); tests ignore it too
  CHECK_FALSE(s.ok());
  CHECK(sink->broken_pipe());
  ::close(fds[1]);
}

}  // namespace
}  // namespace slsflow
