#include "core/consume/group.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "tests/core/consume/fault_env.h"

using namespace slsflow;

TEST_CASE("held shards follow the heartbeat contract") {
  HeldShards h;
  CHECK(h.ToBeat().empty());
  auto added = h.OnReply({0, 1, 2});
  CHECK(added == std::vector<int>{0, 1, 2});
  CHECK(h.ToBeat() == std::vector<int>{0, 1, 2});

  // The server moves shard 2 elsewhere: we keep listing it until its final
  // checkpoint is pushed, but no longer read it.
  added = h.OnReply({0, 1});
  CHECK(added.empty());
  CHECK(h.assigned() == std::set<int>{0, 1});
  CHECK(h.releasing() == std::set<int>{2});
  CHECK(h.ToBeat() == std::vector<int>{0, 1, 2});
  CHECK_FALSE(h.EngineDropped(2));
  h.OnEngineDropped();
  CHECK(h.EngineDropped(2));
  CHECK_FALSE(h.EngineDropped(0));
  h.OnReleased(2);
  CHECK_FALSE(h.EngineDropped(2));
  CHECK(h.ToBeat() == std::vector<int>{0, 1});

  // A shard handed back while still releasing is simply ours again.
  h.OnReply({0});
  CHECK(h.releasing() == std::set<int>{1});
  added = h.OnReply({0, 1, 5});
  CHECK(added == std::vector<int>{1, 5});
  CHECK(h.releasing().empty());
  h.Clear();
  CHECK(h.ToBeat().empty());
}

TEST_CASE("a default consumer name is host-pid") {
  std::string name = DefaultConsumerName();
  CHECK(name.find('-') != std::string::npos);
  CHECK(name.size() > 2);
}

// GroupAssigner against a scripted consumer-group server: the transport
// answers in process, so each failure the real service can give (an
// expired member, failing beats, refused checkpoints) is produced on cue.

namespace {

using nlohmann::json;

struct Sent {
  std::string method;
  std::string type;  // the query's type, "" for list/create
  std::string consumer;
  std::string body;
};

class FakeGroupServer : public HttpTransport {
 public:
  // Knobs, set by the test (under mu when the heartbeat thread runs).
  std::map<std::string, std::vector<std::string>> groups;  // by logstore
  std::string create_error;                                // SLS code to refuse CreateConsumerGroup with
  bool list_fails = false;
  bool beats_fail = false;
  std::set<std::string> members;  // consumers the server knows
  std::vector<int> grant = {0, 1};
  std::map<int, std::string> checkpoints;
  std::set<int> get_fails, update_fails;  // shards whose checkpoint calls fail
  bool list_omits_shard = false;

  std::mutex mu;
  std::condition_variable cv;
  std::vector<Sent> sent;

  Result<HttpResponse> Send(const HttpRequest& req) override {
    std::lock_guard lock(mu);
    Sent s{req.method, Query(req, "type"), Query(req, "consumer"), std::string(req.body)};
    sent.push_back(s);
    cv.notify_all();
    if (s.type == "heartbeat") {
      if (beats_fail) return Error(500, "InternalServerError");
      json held = json::parse(s.body);
      if (!members.count(s.consumer) && !held.empty()) return Error(400, "NotExistConsumerWithBody");
      members.insert(s.consumer);
      return Ok(json(grant).dump());
    }
    if (s.type == "checkpoint") {
      json b = json::parse(s.body);
      int shard = b["shard"].get<int>();
      if (update_fails.count(shard)) return Error(500, "InternalServerError");
      checkpoints[shard] = b["checkpoint"].get<std::string>();
      return Ok("");
    }
    if (req.method == "GET" && req.path.find("/consumergroups/") != std::string::npos) {
      int shard = std::stoi(Query(req, "shard"));
      if (get_fails.count(shard)) return Error(502, "InternalServerError");
      json arr = json::array();
      if (!list_omits_shard) arr.push_back({{"shard", shard}, {"checkpoint", checkpoints[shard]}});
      return Ok(arr.dump());
    }
    std::string logstore = req.path.substr(11, req.path.find('/', 11) - 11);  // after "/logstores/"
    if (req.method == "GET") {
      if (list_fails) return Error(500, "InternalServerError");
      json arr = json::array();
      for (auto& g : groups[logstore]) arr.push_back({{"name", g}, {"timeout", 60}, {"order", false}});
      return Ok(arr.dump());
    }
    if (!create_error.empty()) return Error(create_error == "ConsumerGroupAlreadyExist" ? 400 : 403, create_error);
    groups[logstore].push_back(json::parse(s.body)["consumerGroup"]);
    return Ok("");
  }

