// Authentication as the Service applies it, with requests signed by the
// core signer (the same code the slsflow client uses).
#include "emulator/service.h"

#include <doctest/doctest.h>

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
