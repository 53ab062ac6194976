#include "core/produce/engine.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <thread>

#include "core/produce/follow_state.h"
#include "sls.pb.h"
#include "tests/test_util.h"

using namespace slsflow;

namespace {

struct FakeServer {
  std::mutex mu;
  std::vector<sls::LogGroup> groups;
  std::function<Status(int call)> fault;  // nullptr: always OK
  int calls = 0;
  PutFn Put() {
    return [this](const PutRequest& req) -> Status {
      std::lock_guard<std::mutex> lock(mu);
      int n = ++calls;
      if (fault) {
        Status st = fault(n);
        if (!st.ok()) return st;
      }
      std::string raw;
      Status d = Decompress(req.compress, req.body, req.raw_size, &raw);
      if (!d.ok()) return d;
      sls::LogGroup g;
      if (!g.ParseFromString(raw)) return Status::Invalid("PostBodyInvalid");
      groups.push_back(std::move(g));
      return Status::OK();
    };
  }
  std::vector<std::string> Values(const std::string& key) {
    std::vector<std::string> out;
    for (auto& g : groups)
      for (auto& l : g.logs())
        for (auto& c : l.contents())
          if (c.key() == key) out.push_back(c.value());
    return out;
  }
};

ProduceOptions Options(const std::string& file) {
  ProduceOptions o;
  o.reader.path = file;
  o.sender.logstore = "app";
  o.sender.backoff_initial_us = 100;
  o.sender.backoff_max_us = 1000;
  o.sender.quota_backoff_min_us = 100;
  o.batcher.max_logs = 100;
  return o;
}

// The backpressure tests' run: 8000 lines of 1000 bytes in 64 KB batches,
// two senders, a server that takes 5 ms a request.
std::string SlowRunText(char c) {
  std::string line(1000, c);
  std::string text;
  for (int i = 0; i < 8000; ++i) text += line + "\n";
  return text;
}
ProduceOptions SlowRunOptions(const std::string& path, FakeServer* server) {
  server->fault = [](int) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return Status::OK();
  };
  ProduceOptions o = Options(path);
  o.batcher.max_logs = 4096;
  o.batcher.max_bytes = 64 * 1024;
  o.sender.parallel = 2;
  return o;
}

}  // namespace

TEST_CASE("every line arrives once, in order per route, with metadata") {
  std::string dir = test::MakeTempDir("produce-engine");
  std::string file = dir + "/in.txt";
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "line " + std::to_string(i) + "\n";
  test::WriteFileOrDie(file, text);
  FakeServer server;
  ProduceOptions o = Options(file);
  o.sender.parallel = 1;
  o.batcher.defaults.topic = "tp";
  o.batcher.defaults.tags = {{"env", "t"}};
  ProduceResult r = RunProduce(o, server.Put(), Env::Default(), nullptr);
  CHECK(r.status.ok());
  CHECK(r.ExitCode() == 0);
  CHECK(r.lines == 1000);
  CHECK(r.logs == 1000);
  CHECK(r.delivered == 1000);
  CHECK(r.batches == 10);
  auto values = server.Values("content");
  REQUIRE(values.size() == 1000);
  for (int i = 0; i < 1000; ++i) CHECK(values[static_cast<size_t>(i)] == "line " + std::to_string(i));
  CHECK(server.groups[0].topic() == "tp");
  CHECK(server.groups[0].logs(0).has_timens());
  CHECK(r.input_bytes == text.size());
}

TEST_CASE("--on-invalid: fail stops at the line, skip counts, raw wraps") {
  std::string dir = test::MakeTempDir("produce-engine");
  std::string file = dir + "/in.jsonl";
  test::WriteFileOrDie(file, "{\"a\":\"1\"}\nnot json\n{\"a\":\"3\"}\n");
  {
    FakeServer server;
    ProduceOptions o = Options(file);
    o.parser.input = "jsonl";
    ProduceResult r = RunProduce(o, server.Put(), Env::Default(), nullptr);
    CHECK(r.ExitCode() == 1);
    CHECK(r.status.message().find("line 2") != std::string::npos);
    CHECK(server.Values("a") == std::vector<std::string>{"1"});  // what came before is delivered
  }
  {
    FakeServer server;
    ProduceOptions o = Options(file);
    o.parser.input = "jsonl";
    o.on_invalid = OnInvalid::kSkip;
    ProduceResult r = RunProduce(o, server.Put(), Env::Default(), nullptr);
    CHECK(r.ExitCode() == 0);
    CHECK(r.skipped == 1);
    CHECK(server.Values("a") == std::vector<std::string>{"1", "3"});
  }
  {
    FakeServer server;
    ProduceOptions o = Options(file);
    o.parser.input = "jsonl";
    o.on_invalid = OnInvalid::kRaw;
    ProduceResult r = RunProduce(o, server.Put(), Env::Default(), nullptr);
    CHECK(r.ExitCode() == 0);
    CHECK(r.raw_wrapped == 1);
    CHECK(server.Values("content") == std::vector<std::string>{"not json"});
  }
}

