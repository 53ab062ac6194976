#include "core/consume/state.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <cstdio>

#include "tests/core/consume/fault_env.h"
#include "tests/test_util.h"

namespace slsflow {
namespace {

ConsumeState Sample() {
  ConsumeState s;
  s.project = "demo";
  s.endpoint = "http://127.0.0.1:8080";
  s.logstores = {"app", "web"};
  s.name = "nightly";
  s.shards[{"app", 0}] = {"MTYwMDAwMDAwMDAwMDAwMDAwMA==", 2, 5, false, 40, false, ""};
  s.shards[{"web", 3}] = {"MTYwMDAwMDAwMDAwMDAwMDAwNQ==", 0, 0, true, 7, true, "MTYwMDAwMDAwMDAwMDAwMDAwNA=="};
  s.files["out/app-0.jsonl"] = {1234, 2049, 77, "out/app-0.jsonl", 0, 10, false};
  s.files[std::string("bad\xff", 4)] = {5, 1, 2, "x", 3, 0, true};
  s.request = {{"--from", "yesterday"}, {"--to", "today"}, {"--grep", "a\nb"}};
  s.to_unix = 1764028800;
  s.output = "out/{logstore}-{shard}.jsonl";
  s.group = "etl";
  s.consumer = "host-1";
  s.sequence = 9;
  s.updated_unix_micros = 1764000000000000;
  return s;
}

TEST_CASE("state round-trips through the documented encoding") {
  ConsumeState s = Sample();
  std::string bytes = EncodeConsumeState(s);
  CHECK(bytes.rfind("slsflow-consume-state\nversion 2\nlength ", 0) == 0);
  auto back = DecodeConsumeState(bytes, "x.state");
  REQUIRE(back.ok());
  CHECK(*back == s);
}

TEST_CASE("a version 1 state (before requests and ownership were recorded) is still read") {
  const std::string body =
      R"({"project":"demo","endpoint":"e","logstores":["app"],"name":"","sequence":3,"shards":[)"
      R"({"logstore":"app","shard":0,"cursor":"c","skip_groups":0,"skip_logs":0,"finished":true,"logs":4}],)"
      R"("files":[{"path":"o.jsonl","committed":9,"device":1,"inode":2,"stream":"o.jsonl","segment":0}]})";
  std::string bytes = "slsflow-consume-state\nversion 1\nlength " + std::to_string(body.size()) + "\n" + body + "\n";
  char crc[16];
  std::snprintf(crc, sizeof crc, "%08lx",
                crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
  bytes += std::string("crc32 ") + crc + "\n";
  auto st = DecodeConsumeState(bytes, "old.state");
  REQUIRE(st.ok());
  CHECK(st->request.empty());
  CHECK(st->shards.at({"app", 0}).finished);
  CHECK_FALSE(st->shards.at({"app", 0}).at_to);
  CHECK(st->files.at("o.jsonl").origin == 0);
  CHECK_FALSE(st->files.at("o.jsonl").sealed);
}

TEST_CASE("any flipped byte is a corrupt state, exit 3") {
  const std::string bytes = EncodeConsumeState(Sample());
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    auto r = DecodeConsumeState(bad, "x.state");
    INFO("byte " << i);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().ExitCode() == 3);
    CHECK(r.status().message().find("x.state") != std::string::npos);
  }
  for (size_t cut : {size_t{0}, size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    auto r = DecodeConsumeState(bytes.substr(0, cut), "x.state");
    CHECK_FALSE(r.ok());
    CHECK(r.status().ExitCode() == 3);
  }
}

TEST_CASE("a newer format version is refused with advice, not restarted") {
  std::string bytes = EncodeConsumeState(Sample());
  bytes.replace(bytes.find("version 2"), 9, "version 7");
  auto r = DecodeConsumeState(bytes, "x.state");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().ExitCode() == 3);
  CHECK(r.status().message().find("newer") != std::string::npos);
}

TEST_CASE("a foreign state is refused") {
  ConsumeState s = Sample();
  CHECK(CheckStateIdentity(s, "x", "demo", "http://127.0.0.1:8080", {"app", "web"}).ok());
  auto other = CheckStateIdentity(s, "x", "demo", "http://127.0.0.1:8080", {"app"});
  CHECK(other.ExitCode() == 3);
  CHECK(other.message().find("belongs to") != std::string::npos);
  CHECK(CheckStateIdentity(s, "x", "prod", "http://127.0.0.1:8080", {"app", "web"}).ExitCode() == 3);
  CHECK(CheckStateIdentity(s, "x", "demo", "http://10.0.0.1:80", {"app", "web"}).ExitCode() == 3);
}

TEST_CASE("default path depends on project, logstores, endpoint and name") {
  auto a = DefaultStatePath("/x", "/home/u", "demo", {"app"}, "http://h:1", "");
  CHECK(a.rfind("/x/slsflow/demo-app-", 0) == 0);
  CHECK(a.size() > 20);
  CHECK(a != DefaultStatePath("/x", "/home/u", "demo", {"app"}, "http://h:2", ""));
  CHECK(a != DefaultStatePath("/x", "/home/u", "demo", {"app"}, "http://h:1", "n"));
  CHECK(a != DefaultStatePath("/x", "/home/u", "demo", {"app", "b"}, "http://h:1", ""));
  CHECK(DefaultStatePath("", "/home/u", "demo", {"a/b"}, "e", "").rfind("/home/u/.local/state/slsflow/demo-a_b-", 0) ==
        0);
}

TEST_CASE("store commits atomically, mode 0600, and is locked") {
  std::string dir = test::MakeTempDir();
  std::string path = dir + "/sub/s.state";
  auto store = StateStore::Open(Env::Default(), path);
  REQUIRE(store.ok());
  auto none = (*store)->Load();
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  ConsumeState s = Sample();
  REQUIRE((*store)->Commit(&s).ok());
  CHECK(s.sequence == 10);
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = (*store)->Load();
  REQUIRE(loaded.ok());
  CHECK(**loaded == s);

  auto second = StateStore::Open(Env::Default(), path);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().kind() == ErrorKind::kConflict);
  CHECK(second.status().message().find("in use by another") != std::string::npos);
  store->reset();
  CHECK(StateStore::Open(Env::Default(), path).ok());
}

