#include "core/consume/session.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/test_util.h"

namespace slsflow {
namespace {

struct Fixture {
  std::string dir = test::MakeTempDir("consume-session");
  Env* env = Env::Default();
  SessionOptions options;

  Fixture() {
    DestinationFlags f;
    f.output = dir + "/out/";
    f.output_is_dir = true;
    f.extension = "jsonl";
    options.destination = *ResolveDestination(f);
    options.project = "demo";
    options.endpoint = "http://e";
    options.logstores = {"app"};
  }
  const std::string& state_path() const { return options.destination.state_path; }
  // Commits `st` as the output's state, as an earlier run would have.
  void Save(ConsumeState st) {
    st.project = "demo";
    st.endpoint = "http://e";
    st.logstores = {"app"};
    auto store = StateStore::Open(env, state_path());
    REQUIRE(store.ok());
    REQUIRE((*store)->Commit(&st).ok());
  }
  OutputFileState Owned(const std::string& path, uint64_t origin) {
    struct stat s;
    REQUIRE(::stat(path.c_str(), &s) == 0);
    OutputFileState f;
    f.committed = static_cast<uint64_t>(s.st_size);
    f.origin = origin;
    f.device = static_cast<uint64_t>(s.st_dev);
    f.inode = static_cast<uint64_t>(s.st_ino);
    f.stream = path;
    return f;
  }
};

TEST_CASE("a read to a pipe keeps no state") {
  SessionOptions o;
  o.project = "demo";
  auto s = OpenSession(Env::Default(), o);
  REQUIRE(s.ok());
  CHECK(s->store == nullptr);
  CHECK_FALSE(s->resumed);
}

TEST_CASE("the same request resumes and inherits what is left out; another one is refused") {
  Fixture fx;
  ConsumeState st;
  st.request = {{"--from", "begin"}, {"--to", "today"}};
  st.shards[{"app", 0}].cursor = "c";
  st.shards[{"app", 0}].logs = 7;
  fx.Save(st);
  auto resumed = OpenSession(fx.env, fx.options);
  REQUIRE(resumed.ok());
  CHECK(resumed->resumed);
  CHECK(resumed->request.at("--to") == "today");
  CHECK(DescribeProgress(resumed->state) == "1 shards, 7 records written");
  resumed->store.reset();

  fx.options.given = {{"--from", "end"}, {"--to", "today"}};
  auto refused = OpenSession(fx.env, fx.options);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().ExitCode() == 2);
  const std::string& m = refused.status().message();
  CHECK(m.find("--from was 'begin', now 'end'") != std::string::npos);
  CHECK(m.find("--reset") != std::string::npos);
  CHECK(m.find("another output") != std::string::npos);
}

TEST_CASE("a second run on the same output is told who holds it") {
  Fixture fx;
  auto first = OpenSession(fx.env, fx.options);
  REQUIRE(first.ok());
  auto second = OpenSession(fx.env, fx.options);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().kind() == ErrorKind::kConflict);
  CHECK(second.status().message().find("pid " + std::to_string(::getpid())) != std::string::npos);
}

TEST_CASE("a corrupt state names the way out, and --reset empties the output's files") {
  Fixture fx;
  REQUIRE(fx.env->CreateDirs(fx.dir + "/out/.slsflow").ok());
  test::WriteFileOrDie(fx.state_path(), "garbage");
  test::WriteFileOrDie(fx.dir + "/out/app-0.jsonl", "{}\n{}\n");
  test::WriteFileOrDie(fx.dir + "/out/notes.txt", "mine\n");
  auto bad = OpenSession(fx.env, fx.options);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().ExitCode() == 3);
  CHECK(bad.status().message().find("corrupt") != std::string::npos);
  CHECK(bad.status().message().find("--reset") != std::string::npos);
  fx.options.reset = true;
  auto reset = OpenSession(fx.env, fx.options);
  REQUIRE(reset.ok());
  CHECK(test::ReadFileOrDie(fx.dir + "/out/app-0.jsonl").empty());
  CHECK(test::ReadFileOrDie(fx.dir + "/out/notes.txt") == "mine\n");  // not the template's
  CHECK_FALSE(fx.env->FileExists(fx.state_path()));
}