TEST_CASE("undelivered logs go to the dead-letter file and the exit code") {
  std::string dir = test::MakeTempDir("produce-engine");
  std::string file = dir + "/in.txt";
  std::string text;
  for (int i = 0; i < 500; ++i) text += "v" + std::to_string(i) + "\n";
  test::WriteFileOrDie(file, text);
  FakeServer server;
  server.fault = [](int call) {
    if (call % 3 == 0) return Status::Invalid("PostBodyInvalid: bad").set_http_status(400);
    if (call % 3 == 1) return Status::Error(ErrorKind::kServer, "InternalServerError").set_retry(RetryClass::kRetry);
    return Status::OK();
  };
  ProduceOptions o = Options(file);
  o.sender.retries = 1;
  o.dead_letter = dir + "/dead.jsonl";
  ProduceResult r = RunProduce(o, server.Put(), Env::Default(), nullptr);
  CHECK(r.ExitCode() == 1);
  CHECK(r.dead_lettered > 0);
  CHECK(r.delivered + r.dead_lettered == 500);
  std::string dead = test::ReadFileOrDie(dir + "/dead.jsonl");
  CHECK(static_cast<uint64_t>(std::count(dead.begin(), dead.end(), '\n')) == r.dead_lettered);
  CHECK(!r.send_errors.empty());
}

TEST_CASE("an auth failure while sending exits 3") {
  std::string dir = test::MakeTempDir("produce-engine");
  std::string file = dir + "/in.txt";
  test::WriteFileOrDie(file, "x\n");
  FakeServer server;
  server.fault = [](int) {
    return Status::Auth("SignatureNotMatch: check the access key secret").set_http_status(401);
  };
  ProduceResult r = RunProduce(Options(file), server.Put(), Env::Default(), nullptr);
  CHECK(r.ExitCode() == 3);
  CHECK(r.dead_lettered == 1);
}

TEST_CASE("follow: state advances to what was acknowledged; a restart reads on from there") {
  std::string dir = test::MakeTempDir("produce-engine");
  std::string file = dir + "/app.log";
  test::WriteFileOrDie(file, "a\nb\n");
  FakeServer server;
  ProduceOptions o = Options(file);
  o.reader.follow = true;
  o.reader.poll_interval_ms = 10;
  o.state_file = dir + "/state";
  o.batcher.linger_us = 10 * 1000;
  std::atomic<int> interrupts{0};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::ofstream(file, std::ios::app) << "c\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    interrupts = 1;
  });
  ProduceResult r = RunProduce(o, server.Put(), Env::Default(), &interrupts);
  stopper.join();
  CHECK(r.ExitCode() == 0);
  CHECK(r.interrupted);
  CHECK(server.Values("content") == std::vector<std::string>{"a", "b", "c"});
  auto st = LoadFollowState(Env::Default(), o.state_file);
  REQUIRE(st.ok());
  REQUIRE(st->has_value());
  CHECK((*st)->offset == 6);
  std::ofstream(file, std::ios::app) << "d\n";
  interrupts = 0;
  std::thread stopper2([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    interrupts = 1;
  });
  FakeServer server2;
  r = RunProduce(o, server2.Put(), Env::Default(), &interrupts);
  stopper2.join();
  CHECK(server2.Values("content") == std::vector<std::string>{"d"});
}