  size_t Count(const std::string& type) {
    std::lock_guard lock(mu);
    return static_cast<size_t>(std::count_if(sent.begin(), sent.end(), [&](auto& x) { return x.type == type; }));
  }
  // Waits for the heartbeat thread to send `n` beats in all; a bound, not a pace.
  void AwaitBeats(size_t n) {
    std::unique_lock lock(mu);
    bool ok = cv.wait_for(lock, std::chrono::seconds(30), [&] {
      return static_cast<size_t>(
                 std::count_if(sent.begin(), sent.end(), [](auto& x) { return x.type == "heartbeat"; })) >= n;
    });
    REQUIRE(ok);
  }
  std::vector<Sent> Log() {
    std::lock_guard lock(mu);
    return sent;
  }

 private:
  static std::string Query(const HttpRequest& r, const std::string& key) {
    for (auto& [k, v] : r.query)
      if (k == key) return v;
    return "";
  }
  static HttpResponse Ok(std::string body) { return HttpResponse{200, {{"x-log-requestid", "r1"}}, std::move(body)}; }
  static HttpResponse Error(int status, const std::string& code) {
    return HttpResponse{status, {}, json({{"errorCode", code}, {"errorMessage", "scripted"}}).dump()};
  }
};

// The heartbeat thread reads the monotonic clock; the test moves it.
class ClockEnv : public slsflow::test::FaultEnv {
 public:
  std::atomic<int64_t> mono{1000000};
  int64_t MonotonicMicros() override { return mono.load(); }
};

struct Member {
  std::shared_ptr<FakeGroupServer> server = std::make_shared<FakeGroupServer>();
  ClockEnv env;
  SlsClient client{Options(), server, &env};

  static ClientOptions Options() {
    ClientOptions o;
    o.endpoint.scheme = "http";
    o.endpoint.host = "127.0.0.1";
    o.endpoint.connect_direct = true;
    o.project = "demo";
    o.credentials = Credentials{"id", "secret", ""};
    return o;
  }

  GroupOptions Group(int64_t interval_us = 20000000) {
    GroupOptions o;
    o.group = "cg";
    o.consumer = "c1";
    o.timeout_seconds = 10;
    o.heartbeat_interval_us = interval_us;
    return o;
  }
};

std::vector<int> Ids(const Result<std::vector<ShardInfo>>& r) {
  REQUIRE(r.ok());
  std::vector<int> out;
  for (auto& s : *r) out.push_back(s.id);
  return out;
}

std::vector<ShardInfo> Listed(int n) {
  std::vector<ShardInfo> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out[static_cast<size_t>(i)].id = i;
  return out;
}

}  // namespace

