#include "core/produce/follow_state.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <condition_variable>
#include <mutex>

#include "tests/core/consume/fault_env.h"
#include "tests/test_util.h"

using namespace slsflow;

TEST_CASE("state round-trips and is written 0600") {
  std::string dir = test::MakeTempDir("produce-state");
  std::string file = dir + "/p.state";
  Env* env = Env::Default();
  auto none = LoadFollowState(env, file);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(
      SaveFollowState(env, file, {"/var/log/app.log", 1234, 5678, 256, 0xdeadbeef, {{6000, 7000}, {8000, 9000}}}).ok());
  auto back = LoadFollowState(env, file);
  REQUIRE(back.ok());
  REQUIRE(back->has_value());
  CHECK((*back)->path == "/var/log/app.log");
  CHECK((*back)->inode == 1234);
  CHECK((*back)->offset == 5678);
  CHECK((*back)->tail_len == 256);
  CHECK((*back)->tail_crc == 0xdeadbeef);
  CHECK((*back)->settled == std::vector<ByteRange>{{6000, 7000}, {8000, 9000}});
  struct stat st;
  REQUIRE(stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(env->FileExists(file + ".tmp"));
}

TEST_CASE("damaged state is refused with advice") {
  std::string good = EncodeFollowState({"/a", 1, 2, 0, 0, {}});
  CHECK(DecodeFollowState(good).ok());
  std::string flipped = good;
  flipped[flipped.find("offset 2") + 7] = '3';
  auto bad = DecodeFollowState(flipped);
  CHECK(bad.status().kind() == ErrorKind::kConfig);
  CHECK(bad.status().ExitCode() == 3);
  CHECK(bad.status().message().find("remove it") != std::string::npos);
  CHECK_FALSE(DecodeFollowState("garbage").ok());
  CHECK_FALSE(DecodeFollowState(good.substr(0, good.size() / 2)).ok());
  // Settled ranges must follow the offset, in order, apart.
  CHECK(DecodeFollowState(EncodeFollowState({"/a", 1, 2, 0, 0, {{2, 5}, {7, 9}}})).ok());
  for (std::vector<ByteRange> bad_ranges :
       {std::vector<ByteRange>{{1, 5}}, {{5, 5}}, {{3, 6}, {6, 9}}, {{7, 9}, {3, 5}}}) {
    auto r = DecodeFollowState(EncodeFollowState({"/a", 1, 2, 0, 0, bad_ranges}));
    CHECK(r.status().ExitCode() == 3);
  }
  // A state written before ranges existed reads as having none.
  auto old = DecodeFollowState(good);
  REQUIRE(old.ok());
  CHECK(old->settled.empty());
}

TEST_CASE("the default path depends on file and destination") {
  std::string a = DefaultFollowStatePath("/x", "p", "l");
  CHECK(a != DefaultFollowStatePath("/x", "p", "l2"));
  CHECK(a.find("/slsflow/produce-") != std::string::npos);
}

namespace {

// Holds every fsync of the state's temporary file until released, and
// counts the saves, so a test can line acknowledgements up against a save.
class GateEnv : public test::FaultEnv {
 public:
  class GatedFile : public WritableFile {
   public:
    GatedFile(GateEnv* env, std::unique_ptr<WritableFile> base) : env_(env), base_(std::move(base)) {}
    Status Append(std::string_view d) override { return base_->Append(d); }
    Status Sync() override {
      env_->WaitAtGate();
      return base_->Sync();
    }
    Status Close() override { return base_->Close(); }
    uint64_t Size() const override { return base_->Size(); }

   private:
    GateEnv* env_;
    std::unique_ptr<WritableFile> base_;
  };
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path, int mode) override {
    auto f = test::FaultEnv::NewWritableFile(path, mode);
    if (!f.ok()) return f.status();
    return std::unique_ptr<WritableFile>(new GatedFile(this, std::move(*f)));
  }
  void WaitAtGate() {
    std::unique_lock<std::mutex> lock(mu);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [&] { return open > 0; });
    --open;
    --waiting;
  }
  // Blocks until a save waits at the gate.
  void AwaitSaveAtGate() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return waiting > 0; });
  }
  void Let(int saves) {
    std::lock_guard<std::mutex> lock(mu);
    open += saves;
    cv.notify_all();
  }
  std::mutex mu;
  std::condition_variable cv;
  int waiting = 0;
  int open = 0;
};

}  // namespace

