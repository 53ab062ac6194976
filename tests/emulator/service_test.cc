// Authentication as the Service applies it, with requests signed by the
// core signer (the same code the slsflow client uses).
#include "emulator/service.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "emulator/cursor.h"
#include "tests/emulator/emu_test_util.h"

namespace slsflow::emulator {
namespace {

constexpr int64_t kNow = 1795550000LL * 1000000;

std::unique_ptr<Service> AuthService(int64_t* now, const std::string& sts = "") {
  ServiceOptions o;
  o.logstores = {{"app", 2}};
  o.auth = true;
  o.credentials = Credentials{"testid", "testsecret", sts};
  o.clock_us = [now] { return *now; };
  auto svc = std::make_unique<Service>(o, NewMemoryStorage());
  REQUIRE(svc->Init().ok());
  return svc;
}

EmuRequest Signed(const Credentials& creds, const SignOptions& opt, int64_t now_s, const std::string& target) {
  EmuRequest r;
  r.method = "GET";
  size_t q = target.find('?');
  r.raw_path = target.substr(0, q);
  r.path = PercentDecode(r.raw_path);
  if (q != std::string::npos) r.query = ParseQuery(target.substr(q + 1));
  SignableRequest s{r.method,
                    r.raw_path,
                    r.query,
                    {{"Host", "demo.127.0.0.1:8080"}, {"x-log-apiversion", "0.6.0"}, {"x-log-bodyrawsize", "0"}}};
  SignRequest(&s, "", creds, opt, now_s);
  r.headers = s.headers;
  return r;
}

std::string Code(const EmuResponse& r) {
  size_t p = r.body.find("\"errorCode\":\"");
  if (p == std::string::npos) return "";
  p += 13;
  return r.body.substr(p, r.body.find('"', p) - p);
}

}  // namespace

TEST_CASE("v1 (sha1, sha256) and v4 signatures from the core signer are accepted") {
  int64_t now = kNow;
  auto svc = AuthService(&now);
  Credentials good{"testid", "testsecret", ""};
  const std::string target = "/logstores/app/shards/0?type=cursor&from=begin";
  for (auto opt : {SignOptions{SignatureVersion::kV1, HmacMethod::kSha1, ""},
                   SignOptions{SignatureVersion::kV1, HmacMethod::kSha256, ""},
                   SignOptions{SignatureVersion::kV4, HmacMethod::kSha1, "cn-hangzhou"}}) {
    auto req = Signed(good, opt, now / 1000000, target);
    auto r = svc->Handle(req);
    CHECK_MESSAGE(r.status == 200, r.body);
    // Tampering with a signed part breaks it.
    req.query.back().second = "end";
    CHECK(Code(svc->Handle(req)) == "SignatureNotMatch");
  }
  auto wrong = Signed(Credentials{"testid", "other", ""}, SignOptions{}, now / 1000000, target);
  CHECK(svc->Handle(wrong).status == 401);
  auto unknown = Signed(Credentials{"someone", "testsecret", ""}, SignOptions{}, now / 1000000, target);
  CHECK(svc->Handle(unknown).status == 401);
  auto unsigned_req = test::MakeReq(*svc, "GET", target);
  CHECK(Code(svc->Handle(unsigned_req)) == "Unauthorized");
  auto old = Signed(good, SignOptions{}, now / 1000000 - 3600, target);
  CHECK(Code(svc->Handle(old)) == "RequestTimeExpired");
  // x-log-date added after signing (the Python SDK does) is fine.
  auto late_header = Signed(good, SignOptions{}, now / 1000000, target);
  late_header.headers.emplace_back("x-log-date", HttpDate(now / 1000000));
  CHECK(svc->Handle(late_header).status == 200);
}

TEST_CASE("a space in a query value verifies whether it came as '+' or %20, and %2B is a plus (v1 and v4)") {
  int64_t now = kNow;
  auto svc = AuthService(&now);
  Credentials good{"testid", "testsecret", ""};
  // What the client signs: the decoded value, with a space and a plus.
  const QueryList signed_query = {{"logstoreName", "a b+c"}};
  for (auto opt : {SignOptions{SignatureVersion::kV1, HmacMethod::kSha1, ""},
                   SignOptions{SignatureVersion::kV4, HmacMethod::kSha1, "cn-hangzhou"}}) {
    SignableRequest s{"GET",
                      "/logstores",
                      signed_query,
                      {{"Host", "demo.127.0.0.1"}, {"x-log-apiversion", "0.6.0"}, {"x-log-bodyrawsize", "0"}}};
    SignRequest(&s, "", good, opt, now / 1000000);
    auto on_wire = [&](const std::string& target) {
      EmuRequest r;
      r.method = "GET";
      SetTarget(target, &r);
      r.headers = s.headers;
      return svc->Handle(r);
    };
    // Python's requests (and Go's url.Values) form-encode: '+' for space.
    auto form = on_wire("/logstores?logstoreName=a+b%2Bc");
    CHECK_MESSAGE(form.status == 200, form.body);
    // RFC 3986 spelling (slsflow, Java).
    auto rfc = on_wire("/logstores?logstoreName=a%20b%2Bc");
    CHECK_MESSAGE(rfc.status == 200, rfc.body);
    // An unescaped plus is a space, so this is "a b c": not what was signed.
    CHECK(Code(on_wire("/logstores?logstoreName=a+b+c")) == "SignatureNotMatch");
  }
}

TEST_CASE("STS tokens: the configured one is accepted, any other refused") {
  int64_t now = kNow;
  auto svc = AuthService(&now, "sts-token-1");
  const std::string target = "/logstores/app/shards";
  auto with_token = Signed(Credentials{"testid", "testsecret", "sts-token-1"}, SignOptions{}, now / 1000000, target);
  CHECK(svc->Handle(with_token).status == 200);
  auto bad_token = Signed(Credentials{"testid", "testsecret", "forged"}, SignOptions{}, now / 1000000, target);
  auto r = svc->Handle(bad_token);
  CHECK(r.status == 401);
  CHECK(Code(r) == "Unauthorized");
  auto no_token = Signed(Credentials{"testid", "testsecret", ""}, SignOptions{}, now / 1000000, target);
  CHECK(svc->Handle(no_token).status == 200);

  auto plain = AuthService(&now);  // no token configured: a token is refused
  CHECK(plain->Handle(with_token).status == 401);
}

}  // namespace slsflow::emulator