TEST_CASE("joining creates a missing group; a racing creator is fine, other refusals are not") {
  Member m;
  GroupOptions o = m.Group();
  o.in_order = true;
  GroupAssigner a(&m.client, {"app"}, o, &m.env);
  REQUIRE(a.Start().ok());
  auto log = m.server->Log();
  REQUIRE(log.size() == 3);  // list, create, first beat
  CHECK(json::parse(log[1].body) == json::parse(R"({"consumerGroup":"cg","timeout":10,"order":true})"));
  CHECK(log[2].body == "[]");
  CHECK(Ids(a.Assign("app", Listed(3))) == std::vector<int>{0, 1});
  a.Stop();

  Member race;
  race.server->create_error = "ConsumerGroupAlreadyExist";
  CHECK(EnsureConsumerGroup(&race.client, "app", "cg", 60, false).ok());

  Member denied;
  denied.server->create_error = "Unauthorized";
  GroupAssigner b(&denied.client, {"app"}, denied.Group(), &denied.env);
  Status st = b.Start();
  CHECK(st.message().find("creating consumer group cg") != std::string::npos);
  CHECK(denied.server->Count("heartbeat") == 0);  // never joined

  Member down;
  down.server->list_fails = true;
  st = EnsureConsumerGroup(&down.client, "app", "cg", 60, false);
  CHECK(st.message().find("listing consumer groups of app") != std::string::npos);
}

TEST_CASE("a restarted member restores its committed positions only where the group holds what it pushed") {
  Member m;
  m.server->groups["app"] = {"cg"};
  m.server->checkpoints = {{0, "P0"}, {1, "moved-by-other"}, {4, "P4"}, {5, "P5"}};
  m.server->get_fails = {4};
  m.server->update_fails = {5};
  GroupAssigner a(&m.client, {"app"}, m.Group(), &m.env);
  REQUIRE(a.Start({{"app", 0, "C0", "P0"},
                   {"app", 1, "C1", "P1"},
                   {"app", 2, "P2", "P2"},  // nothing to restore
                   {"app", 3, "C3", ""},    // never pushed: the group checkpoint is someone else's
                   {"app", 4, "C4", "P4"},
                   {"app", 5, "C5", "P5"}})
              .ok());
  CHECK(m.server->checkpoints[0] == "C0");
  CHECK(a.PushedCheckpoint("app", 0) == "C0");
  CHECK(m.server->checkpoints[1] == "moved-by-other");
  CHECK(a.PushedCheckpoint("app", 1).empty());
  CHECK(m.server->checkpoints[4] == "P4");  // unreadable: left alone, and Start still succeeds
  CHECK(a.PushedCheckpoint("app", 5).empty());
  // Restored before the first beat, which may hand the shard to another member.
  auto log = m.server->Log();
  CHECK(log.back().type == "heartbeat");
  CHECK(m.server->Count("heartbeat") == 1);
  a.Stop();
}

TEST_CASE("expired by the server, the member drops every shard and rejoins with an empty list") {
  Member m;
  m.server->groups["app"] = {"cg"};
  GroupAssigner a(&m.client, {"app"}, m.Group(1000), &m.env);
  REQUIRE(a.Start().ok());
  CHECK(Ids(a.Assign("app", Listed(2))) == std::vector<int>{0, 1});
  {
    std::lock_guard lock(m.server->mu);
    m.server->members.clear();  // as after the member was silent past the timeout
    m.server->grant = {1};
    m.server->sent.clear();
  }
  m.server->AwaitBeats(4);
  a.Stop();
  auto log = m.server->Log();
  CHECK(log[0].body == "[0,1]");  // refused: NotExistConsumerWithBody
  CHECK(log[1].body == "[]");     // the rejoin, at once
  CHECK(log[2].body == "[1]");    // shard 0 was given up, not kept as releasing
  CHECK(Ids(a.Assign("app", Listed(2))) == std::vector<int>{1});
}