TEST_CASE("a failed commit leaves the previous state intact") {
  std::string dir = test::MakeTempDir();
  std::string path = dir + "/s.state";
  test::FaultEnv env;
  env.match = ".state";
  auto store = StateStore::Open(&env, path);
  REQUIRE(store.ok());
  ConsumeState s = Sample();
  REQUIRE((*store)->Commit(&s).ok());
  const ConsumeState committed = s;

  s.shards[{"app", 0}].cursor = "later";
  SUBCASE("rename fails") {
    env.fail_rename = true;
  }
  SUBCASE("fsync fails") {
    env.fail_sync = true;
  }
  SUBCASE("disk full mid-write") {
    env.append_budget = 20;
  }
  SUBCASE("cannot create the tmp file") {
    env.fail_create = true;
  }
  Status st = (*store)->Commit(&s);
  CHECK_FALSE(st.ok());
  CHECK(s.sequence == committed.sequence);
  auto loaded = (*store)->Load();
  REQUIRE(loaded.ok());
  CHECK(**loaded == committed);
  CHECK_FALSE(Env::Default()->FileExists(path + ".tmp"));
}

TEST_CASE("garbage in the state file is a config error") {
  std::string dir = test::MakeTempDir();
  std::string path = dir + "/s.state";
  test::WriteFileOrDie(path, "{\"not\":\"ours\"}\n");
  auto store = StateStore::Open(Env::Default(), path);
  REQUIRE(store.ok());
  auto r = (*store)->Load();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().ExitCode() == 3);
  CHECK(r.status().message().find("corrupt") != std::string::npos);
  REQUIRE((*store)->Remove().ok());
  auto after = (*store)->Load();
  REQUIRE(after.ok());
  CHECK_FALSE(after->has_value());
}

}  // namespace
}  // namespace slsflow