TEST_CASE("group commit: an ack starts a save at once; acks during a save ride on the next one") {
  std::string dir = test::MakeTempDir("produce-state");
  std::string file = dir + "/p.state";
  GateEnv env;
  AckTracker tracker;
  FollowCommitter committer(&env, file, "/in.log", &tracker);
  committer.Start();
  std::vector<uint64_t> chunks;
  for (uint64_t i = 0; i < 4; ++i) {
    chunks.push_back(tracker.BeginChunk());
    tracker.EndChunk(chunks.back(), {9, 100 * (i + 1)}, 1);
  }
  // The first acknowledgement: a save starts with no other event.
  CHECK(tracker.Settle({{chunks[0], 1}}, true));
  committer.Notify();
  env.AwaitSaveAtGate();
  // Three more while that save is in its fsync.
  for (int i = 1; i < 4; ++i) {
    CHECK(tracker.Settle({{chunks[static_cast<size_t>(i)], 1}}, true));
    committer.Notify();
  }
  env.Let(1);
  // ...all three ride on the one next save.
  env.AwaitSaveAtGate();
  env.Let(1);
  committer.Stop();
  CHECK(committer.saves() == 2);
  CHECK_FALSE(committer.failed());
  auto st = LoadFollowState(&env, file);
  REQUIRE(st.ok());
  REQUIRE(st->has_value());
  CHECK((*st)->offset == 400);
  CHECK((*st)->inode == 9);
  CHECK((*st)->path == "/in.log");
}

TEST_CASE("stop saves what settled last; a failed save stops saving and is reported") {
  std::string dir = test::MakeTempDir("produce-state");
  test::FaultEnv env;
  AckTracker tracker;
  {
    FollowCommitter committer(&env, dir + "/a.state", "/in.log", &tracker);
    committer.Start();
    uint64_t c = tracker.BeginChunk();
    tracker.EndChunk(c, {1, 50}, 0);  // no logs: settled as it ends, and nobody notified
    committer.Stop();
    committer.Notify();  // after Stop: nothing
    CHECK(committer.saves() == 1);
    auto st = LoadFollowState(&env, dir + "/a.state");
    REQUIRE(st.ok());
    CHECK((*st)->offset == 50);
  }
  env.fail_sync = true;
  FollowCommitter committer(&env, dir + "/b.state", "/in.log", &tracker);
  committer.Start();
  uint64_t c = tracker.BeginChunk();
  tracker.EndChunk(c, {1, 60}, 0);
  committer.Notify();
  committer.Stop();
  CHECK(committer.failed());
  CHECK(committer.error().message().find("b.state") != std::string::npos);
  CHECK_FALSE(env.FileExists(dir + "/b.state"));
}

TEST_CASE("a state path that cannot serve is a configuration error (exit 3)") {
  std::string dir = test::MakeTempDir("produce-state");
  auto as_dir = LoadFollowState(Env::Default(), dir);
  REQUIRE_FALSE(as_dir.ok());
  CHECK(as_dir.status().ExitCode() == 3);
  CHECK(as_dir.status().message().find("--state") != std::string::npos);
  test::WriteFileOrDie(dir + "/damaged", "slsflow-produce-state 1\npath /x\n");
  auto damaged = LoadFollowState(Env::Default(), dir + "/damaged");
  REQUIRE_FALSE(damaged.ok());
  CHECK(damaged.status().ExitCode() == 3);
}