TEST_CASE("while beats fail the member keeps its shards until timeout + interval, then gives them all up") {
  Member m;
  m.server->groups["app"] = {"cg"};
  GroupAssigner a(&m.client, {"app"}, m.Group(1000), &m.env);
  REQUIRE(a.Start().ok());
  {
    std::lock_guard lock(m.server->mu);
    m.server->beats_fail = true;
  }
  m.server->AwaitBeats(m.server->Count("heartbeat") + 2);
  CHECK(Ids(a.Assign("app", Listed(2))) == std::vector<int>{0, 1});  // still within the timeout

  m.env.mono += 10 * 1000000 + 1000 + 1;
  // A beat sent after the clock moved judges it; the one after proves that judgement is applied.
  m.server->AwaitBeats(m.server->Count("heartbeat") + 2);
  CHECK(Ids(a.Assign("app", Listed(2))).empty());

  {
    std::lock_guard lock(m.server->mu);
    m.server->beats_fail = false;
    m.server->sent.clear();
  }
  m.server->AwaitBeats(2);
  a.Stop();
  CHECK(m.server->Log()[0].body == "[]");  // it holds nothing and says so
  CHECK(Ids(a.Assign("app", Listed(2))) == std::vector<int>{0, 1});
}

TEST_CASE("checkpoint pushes: only shards being read, a failed push is retried, an unchanged one is not resent") {
  Member m;
  m.server->groups["app"] = {"cg"};
  m.server->grant = {0};
  m.server->update_fails = {0};
  GroupAssigner a(&m.client, {"app"}, m.Group(), &m.env);
  REQUIRE(a.Start().ok());
  a.OnCommitted("app", 0, "C1");  // assigned but the engine was not told yet: a stale position
  CHECK(m.server->Count("checkpoint") == 0);
  CHECK(Ids(a.Assign("app", Listed(2))) == std::vector<int>{0});
  a.OnCommitted("app", 1, "X");  // not ours
  CHECK(m.server->Count("checkpoint") == 0);

  a.OnCommitted("app", 0, "C1");
  CHECK(m.server->Count("checkpoint") == 1);
  CHECK(a.PushedCheckpoint("app", 0).empty());  // refused, so not recorded as pushed
  m.server->update_fails.clear();
  a.OnCommitted("app", 0, "C1");
  CHECK(m.server->checkpoints[0] == "C1");
  CHECK(a.PushedCheckpoint("app", 0) == "C1");
  a.OnCommitted("app", 0, "C1");
  CHECK(m.server->Count("checkpoint") == 2);
  a.Stop();
}

TEST_CASE("a new shard starts at the group checkpoint; a failed read is an error, a missing entry no opinion") {
  Member m;
  m.server->checkpoints[3] = "G3";
  GroupAssigner a(&m.client, {"app"}, m.Group(), &m.env);
  auto c = a.StartCursor("app", 3);
  REQUIRE(c.ok());
  CHECK(*c == "G3");
  m.server->get_fails = {3};
  c = a.StartCursor("app", 3);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().message().find("reading the checkpoint of group cg") != std::string::npos);
  m.server->get_fails.clear();
  m.server->list_omits_shard = true;
  c = a.StartCursor("app", 3);
  REQUIRE(c.ok());
  CHECK(c->empty());
}

TEST_CASE("--sync-group pushes each new position once, without a consumer name, and retries a failed push") {
  Member m;
  SyncGroupAssigner s(NewAllShardsAssigner({}), &m.client, "sg");
  REQUIRE(s.Start({"app", "web"}, 60).ok());
  CHECK(m.server->groups["app"] == std::vector<std::string>{"sg"});
  CHECK(m.server->groups["web"] == std::vector<std::string>{"sg"});
  CHECK(Ids(s.Assign("app", Listed(3))) == std::vector<int>{0, 1, 2});

  m.server->update_fails = {2};
  s.OnCommitted("app", 2, "A");
  m.server->update_fails.clear();
  s.OnCommitted("app", 2, "A");
  s.OnCommitted("app", 2, "A");
  s.OnCommitted("app", 2, "B");
  auto log = m.server->Log();
  std::vector<std::string> pushed;
  for (auto& x : log) {
    if (x.type != "checkpoint") continue;
    CHECK(x.consumer.empty());
    pushed.push_back(json::parse(x.body)["checkpoint"]);
  }
  CHECK(pushed == std::vector<std::string>{"A", "A", "B"});
  CHECK(m.server->checkpoints[2] == "B");
}
