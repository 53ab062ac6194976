#include "core/consume/destination.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include "core/consume/state.h"
#include "tests/test_util.h"

namespace slsflow {
namespace {

DestinationFlags Files(const std::string& output, bool dir = false) {
  DestinationFlags f;
  f.output = output;
  f.output_is_dir = dir;
  f.extension = "jsonl";
  return f;
}

TEST_CASE("the fixed folder of a template is where its state lives") {
  CHECK(FixedFolder("out/{date:%Y-%m-%d}/{shard}.jsonl") == "out");
  CHECK(FixedFolder("{date}/x.jsonl") == ".");
  CHECK(FixedFolder("x.jsonl") == ".");
  CHECK(FixedFolder("/a/b.log") == "/a");
  CHECK(FixedFolder("/x") == "/");
  CHECK(FixedFolder("a/b/c-{shard}.log") == "a/b");
  CHECK(DirectoryTemplate("out//", "jsonl", false) == "out/{logstore}-{shard}.jsonl");
  CHECK(DirectoryTemplate("out/", "csv", true) == "out/{logstore}-{shard}-{consumer}.csv");
  CHECK(WithConsumer("o/{consumer}/{shard}-{consumer}", "h-1") == "o/h-1/{shard}-h-1");
}

TEST_CASE("each kind of output keeps its state in the place the table says") {
  auto dir = ResolveDestination(Files("out/", true));
  REQUIRE(dir.ok());
  CHECK(dir->kind == OutputKind::kFiles);
  CHECK(dir->state_path == "out/.slsflow/dir.state");
  CHECK(dir->path_template == "out/{logstore}-{shard}.jsonl");
  CHECK(dir->shown == "out/");

  auto file = ResolveDestination(Files("data/x.jsonl"));
  REQUIRE(file.ok());
  CHECK(file->state_path == "data/.slsflow/file.x.jsonl.state");

  auto tmpl = ResolveDestination(Files("out/{date:%Y-%m-%d}/{shard}.jsonl"));
  REQUIRE(tmpl.ok());
  CHECK(tmpl->state_path.rfind("out/.slsflow/template.", 0) == 0);
  auto other = ResolveDestination(Files("out/{date}/{shard}.jsonl"));
  CHECK(other->state_path != tmpl->state_path);  // another template, another state

  auto leading = ResolveDestination(Files("{logstore}.jsonl"));
  REQUIRE(leading.ok());
  CHECK(leading->state_path.rfind("./.slsflow/template.", 0) == 0);

  DestinationFlags out;
  out.stdout_is_file = true;
  out.stdout_path = "/tmp/a b.txt";
  auto std_file = ResolveDestination(out);
  REQUIRE(std_file.ok());
  CHECK(std_file->kind == OutputKind::kStdoutFile);
  CHECK(std_file->state_path.rfind("/tmp/.slsflow/stdout.a_b.txt-", 0) == 0);

  auto pipe = ResolveDestination(DestinationFlags{});
  REQUIRE(pipe.ok());
  CHECK(pipe->kind == OutputKind::kStream);
  CHECK(pipe->state_path.empty());  // no state at all

  DestinationFlags explicit_state = Files("out/", true);
  explicit_state.state = "/tmp/mine.state";
  auto elsewhere = ResolveDestination(explicit_state);
  REQUIRE(elsewhere.ok());
  CHECK(elsewhere->state_path == "/tmp/mine.state");
  CHECK(elsewhere->output_lock_path == "out/.slsflow/dir.state.lock");  // still owns out/
}

TEST_CASE("-o naming a device or a FIFO keeps no state and puts nothing beside it") {
  DestinationFlags f = Files("/dev/full");
  f.output_is_stream = true;
  auto d = ResolveDestination(f);
  REQUIRE(d.ok());
  CHECK(d->kind == OutputKind::kFiles);
  CHECK(d->path_template == "/dev/full");
  CHECK(d->state_path.empty());
  CHECK(d->output_state_dir.empty());  // never /dev/.slsflow
  CHECK(d->output_lock_path.empty());
  f.state = "/tmp/named.state";  // a state named on purpose is kept, as for a pipe
  CHECK(ResolveDestination(f)->state_path == "/tmp/named.state");
}

TEST_CASE("group members get their own files and states; a plain file stays one") {
  DestinationFlags f = Files("out/", true);
  f.consumer = "host-7";
  auto d = ResolveDestination(f);
  REQUIRE(d.ok());
  CHECK(d->path_template == "out/{logstore}-{shard}-host-7.jsonl");
  CHECK(d->state_path == "out/.slsflow/dir@host-7.state");
  DestinationFlags file = Files("x.jsonl");
  file.consumer = "host-7";
  CHECK(ResolveDestination(file)->state_path == "./.slsflow/file.x.jsonl.state");
}

TEST_CASE("a member restarted without --consumer takes over a state nobody runs") {
  std::string dir = test::MakeTempDir();
  DestinationFlags f = Files(dir + "/out/", true);
  CHECK(AdoptConsumer(Env::Default(), f, "g").empty());
  ConsumeState st;
  st.group = "g";
  st.consumer = "old-42";
  Env* env = Env::Default();
  REQUIRE(env->CreateDirs(dir + "/out/.slsflow").ok());
  test::WriteFileOrDie(dir + "/out/.slsflow/dir@old-42.state", EncodeConsumeState(st));
  CHECK(AdoptConsumer(env, f, "g") == "old-42");
  CHECK(AdoptConsumer(env, f, "other").empty());  // another group's member
  // A running member holds its lock (flock conflicts across open files,
  // also within one process): its name is not free.
  auto held = env->LockFile(dir + "/out/.slsflow/dir@old-42.state.lock");
  REQUIRE(held.ok());
  CHECK(AdoptConsumer(env, f, "g").empty());
}

TEST_CASE("the files a template can name, with rotated segments, and never the state folder") {
  std::string dir = test::MakeTempDir();
  for (const char* name : {"app-0.jsonl", "app-1.3.jsonl", "web-12.jsonl", "notes.txt", "app-x.jsonl"})
    test::WriteFileOrDie(dir + "/" + name, "x\n");
  REQUIRE(Env::Default()->CreateDirs(dir + "/.slsflow").ok());
  test::WriteFileOrDie(dir + "/.slsflow/app-9.jsonl", "x\n");
  auto files = FilesMatchingTemplate(dir + "/{logstore}-{shard}.jsonl");
  CHECK(files == std::vector<std::string>{dir + "/app-0.jsonl", dir + "/app-1.3.jsonl", dir + "/web-12.jsonl"});
  test::WriteFileOrDie(dir + "/2026-12-01.log", "x\n");
  CHECK(FilesMatchingTemplate(dir + "/{date}.log") == std::vector<std::string>{dir + "/2026-12-01.log"});
}

}  // namespace
}  // namespace slsflow