TEST_CASE("backpressure: a slow server keeps the buffer near its cap") {
  std::string dir = test::MakeTempDir("produce-engine");
  // A pipe: what it holds cannot wait for us, so the reader may fill all of
  // --buffer before it pauses.
  std::string fifo = dir + "/in.fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  std::string text = SlowRunText('x');
  std::thread writer([&] {
    int fd = open(fifo.c_str(), O_WRONLY);
    for (size_t at = 0; fd >= 0 && at < text.size();) {
      ssize_t n = write(fd, text.data() + at, text.size() - at);
      if (n <= 0) break;
      at += static_cast<size_t>(n);
    }
    if (fd >= 0) close(fd);
  });
  FakeServer server;
  ProduceOptions o = SlowRunOptions(fifo, &server);
  o.buffer_bytes = 1 << 20;
  ProduceResult r = RunProduce(o, server.Put(), Env::Default(), nullptr);
  writer.join();
  CHECK(r.delivered == 8000);
  // At most one read block's worth of logs past the cap.
  CHECK(r.peak_buffer <= o.buffer_bytes + (2u << 20));
  CHECK(r.peak_buffer >= o.buffer_bytes);
}

TEST_CASE("a regular file is read only a few batches ahead of the senders") {
  std::string dir = test::MakeTempDir("produce-engine");
  std::string file = dir + "/in.txt";
  test::WriteFileOrDie(file, SlowRunText('y'));
  FakeServer server;
  ProduceOptions o = SlowRunOptions(file, &server);
  o.buffer_bytes = 32u << 20;  // more than the whole file
  ProduceResult r = RunProduce(o, server.Put(), Env::Default(), nullptr);
  CHECK(r.delivered == 8000);
  // (2 x 2 senders + 2) batches of 64 KB, plus one read block (1 MB) that
  // is batched whole, plus the batch being filled.
  CHECK(r.peak_buffer <= 6 * o.batcher.max_bytes + (1u << 20) + 2 * o.batcher.max_bytes);
}

TEST_CASE("many routes: a --buffer full of open batches sends the fullest instead of waiting for linger") {
  std::string dir = test::MakeTempDir("produce-engine");
  std::string file = dir + "/in.jsonl";
  const std::string pad(200, 'p');
  std::string text;
  for (int i = 0; i < 16000; ++i)
    text += "{\"user\":\"u" + std::to_string(i % 16) + "\",\"seq\":\"" + std::to_string(i) + "\",\"pad\":\"" + pad +
            "\"}\n";
  test::WriteFileOrDie(file, text);
  FakeServer server;
  ProduceOptions o = Options(file);
  o.parser.input = "jsonl";
  o.router.hash_field = "user";
  o.batcher.max_logs = 4096;
  o.batcher.max_bytes = 256 * 1024;
  o.buffer_bytes = 1u << 20;  // 16 routes of 256 KB do not fit: open batches alone fill it
  // Were the reader to wait for open batches to seal themselves, it would
  // wait an hour, and CTest's timeout would fail the test.
  o.batcher.linger_us = 3600ll * 1000 * 1000;
  ProduceResult r = RunProduce(o, server.Put(), Env::Default(), nullptr);
  CHECK(r.status.ok());
  CHECK(r.delivered == 16000);
  auto seqs = server.Values("seq");
  std::sort(seqs.begin(), seqs.end(),
            [](const std::string& a, const std::string& b) { return std::stoi(a) < std::stoi(b); });
  REQUIRE(seqs.size() == 16000);
  for (int i = 0; i < 16000; ++i) CHECK(seqs[static_cast<size_t>(i)] == std::to_string(i));
  // --buffer, plus one read block (1 MB) batched whole, plus a room step per route.
  CHECK(r.peak_buffer <= o.buffer_bytes + (1u << 20) + 16 * 64 * 1024);
}

