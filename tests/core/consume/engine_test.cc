#include "core/consume/engine.h"

#include <doctest/doctest.h>

#include <algorithm>

#include <unistd.h>
#include <csignal>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "core/consume/session.h"
#include "tests/core/consume/fake_source.h"
#include "tests/core/consume/fault_env.h"
#include "tests/test_util.h"

namespace slsflow {
namespace {

// A deterministic record shape so tests read outputs back exactly; the real
// formats have their own tests.
class LineFormatter : public Formatter {
 public:
  void FormatLog(const LogGroupView& g, int i, const RecordMeta& m, std::string* out) override {
    out->append(m.logstore);
    out->append("/" + std::to_string(m.shard) + " ");
    out->append(g.logs(i).contents(0).value());
    out->push_back('\n');
  }
};

struct Harness {
  std::string dir = test::MakeTempDir("consume-engine");
  std::string state_path = dir + "/s.state";
  std::string output = dir + "/out.txt";  // a file, a DIR/ template, ...
  ConsumeOptions options;
  Env* env = Env::Default();
  std::function<std::unique_ptr<Sink>()> make_sink;  // default: a FileSink on `output`
  std::function<void(ConsumeState*)> before_run;     // e.g. ApplyBounds, as the CLI does
  uint64_t rotate_bytes = 0;

  Harness() {
    options.project = "demo";
    options.endpoint = "http://fake";
    options.logstores = {"app"};
    options.from = {TimeSpec::kBegin, 0};
    options.fetch_interval_us = 2000;
    options.discovery_interval_us = 20000;
    options.commit_interval_us = 5000;
  }

  Result<ConsumeStats> Run(ConsumeSource* src, std::vector<int> selection = {}) {
    auto store = StateStore::Open(env, state_path);
    if (!store.ok()) return store.status();
    auto loaded = (*store)->Load();
    if (!loaded.ok()) return loaded.status();
    ConsumeState st = loaded->value_or(ConsumeState{});
    st.project = options.project;
    st.endpoint = options.endpoint;
    st.logstores = options.logstores;
    if (before_run) before_run(&st);
    FileSinkOptions so;
    so.path_template = output;
    so.rotate_bytes = rotate_bytes;
    auto sink = make_sink ? make_sink() : NewFileSink(env, so);
    LineFormatter fmt;
    auto assigner = NewAllShardsAssigner(std::move(selection));
    return RunConsume(options, src, assigner.get(), store->get(), std::move(st), sink.get(), &fmt, nullptr, env);
  }