namespace slsflow::emulator {

TEST_CASE("APIs the emulator does not serve answer 400 NotSupported naming the API, never 200") {
  int64_t now = kNow;
  auto svc = test::MakeService(1, &now);
  struct Case {
    const char* method;
    const char* target;
    const char* api;
  };
  for (const Case& c :
       {Case{"GET", "/logstores/app?type=log&from=1&to=2&query=*", "GetLogs"},
        Case{"GET", "/logstores/app?type=histogram&from=1&to=2", "GetHistograms"},
        Case{"GET", "/logstores/app?type=topic", "ListTopics"},
        Case{"POST", "/logstores/app/logs", "GetLogs (POST /logstores/app/logs, the v2 query API)"},
        Case{"GET", "/logs?query=x", "GetProjectLogs"}, Case{"GET", "/logstores/app/index", "the index API"},
        Case{"DELETE", "/", "DeleteProject"}, Case{"GET", "/machinegroups", "GET /machinegroups"},
        Case{"DELETE", "/logstores/app/shards", "DELETE /logstores/app/shards"}}) {
    CAPTURE(c.target);
    auto req = test::MakeReq(*svc, c.method, c.target, std::string(c.method) == "POST" ? "{}" : "");
    auto r = svc->Handle(req);
    CHECK(r.status == 400);
    CHECK(Code(r) == "NotSupported");
    CHECK(r.body.find(c.api) != std::string::npos);
    CHECK(r.body.find("is not implemented by slsflow emulator") != std::string::npos);
  }
  // GetLogStore itself still answers.
  auto get = test::MakeReq(*svc, "GET", "/logstores/app");
  CHECK(svc->Handle(get).status == 200);
}

TEST_CASE("every JSON API checks size and nesting before parsing; PutLogs keeps its own bound") {
  int64_t now = kNow;
  auto svc = test::MakeService(1, &now);
  std::string deep(100, '[');
  for (const char* target : {"/logstores", "/logstores/app", "/logstores/app/consumergroups",
                             "/logstores/app/consumergroups/cg?type=heartbeat&consumer=c"}) {
    CAPTURE(target);
    auto req = test::MakeReq(*svc, std::string(target) == "/logstores/app" ? "PUT" : "POST", target, deep);
    auto r = svc->Handle(req);
    CHECK(r.status == 400);
    CHECK(Code(r) == "PostBodyInvalid");
  }
  auto big = test::MakeReq(*svc, "POST", "/logstores/app/consumergroups", std::string((1 << 20) + 1, ' '));
  CHECK(svc->Handle(big).status == 413);
  CHECK(Service::IsPutLogs(test::MakeReq(*svc, "POST", "/logstores/app/shards/lb")));
  CHECK(Service::IsPutLogs(test::MakeReq(*svc, "POST", "/logstores/app/shards/0")));
  CHECK(Service::IsPutLogs(test::MakeReq(*svc, "POST", "/logstores/app")));
  CHECK_FALSE(Service::IsPutLogs(test::MakeReq(*svc, "POST", "/logstores/app/shards/0?action=split")));
  CHECK_FALSE(Service::IsPutLogs(test::MakeReq(*svc, "POST", "/logstores/app/consumergroups")));
  CHECK(svc->BodyLimit(test::MakeReq(*svc, "POST", "/logstores/app/shards/lb")) == 10485760);
  CHECK(svc->BodyLimit(test::MakeReq(*svc, "POST", "/logstores/app/consumergroups")) == (1u << 20));
}

}  // namespace slsflow::emulator