namespace {

size_t CountLines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("a log over an SLS limit goes to the dead-letter file with its reason; its neighbours go on") {
  std::string dir = test::MakeTempDir("produce-engine");
  std::string file = dir + "/in.jsonl";
  std::string now = std::to_string(time(nullptr));
  std::string text =
      "{\"k\":\"good1\"}\n"
      "{\"a.b\":\"dotted key\"}\n"
      "{\"k\":\"good2\"}\n"
      "{\"k\":\"" +
      std::string(kMaxValueBytes + 1, 'v') +
      "\"}\n"
      "{\"__time__\":\"1000000000\",\"k\":\"too old\"}\n"
      "{\"k\":{\"base64\":\"/w==\"}}\n"
      "{\"1st\":\"leading digit\"}\n"
      "{\"__time__\":\"" +
      now + "\",\"k\":\"good3\"}\n";
  test::WriteFileOrDie(file, text);
  FakeServer server;
  ProduceOptions o = Options(file);
  o.parser.input = "jsonl";
  o.dead_letter = dir + "/dead.jsonl";
  ProduceResult r = RunProduce(o, server.Put(), Env::Default(), nullptr);
  CHECK(r.status.ok());  // a refused log is undelivered data, not a reason to stop reading
  CHECK(r.ExitCode() == 1);
  CHECK(r.logs == 8);
  CHECK(r.delivered == 3);
  CHECK(r.dead_lettered == 5);
  CHECK(r.refused == 5);
  CHECK(server.Values("k") == std::vector<std::string>{"good1", "good2", "good3"});
  std::string dead = test::ReadFileOrDie(o.dead_letter);
  REQUIRE(CountLines(dead) == 5);
  CHECK(dead.find("\"a.b\":\"dotted key\",\"__dead_letter_reason__\":\"the key 'a.b' holds") != std::string::npos);
  CHECK(dead.find("1 MiB") != std::string::npos);
  CHECK(dead.find("168 hours") != std::string::npos);
  CHECK(dead.find("{\"base64\":\"/w==\"},\"__dead_letter_reason__\":\"the value of 'k' is not UTF-8") !=
        std::string::npos);
  CHECK(dead.find("starts with a digit") != std::string::npos);
  CHECK(FormatProduceSummary(r) ==
        "delivered 3, retried 0 requests, dead-lettered 5 (5 refused for breaking an "
        "SLS limit)");
}

TEST_CASE(
    "a batch the server refuses for one log delivers the others; that log is dead-lettered with the "
    "server's reason") {
  std::string dir = test::MakeTempDir("produce-engine");
  std::string file = dir + "/in.txt";
  std::string text;
  for (int i = 0; i < 60; ++i) text += (i == 37 ? std::string("poison") : "v" + std::to_string(i)) + "\n";
  test::WriteFileOrDie(file, text);
  FakeServer server;
  PutFn refusing = [&server](const PutRequest& req) -> Status {
    std::string raw;
    REQUIRE(Decompress(req.compress, req.body, req.raw_size, &raw).ok());
    if (raw.find("poison") != std::string::npos)
      return Status::Invalid("the value is poison")
          .set_http_status(400)
          .set_sls_code("InvalidEncoding")
          .set_request_id("R1");
    return server.Put()(req);
  };
  ProduceOptions o = Options(file);
  o.dead_letter = dir + "/dead.jsonl";
  ProduceResult r = RunProduce(o, refusing, Env::Default(), nullptr);
  CHECK(r.ExitCode() == 1);
  CHECK(r.delivered == 59);
  CHECK(r.dead_lettered == 1);
  CHECK(r.refused == 1);
  CHECK(r.splits > 0);
  CHECK(server.Values("content").size() == 59);
  std::string dead = test::ReadFileOrDie(o.dead_letter);
  CHECK(CountLines(dead) == 1);
  CHECK(dead.find("\"content\":\"poison\",\"__dead_letter_reason__\":\"InvalidEncoding: the value is poison "
                  "(request R1, HTTP 400)\"") != std::string::npos);
}

TEST_CASE("follow: an acknowledged batch is saved while a later one is still on the wire") {
  std::string dir = test::MakeTempDir("produce-engine");
  std::string file = dir + "/app.log";
  std::string text;
  for (int i = 0; i < 300; ++i) text += "line-" + std::to_string(1000 + i) + "\n";  // 10 bytes a line
  test::WriteFileOrDie(file, text);
  ProduceOptions o = Options(file);
  o.reader.follow = true;
  o.reader.poll_interval_ms = 10;
  o.state_file = dir + "/state";
  o.sender.parallel = 1;  // batches of 100 logs, one at a time
  std::atomic<int> interrupts{0};
  std::atomic<bool> saw_first_batch_saved{false};
  FakeServer server;
  server.fault = [&](int call) {
    if (call == 2) {
      // The first batch (lines 1..100, 1000 bytes) was acknowledged: its
      // position is saved without waiting for this one, or for any timer.
      for (int i = 0; i < 500 && !saw_first_batch_saved; ++i) {
        auto st = LoadFollowState(Env::Default(), o.state_file);
        if (st.ok() && st->has_value() && (*st)->offset == 1000) saw_first_batch_saved = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    if (call == 3) interrupts = 1;
    return Status::OK();
  };
  ProduceResult r = RunProduce(o, server.Put(), Env::Default(), &interrupts);
  CHECK(r.ExitCode() == 0);
  CHECK(saw_first_batch_saved);
  auto st = LoadFollowState(Env::Default(), o.state_file);
  REQUIRE(st.ok());
  REQUIRE(st->has_value());
  CHECK((*st)->offset == text.size());
  CHECK(r.state_saves >= 2);
}

TEST_CASE("follow: without a dead-letter file a refused log does not hold the position back") {
  std::string dir = test::MakeTempDir("produce-engine");
  std::string file = dir + "/app.log";
  std::string text = "{\"k\":\"a\"}\n{\"bad-key\":\"b\"}\n{\"k\":\"c\"}\n";
  test::WriteFileOrDie(file, text);
  ProduceOptions o = Options(file);
  o.parser.input = "jsonl";
  o.reader.follow = true;
  o.reader.poll_interval_ms = 10;
  o.state_file = dir + "/state";
  o.batcher.linger_us = 10 * 1000;
  std::atomic<int> interrupts{0};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    interrupts = 1;
  });
  FakeServer server;
  ProduceResult r = RunProduce(o, server.Put(), Env::Default(), &interrupts);
  stopper.join();
  CHECK(r.ExitCode() == 1);
  CHECK(r.refused == 1);
  CHECK(server.Values("k") == std::vector<std::string>{"a", "c"});
  auto st = LoadFollowState(Env::Default(), o.state_file);
  REQUIRE(st.ok());
  REQUIRE(st->has_value());
  CHECK((*st)->offset == text.size());
}

TEST_CASE("follow: a state path that is a directory or damaged exits 3 before anything is sent") {
  std::string dir = test::MakeTempDir("produce-engine");
  std::string file = dir + "/app.log";
  test::WriteFileOrDie(file, "a\n");
  ProduceOptions o = Options(file);
  o.reader.follow = true;
  o.state_file = dir;  // a directory
  FakeServer server;
  ProduceResult r = RunProduce(o, server.Put(), Env::Default(), nullptr);
  CHECK(r.ExitCode() == 3);
  CHECK(r.status.message().find("--state") != std::string::npos);
  CHECK_FALSE(Env::Default()->FileExists(dir + ".lock"));  // no stray lock beside the directory
  test::WriteFileOrDie(dir + "/damaged.state", "slsflow-produce-state 1\ngarbage\n");
  o.state_file = dir + "/damaged.state";
  r = RunProduce(o, server.Put(), Env::Default(), nullptr);
  CHECK(r.ExitCode() == 3);
  o.state_file = file + "/below-a-file.state";  // its directory is a file
  r = RunProduce(o, server.Put(), Env::Default(), nullptr);
  CHECK(r.ExitCode() == 3);
  CHECK(server.calls == 0);
}

TEST_CASE("follow: a restart re-sends a batch that failed, not the acknowledged batches after it") {
  std::string dir = test::MakeTempDir("produce-engine");
  std::string file = dir + "/app.log";
  std::string text;
  for (int i = 0; i < 300; ++i) text += "line-" + std::to_string(1000 + i) + "\n";  // 10 bytes a line
  test::WriteFileOrDie(file, text);
  ProduceOptions o = Options(file);
  o.reader.follow = true;
  o.reader.poll_interval_ms = 10;
  o.state_file = dir + "/state";
  o.sender.parallel = 1;  // batches of 100 logs, in order
  std::atomic<int> interrupts{0};
  FakeServer server;
  server.fault = [&](int call) {
    if (call == 3) interrupts = 1;
    if (call == 1) return Status::NotFound("LogStoreNotExist: gone for a moment").set_http_status(404);
    return Status::OK();
  };
  ProduceResult r = RunProduce(o, server.Put(), Env::Default(), &interrupts);
  CHECK(r.ExitCode() == 1);
  CHECK(r.delivered == 200);
  auto st = LoadFollowState(Env::Default(), o.state_file);
  REQUIRE(st.ok());
  REQUIRE(st->has_value());
  CHECK((*st)->offset == 0);                                      // pinned before the batch that failed...
  CHECK((*st)->settled == std::vector<ByteRange>{{1000, 3000}});  // ...the two after it are saved as settled

  interrupts = 0;
  FakeServer again;
  again.fault = [&](int call) {
    if (call == 1) interrupts = 1;
    return Status::OK();
  };
  r = RunProduce(o, again.Put(), Env::Default(), &interrupts);
  CHECK(r.ExitCode() == 0);
  auto values = again.Values("content");
  REQUIRE(values.size() == 100);
  CHECK(values.front() == "line-1000");
  CHECK(values.back() == "line-1099");
  st = LoadFollowState(Env::Default(), o.state_file);
  REQUIRE(st.ok());
  CHECK((*st)->offset == text.size());
  CHECK((*st)->settled.empty());
}