TEST_CASE("--reset cuts each file back to the bytes it had before us, and never another file") {
  Fixture fx;
  REQUIRE(fx.env->CreateDirs(fx.dir + "/out").ok());
  const std::string a = fx.dir + "/out/app-0.jsonl", b = fx.dir + "/out/app-1.jsonl";
  test::WriteFileOrDie(a, "before\nours\n");
  test::WriteFileOrDie(b, "ours\n");
  ConsumeState st;
  st.files[a] = fx.Owned(a, 7);
  st.files[b] = fx.Owned(b, 0);
  st.files[b].sealed = true;
  st.shards[{"app", 0}].cursor = "c";
  fx.Save(st);
  // b is replaced by another file since.
  test::WriteFileOrDie(fx.dir + "/other", "theirs\n");
  REQUIRE(::rename((fx.dir + "/other").c_str(), b.c_str()) == 0);
  fx.options.reset = true;
  auto s = OpenSession(fx.env, fx.options);
  REQUIRE(s.ok());
  CHECK_FALSE(s->resumed);
  CHECK(test::ReadFileOrDie(a) == "before\n");
  CHECK(test::ReadFileOrDie(b) == "theirs\n");
}

TEST_CASE("another project's state or another group is refused with the ways out") {
  Fixture fx;
  ConsumeState st;
  st.shards[{"app", 0}].cursor = "c";
  st.group = "etl";
  fx.Save(st);
  auto no_group = OpenSession(fx.env, fx.options);
  REQUIRE_FALSE(no_group.ok());
  CHECK(no_group.status().ExitCode() == 2);
  CHECK(no_group.status().message().find("consumer group 'etl'") != std::string::npos);
  fx.options.project = "prod";
  auto foreign = OpenSession(fx.env, fx.options);
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.status().ExitCode() == 3);
  CHECK(foreign.status().message().find("belongs to") != std::string::npos);
}

TEST_CASE("an output whose state was kept with --state tells a run without it where it is") {
  Fixture fx;
  SessionOptions with_state = fx.options;
  DestinationFlags f;
  f.output = fx.dir + "/out/";
  f.output_is_dir = true;
  f.extension = "jsonl";
  f.state = fx.dir + "/elsewhere.state";
  with_state.destination = *ResolveDestination(f);
  {
    auto s = OpenSession(fx.env, with_state);
    REQUIRE(s.ok());
    ConsumeState st = s->state;
    REQUIRE(s->store->Commit(&st).ok());
  }
  auto plain = OpenSession(fx.env, fx.options);
  REQUIRE_FALSE(plain.ok());
  CHECK(plain.status().ExitCode() == 2);
  CHECK(plain.status().message().find("--state " + f.state) != std::string::npos);
}

TEST_CASE("--state naming a directory is exit 3 and leaves nothing behind") {
  Fixture fx;
  DestinationFlags f;
  f.output = fx.dir + "/out/";
  f.output_is_dir = true;
  f.extension = "jsonl";
  f.state = fx.dir;
  SessionOptions o = fx.options;
  o.destination = *ResolveDestination(f);
  auto s = OpenSession(fx.env, o);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().ExitCode() == 3);
  CHECK(s.status().message().find("is a directory; --state must name a file") != std::string::npos);
  CHECK_FALSE(fx.env->FileExists(fx.dir + ".lock"));
  CHECK_FALSE(fx.env->FileExists(fx.dir + "/out"));
}

TEST_CASE("bounds: a later --to reopens the shards finished at the earlier one") {
  ConsumeState st;
  st.to_unix = 100;
  st.shards[{"a", 0}] = {"c", 0, 0, true, 5, true, ""};   // finished at --to
  st.shards[{"a", 1}] = {"d", 0, 0, true, 5, false, ""};  // a readonly parent read to its end
  ConsumeState same = st;
  CHECK(ApplyBounds(&same, 100));  // nothing left
  CHECK(same.shards.at({"a", 0}).finished);
  CHECK_FALSE(ApplyBounds(&st, 200));
  CHECK_FALSE(st.shards.at({"a", 0}).finished);
  CHECK(st.shards.at({"a", 1}).finished);
  CHECK(st.to_unix == 200);
  CHECK(DescribeProgress(st) == "1 of 2 shards done, 10 records written");
}

}  // namespace
}  // namespace slsflow