namespace slsflow::emulator {
namespace {

// Serves a fixed Load result, as a store written by an older or damaged
// emulator would; everything else succeeds.
class CannedStorage : public MemoryStorage {
 public:
  explicit CannedStorage(std::vector<LoadedProject> projects) : projects_(std::move(projects)) {}
  Status Load(std::vector<LoadedProject>* out) override {
    *out = projects_;
    return Status::OK();
  }

 private:
  std::vector<LoadedProject> projects_;
};

LoadedProject OneShardStore(const std::vector<std::pair<int, uint64_t>>& groups) {
  LoadedLogStore ls;
  ls.meta.name = "app";
  ShardMeta shard;
  shard.range.end.is_max = true;
  ls.shards = {shard};
  for (auto [id, offset] : groups) ls.groups.push_back(LoadedGroup{id, offset, StoredGroup{"g", 1, 1}});
  ls.consumer_groups = {ConsumerGroupMeta{"cg", 60, false}};
  ls.checkpoints = {{"cg", CheckpointRecord{0, EncodeCursor(1), 5, "c1"}},
                    {"dropped", CheckpointRecord{0, EncodeCursor(1), 5, "c1"}}};  // its group is gone: ignored
  return LoadedProject{"demo", {ls}};
}

Status InitWith(LoadedProject p, int64_t* now) {
  ServiceOptions o;
  o.clock_us = [now] { return *now; };
  Service svc(o, std::make_unique<CannedStorage>(std::vector<LoadedProject>{std::move(p)}));
  return svc.Init();
}

}  // namespace

TEST_CASE("loading stored groups: contiguous offsets load; a gap or an unknown shard stops start-up") {
  int64_t now = kNow;
  CHECK(InitWith(OneShardStore({{0, 0}, {0, 1}, {0, 2}}), &now).ok());
  Status gap = InitWith(OneShardStore({{0, 0}, {0, 2}}), &now);
  CHECK(gap.kind() == ErrorKind::kCorruption);
  CHECK(gap.message().find("shard 0 has a gap at group 2") != std::string::npos);
  CHECK(gap.message().find("move it away") != std::string::npos);  // says what to do
  CHECK(InitWith(OneShardStore({{0, 0}, {3, 0}}), &now).kind() == ErrorKind::kCorruption);

  ServiceOptions o;
  o.clock_us = [&now] { return now; };
  Service svc(o, std::make_unique<CannedStorage>(std::vector<LoadedProject>{OneShardStore({{0, 0}, {0, 1}})}));
  REQUIRE(svc.Init().ok());
  auto req = test::MakeReq(svc, "GET", "/logstores/app/consumergroups/cg?shard=0");
  auto r = svc.Handle(req);
  CHECK(r.body.find(EncodeCursor(1)) != std::string::npos);
  req = test::MakeReq(svc, "GET", "/logstores/app/shards/0?type=cursor&from=end");
  CHECK(svc.Handle(req).body.find(EncodeCursor(2)) != std::string::npos);
}

TEST_CASE("a logstore needs 1..max_shards shards, at start-up and on create") {
  int64_t now = kNow;
  ServiceOptions o;
  o.logstores = {{"app", 0}};
  o.clock_us = [&now] { return now; };
  Service bad(o, NewMemoryStorage());
  CHECK(bad.Init().sls_code() == "ParameterInvalid");

  auto svc = test::MakeService(1, &now);
  for (int n : {0, -1, 1025}) {
    auto req =
        test::MakeReq(*svc, "POST", "/logstores", "{\"logstoreName\":\"xy\",\"shardCount\":" + std::to_string(n) + "}");
    auto r = svc->Handle(req);
    CHECK(r.status == 400);
    CHECK(Code(r) == "ParameterInvalid");
    CHECK(r.body.find("shardCount must be between 1 and 1024") != std::string::npos);
  }
  auto req = test::MakeReq(*svc, "POST", "/logstores", R"({"logstoreName":"xy","shardCount":1024})");
  CHECK(svc->Handle(req).status == 200);
}

TEST_CASE("routing: methods and paths the path map does not name get the SLS code a client can act on") {
  int64_t now = kNow;
  auto svc = test::MakeService(2, &now);
  struct Case {
    const char* method;
    const char* target;
    int status;
    const char* code;
    const char* says;
  };
  for (const Case& c : {
           Case{"PUT", "/", 400, "NotSupported", "UpdateProject"},
           Case{"POST", "/", 400, "NotSupported", "CreateProject"},
           Case{"PATCH", "/", 400, "NotSupported", "PATCH /"},
           Case{"DELETE", "/logstores", 400, "NotSupported", "DELETE /logstores"},
           Case{"GET", "/logstores/app?type=weird", 400, "NotSupported", "type=weird"},
           Case{"PATCH", "/logstores/app", 400, "NotSupported", "PATCH /logstores/app"},
           Case{"POST", "/logstores/app/shards", 400, "NotSupported", "POST /logstores/app/shards"},
           Case{"GET", "/logstores/app/shards/0/more", 400, "NotSupported", "/shards/0/more"},
           Case{"GET", "/logstores/app/shards/lb", 400, "NotSupported", "GET /logstores/app/shards/lb"},
           Case{"GET", "/logstores/app/shards/abc?type=cursor&from=begin", 400, "ParameterInvalid",
                "invalid shard id abc"},
           Case{"GET", "/logstores/app/shards/-1?type=cursor&from=begin", 400, "ParameterInvalid",
                "invalid shard id -1"},
           Case{"GET", "/logstores/app/shards/1234567890?type=cursor&from=begin", 400, "ParameterInvalid", "shard id"},
           Case{"GET", "/logstores/app/shards/0?type=bogus", 400, "ParameterInvalid", "invalid type bogus"},
           Case{"POST", "/logstores/app/shards/0?action=bogus", 400, "ParameterInvalid", "invalid action bogus"},
           Case{"DELETE", "/logstores/app/shards/0", 400, "NotSupported", "DELETE /logstores/app/shards/0"},
           Case{"PUT", "/logstores/app/consumergroups", 400, "NotSupported", "PUT /logstores/app/consumergroups"},
           Case{"GET", "/logstores/app/consumergroups/cg/x", 400, "NotSupported", "/consumergroups/cg/x"},
           Case{"POST", "/logstores/app/consumergroups/cg?type=other", 400, "ParameterInvalid", "invalid type other"},
           Case{"GET", "/logstores/nope/shards", 404, "LogStoreNotExist", "nope"},
       }) {
    CAPTURE(c.method);
    CAPTURE(c.target);
    auto req = test::MakeReq(*svc, c.method, c.target);
    auto r = svc->Handle(req);
    CHECK(r.status == c.status);
    CHECK(Code(r) == c.code);
    CHECK(r.body.find(c.says) != std::string::npos);
  }
  // shardCount alone is a split (the sls20201230 form), and the reply lists the new shards.
  auto split = test::MakeReq(*svc, "POST", "/logstores/app/shards/0?shardCount=2");
  auto r = svc->Handle(split);
  CHECK_MESSAGE(r.status == 200, r.body);
  auto list = test::MakeReq(*svc, "GET", "/logstores/app/shards");
  CHECK(nlohmann::json::parse(svc->Handle(list).body).size() == 4);
  // A project the Host names but the emulator does not have.
  auto other = test::MakeReq(*svc, "GET", "/logstores");
  other.headers[0].second = "other.127.0.0.1";
  auto missing = svc->Handle(other);
  CHECK(missing.status == 404);
  CHECK(Code(missing) == "ProjectNotExist");
}

}  // namespace slsflow::emulator