  std::vector<std::string> Lines(const std::string& path) const {
    std::vector<std::string> out;
    if (!Env::Default()->FileExists(path)) return out;
    std::istringstream in(test::ReadFileOrDie(path));
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  std::vector<std::string> Lines() const { return Lines(output); }
};

// Values only ("app/3 v12" -> "v12").
std::vector<std::string> Values(const std::vector<std::string>& lines) {
  std::vector<std::string> v;
  for (const auto& l : lines) v.push_back(l.substr(l.find(' ') + 1));
  return v;
}

std::vector<std::string> Corpus(test::FakeSource& src, int shards, int groups, int per_group) {
  std::vector<std::string> all;
  for (int g = 0; g < groups; ++g) {
    for (int s = 0; s < shards; ++s) {
      std::vector<std::string> vals;
      for (int i = 0; i < per_group; ++i)
        vals.push_back("s" + std::to_string(s) + "g" + std::to_string(g) + "i" + std::to_string(i));
      src.Put(s, vals, 1000 + g);
      all.insert(all.end(), vals.begin(), vals.end());
    }
  }
  return all;
}

std::multiset<std::string> Bag(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

TEST_CASE("reads every shard exactly, then a rerun writes nothing") {
  test::FakeSource src(4);
  auto corpus = Corpus(src, 4, 30, 3);
  Harness h;
  h.options.exit_at_end = true;
  h.options.max_per_fetch = 7;
  auto r = h.Run(&src);
  REQUIRE(r.ok());
  CHECK(r->logs == static_cast<int64_t>(corpus.size()));
  CHECK(Bag(Values(h.Lines())) == Bag(corpus));
  // Per-shard order.
  std::map<std::string, std::vector<std::string>> per;
  for (const auto& l : h.Lines()) per[l.substr(0, l.find(' '))].push_back(l);
  for (auto& [shard, lines] : per)
    CHECK(std::is_sorted(lines.begin(), lines.end(), [](auto& a, auto& b) {
      auto g = [](const std::string& s) { return std::stoi(s.substr(s.find('g') + 1)); };
      return g(a) < g(b);
    }));
  auto again = h.Run(&src);
  REQUIRE(again.ok());
  CHECK(again->logs == 0);
  CHECK(h.Lines().size() == corpus.size());
}

TEST_CASE("--count stops inside a group and the next run goes on from that log") {
  test::FakeSource src(3);
  auto corpus = Corpus(src, 3, 10, 4);
  Harness h;
  h.options.exit_at_end = true;
  h.options.count = 7;
  h.options.max_per_fetch = 3;
  int runs = 0;
  for (; runs < 100 && h.Lines().size() < corpus.size(); ++runs) {
    auto r = h.Run(&src);
    REQUIRE(r.ok());
    CHECK(r->logs <= 7);
  }
  CHECK(runs == static_cast<int>((corpus.size() + 6) / 7));
  CHECK(Bag(Values(h.Lines())) == Bag(corpus));
}

TEST_CASE("split and merge while consuming: exact, parents before children") {
  test::FakeSource src(4);
  Harness h;
  h.options.from = {TimeSpec::kBegin, 0};
  std::atomic<int> stop{0};
  h.options.stop = &stop;
  std::vector<std::string> corpus;
  // Keys are top bytes; each key's values are numbered in write order.
  std::map<int, int> next;
  auto write_round = [&](int round) {
    for (int key = 0; key < 256; key += 8) {
      int shard = src.ShardFor(key);
      std::string v = "k" + std::to_string(key) + "n" + std::to_string(next[key]++);
      src.Put(shard, {v}, 1000 + round);
      corpus.push_back(v);
    }
  };
  Result<ConsumeStats> result = Status::Internal("not run");
  std::thread consumer([&] { result = h.Run(&src); });
  for (int round = 0; round < 60; ++round) {
    write_round(round);
    if (round == 20) src.Split(0, 0x20);
    if (round == 35) src.Merge(2);
    if (round == 45) src.Split(5, 0x30);  // a child of the first split splits again
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  // Let it drain, then stop and finish what is left with --exit-at-end.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = 1;
  consumer.join();
  REQUIRE(result.ok());
  h.options.stop = nullptr;
  h.options.exit_at_end = true;
  auto rest = h.Run(&src);
  REQUIRE(rest.ok());

  auto values = Values(h.Lines());
  CHECK(values.size() == corpus.size());
  CHECK(Bag(values) == Bag(corpus));
  // In one output file, each key's values appear in write order: that is
  // per-shard order plus parents before children.
  std::map<int, int> last;
  int disorder = 0;
  for (const auto& v : values) {
    int key = std::stoi(v.substr(1, v.find('n') - 1));
    int n = std::stoi(v.substr(v.find('n') + 1));
    if (last.count(key) && n != last[key] + 1) ++disorder;
    last[key] = n;
  }
  CHECK(disorder == 0);
}

TEST_CASE("--to reads exactly the groups received in [from, to), then a rerun writes nothing") {
  test::FakeSource src(2);
  std::set<std::string> expected;
  for (int t = 100; t < 200; ++t) {
    for (int s = 0; s < 2; ++s) {
      std::string v = "t" + std::to_string(t) + "s" + std::to_string(s);
      src.Put(s, {v}, t);
      if (t >= 130 && t < 160) expected.insert(v);
    }
  }
  Harness h;
  h.options.from = {TimeSpec::kUnix, 130};
  h.options.to_unix = 160;
  auto r = h.Run(&src);
  REQUIRE(r.ok());
  CHECK(r->completed);
  auto values = Values(h.Lines());
  CHECK(std::set<std::string>(values.begin(), values.end()) == expected);
  CHECK(values.size() == expected.size());
  auto again = h.Run(&src);
  REQUIRE(again.ok());
  CHECK(again->completed);
  CHECK(again->logs == 0);
}

TEST_CASE("--ordered merges shards by time, and resumes exactly") {
  test::FakeSource src(3);
  std::vector<std::string> corpus;
  for (int t = 0; t < 60; ++t) {
    int s = (t * 7) % 3;
    std::string v = "t" + std::to_string(1000 + t);
    src.Put(s, {v}, 1000 + t);
    corpus.push_back(v);
  }
  SUBCASE("one run within the window: fully time-ordered") {
    Harness h;
    h.options.ordered = true;
    h.options.window_us = 300000;
    h.options.exit_at_end = true;
    h.options.max_per_fetch = 4;
    REQUIRE(h.Run(&src).ok());
    auto values = Values(h.Lines());
    CHECK(values == corpus);
  }
  SUBCASE("runs cut by --count: nothing lost or repeated") {
    Harness h;
    h.options.ordered = true;
    h.options.window_us = 1000;
    h.options.exit_at_end = true;
    h.options.count = 25;
    h.options.max_per_fetch = 4;
    for (int run = 0; run < 5 && h.Lines().size() < corpus.size(); ++run) REQUIRE(h.Run(&src).ok());
    CHECK(Bag(Values(h.Lines())) == Bag(corpus));
  }
}

TEST_CASE("a child the state never saw continues its known parent from begin, whatever --from says") {
  test::FakeSource src(1);
  src.Put(0, {"p1"}, 1000);
  Harness h;
  h.options.exit_at_end = true;
  REQUIRE(h.Run(&src).ok());  // the state knows shard 0
  src.Put(0, {"p2"}, 1001);
  auto kids = src.Split(0, 0x80);
  src.Put(kids[0], {"c1"}, 1002);
  src.Put(kids[1], {"c2"}, 1002);
  h.options.from = {TimeSpec::kEnd, 0};  // would skip c1/c2 if applied to the children
  REQUIRE(h.Run(&src).ok());
  auto values = Values(h.Lines());
  REQUIRE(values.size() == 4);
  CHECK(values[0] == "p1");
  CHECK(values[1] == "p2");  // the parent's tail before its children
  CHECK(Bag(values) == Bag({"p1", "p2", "c1", "c2"}));
}

TEST_CASE("rotated segments across interrupted runs hold the corpus exactly once") {
  test::FakeSource src(2);
  auto corpus = Corpus(src, 2, 30, 3);
  Harness h;
  h.output = h.dir + "/seg/{shard}.txt";
  h.rotate_bytes = 100;
  h.options.exit_at_end = true;
  h.options.count = 13;
  h.options.max_per_fetch = 2;
  for (int run = 0; run < 40; ++run) REQUIRE(h.Run(&src).ok());
  std::vector<std::string> all;
  int segments = 0;
  for (const auto& e : std::filesystem::directory_iterator(h.dir + "/seg")) {
    ++segments;
    auto v = Values(h.Lines(e.path().string()));
    all.insert(all.end(), v.begin(), v.end());
  }
  CHECK(segments > 4);
  CHECK(Bag(all) == Bag(corpus));
  // The current segment of each shard is open; every other one is sealed
  // (kept so that --reset can empty it).
  auto store = StateStore::Open(Env::Default(), h.state_path);
  REQUIRE(store.ok());
  auto files = (*(*store)->Load())->files;
  CHECK(std::count_if(files.begin(), files.end(), [](const auto& f) { return !f.second.sealed; }) == 2);
  CHECK(static_cast<int>(files.size()) == segments);
}

TEST_CASE("a pipe reader that goes away ends the run quietly, with the undelivered batch unclaimed") {
  std::signal(SIGPIPE, SIG_IGN);
  test::FakeSource src(1);
  auto corpus = Corpus(src, 1, 6, 2);
  for (auto delivery : {Delivery::kAtLeastOnce, Delivery::kAtMostOnce}) {
    CAPTURE(static_cast<int>(delivery));
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    ::close(fds[0]);  // `| head` that already exited
    Harness h;
    h.options.exit_at_end = true;
    h.make_sink = [&] { return NewStreamSink(fds[1], delivery, ""); };
    auto r = h.Run(&src);
    ::close(fds[1]);
    REQUIRE(r.ok());
    CHECK(r->broken_pipe);
    auto store = StateStore::Open(Env::Default(), h.state_path);
    REQUIRE(store.ok());
    auto st = (*store)->Load();
    REQUIRE(st.ok());
    const ShardPosition& pos = (*st)->shards.at({"app", 0});
    if (delivery == Delivery::kAtLeastOnce) {
      CHECK(pos.cursor == test::FakeSource::Cursor(0));  // nothing delivered: nothing claimed
    } else {
      CHECK(pos.cursor != test::FakeSource::Cursor(0));  // at-most-once: claimed before writing
    }
  }
}

TEST_CASE("transient pull errors are retried, auth errors stop at once") {
  test::FakeSource src(1);
  auto corpus = Corpus(src, 1, 5, 2);
  Harness h;
  h.options.exit_at_end = true;
  src.fail_next_ = 2;
  auto r = h.Run(&src);
  REQUIRE(r.ok());
  CHECK(Bag(Values(h.Lines())) == Bag(corpus));

  test::FakeSource bad(1);
  Corpus(bad, 1, 2, 2);
  bad.fatal_ = true;
  Harness h2;
  h2.options.exit_at_end = true;
  auto r2 = h2.Run(&bad);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.status().ExitCode() == 3);
}

TEST_CASE("a LogGroupList that does not decode stops the run; nothing past it is claimed, nothing is lost") {
  test::FakeSource src(1);
  auto corpus = Corpus(src, 1, 6, 3);
  Harness h;
  h.options.exit_at_end = true;
  h.options.max_per_fetch = 1;  // one group per pull: groups 0-2 arrive intact
  src.garble_from_ = 3;
  auto r = h.Run(&src);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().ExitCode() == 1);
  CHECK(r.status().message().find("LogGroupList we cannot read") != std::string::npos);
  CHECK(r.status().message().find("shard 0") != std::string::npos);
  auto first = Values(h.Lines());
  CHECK(first == std::vector<std::string>(corpus.begin(), corpus.begin() + 9));

  // The server is mended: the rerun goes on from the first unread group.
  src.garble_from_ = -1;
  auto again = h.Run(&src);
  REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  CHECK(Values(h.Lines()) == corpus);
}

TEST_CASE("an unknown logstore is exit 1 naming it") {
  test::FakeSource src(1);
  Harness h;
  h.options.logstores = {"nope"};
  auto r = h.Run(&src);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().ExitCode() == 1);
  CHECK(r.status().message().find("'nope'") != std::string::npos);
}

// The invariant: whatever fails, the state never claims bytes that are not
// in the file, and a rerun on a healthy disk yields the corpus exactly.
TEST_CASE("disk faults never let the state run ahead of the output") {
  for (int budget : {0, 1, 40, 333, 1000, 1800}) {
    for (int fault = 0; fault < 3; ++fault) {
      CAPTURE(budget);
      CAPTURE(fault);
      test::FakeSource src(3);
      auto corpus = Corpus(src, 3, 20, 3);
      Harness h;
      h.output = h.dir + "/o/{logstore}-{shard}.txt";
      test::FaultEnv env;
      env.match = "/o/";
      if (fault == 0) env.append_budget = budget;  // ENOSPC with a short write
      if (fault == 1) env.fail_sync = true;        // fsync fails
      if (fault == 2) env.fail_create = true;      // read-only directory
      h.env = &env;
      h.options.exit_at_end = true;
      h.options.max_per_fetch = 2;
      auto r = h.Run(&src);
      CHECK_FALSE(r.ok());
      CHECK(r.status().ExitCode() == 1);
      // What the state claims is on disk.
      auto store = StateStore::Open(Env::Default(), h.state_path);
      REQUIRE(store.ok());
      auto st = (*store)->Load();
      REQUIRE(st.ok());
      if (st->has_value()) {
        for (const auto& [path, f] : (*st)->files) CHECK(*Env::Default()->FileSize(path) >= f.committed);
      }
      store->reset();
      // A healthy rerun completes the corpus exactly.
      h.env = Env::Default();
      auto again = h.Run(&src);
      REQUIRE(again.ok());
      std::vector<std::string> all;
      for (int s = 0; s < 3; ++s) {
        auto v = Values(h.Lines(h.dir + "/o/app-" + std::to_string(s) + ".txt"));
        all.insert(all.end(), v.begin(), v.end());
      }
      CHECK(Bag(all) == Bag(corpus));
    }
  }
}

TEST_CASE("a --to behind the state ends at once instead of polling forever") {
  test::FakeSource src(2);
  auto corpus = Corpus(src, 2, 20, 2);
  Harness h;
  h.options.exit_at_end = true;
  REQUIRE(h.Run(&src).ok());
  CHECK(h.Lines().size() == corpus.size());
  // The state is past the cursor of 1005 on every shard.
  h.options.exit_at_end = false;
  h.options.to_unix = 1005;
  auto r = h.Run(&src);
  REQUIRE(r.ok());
  CHECK(r->completed);
  CHECK(r->logs == 0);
}

TEST_CASE("a later --to reads on from the shards finished at the earlier one: no gap, no overlap") {
  test::FakeSource src(3);
  auto corpus = Corpus(src, 3, 30, 2);
  Harness h;
  h.options.to_unix = 1010;  // groups 0..9 of each shard
  h.before_run = [&](ConsumeState* st) { ApplyBounds(st, h.options.to_unix); };
  REQUIRE(h.Run(&src).ok());
  CHECK(h.Lines().size() == 3 * 10 * 2);
  h.options.to_unix = 1010;  // the same night again: nothing to do
  auto same = h.Run(&src);
  REQUIRE(same.ok());
  CHECK(same->logs == 0);
  h.options.to_unix = 1025;
  REQUIRE(h.Run(&src).ok());
  CHECK(h.Lines().size() == 3 * 25 * 2);
  h.options.to_unix = 1040;  // past the data: up to what is there
  REQUIRE(h.Run(&src).ok());
  CHECK(Bag(Values(h.Lines())) == Bag(corpus));
}

TEST_CASE("progress counts the log groups left between the cursors, not the share of the time range") {
  test::FakeSource src(4);
  Corpus(src, 4, 25, 1);
  Harness h;
  h.options.to_unix = 1020;  // groups 0..19 of each shard: 80
  h.options.max_per_fetch = 1;
  h.options.progress_interval_us = 0;
  std::vector<ConsumeProgress> seen;
  h.options.progress = [&](const ConsumeProgress& p) { seen.push_back(p); };
  auto r = h.Run(&src);
  REQUIRE(r.ok());
  REQUIRE_FALSE(seen.empty());
  for (size_t i = 0; i < seen.size(); ++i) {
    INFO("report " << i);
    CHECK_FALSE(seen[i].groups_unknown);
    CHECK(seen[i].groups_total == 80);
    CHECK(seen[i].groups_done <= seen[i].groups_total);
    // Never ahead of what was written: each group holds one log.
    if (i + 1 < seen.size()) CHECK(seen[i].groups_done <= seen[i].logs + 4);
    if (i > 0) CHECK(seen[i].groups_done >= seen[i - 1].groups_done);
  }
  CHECK(seen.back().groups_done == 80);
}

TEST_CASE("under a --memory budget smaller than one batch per shard, every shard is read exactly") {
  test::FakeSource src(12);
  auto corpus = Corpus(src, 12, 15, 40);
  ConsumeBudget budget(4096);  // far below 12 shards' worth of batches
  Harness h;
  h.options.exit_at_end = true;
  h.options.budget = &budget;
  auto r = h.Run(&src);
  REQUIRE(r.ok());
  CHECK(Bag(Values(h.Lines())) == Bag(corpus));
  CHECK(budget.held() == budget.spare_bytes());  // every grant came back; what is left is spare buffers
}

TEST_CASE("--ordered under a small --memory still merges everything, oldest first per shard") {
  test::FakeSource src(4);
  auto corpus = Corpus(src, 4, 20, 30);
  ConsumeBudget budget(8192);
  Harness h;
  h.options.exit_at_end = true;
  h.options.ordered = true;
  h.options.window_us = 10000000;  // a long window: only the budget lets records out early
  h.options.budget = &budget;
  auto r = h.Run(&src);
  REQUIRE(r.ok());
  CHECK(Bag(Values(h.Lines())) == Bag(corpus));
}

}  // namespace
}  // namespace slsflow
