#include "core/produce/follow_state.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include "tests/test_util.h"

using namespace slsflow;

TEST_CASE("state round-trips and is written 0600") {
  std::string dir = test::MakeTempDir("produce-state");
  std::string file = dir + "/p.state";
  Env* env = Env::Default();
  auto none = LoadFollowState(env, file);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(SaveFollowState(env, file, {"/var/log/app.log", 1234, 5678, 256, 0xdeadbeef}).ok());
  auto back = LoadFollowState(env, file);
  REQUIRE(back.ok());
  REQUIRE(back->has_value());
  CHECK((*back)->path == "/var/log/app.log");
  CHECK((*back)->inode == 1234);
  CHECK((*back)->offset == 5678);
  CHECK((*back)->tail_len == 256);
  CHECK((*back)->tail_crc == 0xdeadbeef);
  struct stat st;
  REQUIRE(stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(env->FileExists(file + ".tmp"));
}

TEST_CASE("damaged state is refused with advice") {
  std::string good = EncodeFollowState({"/a", 1, 2});
  CHECK(DecodeFollowState(good).ok());
  std::string flipped = good;
  flipped[flipped.find("offset 2") + 7] = '3';
  auto bad = DecodeFollowState(flipped);
  CHECK(bad.status().kind() == ErrorKind::kCorruption);
  CHECK(bad.status().message().find("remove it") != std::string::npos);
  CHECK_FALSE(DecodeFollowState("garbage").ok());
  CHECK_FALSE(DecodeFollowState(good.substr(0, good.size() / 2)).ok());
}

TEST_CASE("the default path depends on file and destination") {
  std::string a = DefaultFollowStatePath("/x", "p", "l");
  CHECK(a != DefaultFollowStatePath("/x", "p", "l2"));
  CHECK(a.find("/slsflow/produce-") != std::string::npos);
}
