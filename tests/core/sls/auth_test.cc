#include "core/sls/auth.h"

#include <doctest/doctest.h>

#include "tests/golden_capture.h"
#include "tests/test_util.h"

using namespace slsflow;

namespace {

// Region and date come from the capture's own Credential.
void ParseCredential(const std::string& auth, std::string* date_day, std::string* region) {
  auto p = auth.find("Credential=");
  std::string cred = auth.substr(p + 11, auth.find(',', p) - p - 11);
  auto s1 = cred.find('/');
  auto s2 = cred.find('/', s1 + 1);
  auto s3 = cred.find('/', s2 + 1);
  *date_day = cred.substr(s1 + 1, s2 - s1 - 1);
  *region = cred.substr(s2 + 1, s3 - s2 - 1);
}

}  // namespace

TEST_CASE("our signer reproduces the Authorization of every golden capture") {
  auto files = test::GoldenCaptureFiles();
  REQUIRE(files.size() == 68);
  int v1_sha1 = 0, v1_sha256 = 0, v4 = 0;
  for (auto& f : files) {
    CAPTURE(f);
    auto c = test::LoadGoldenCapture(f);
    const std::string* auth = FindHeader(c.request.headers, "authorization");
    REQUIRE(auth != nullptr);
    if (auth->rfind("LOG ", 0) == 0) {
      std::string got = auth->substr(auth->rfind(':') + 1);
      const std::string* m = FindHeader(c.request.headers, "x-log-signaturemethod");
      HmacMethod method = (m && *m == "hmac-sha256") ? HmacMethod::kSha256 : HmacMethod::kSha1;
      (method == HmacMethod::kSha256 ? v1_sha256 : v1_sha1)++;
      CHECK(V1Signature(c.request, "testsecret", method) == got);
      CHECK(V1StringToSign(c.request) ==
            c.json["analysis"]["signature"]["variants"][1]["string_to_sign"].get<std::string>());
    } else {
      ++v4;
      std::string day, region;
      ParseCredential(*auth, &day, &region);
      std::string got = auth->substr(auth->find("Signature=") + 10);
      const std::string* date = FindHeader(c.request.headers, "x-log-date");
      REQUIRE(date != nullptr);
      CHECK(V4CanonicalRequest(c.request) == c.json["analysis"]["signature"]["canonical_request"].get<std::string>());
      CHECK(V4Signature(c.request, "testsecret", *date, region) == got);
    }
  }
  CHECK(v1_sha1 > 0);
  CHECK(v1_sha256 > 0);
  CHECK(v4 == 22);
  CHECK(v1_sha1 + v1_sha256 + v4 == 68);
}

TEST_CASE("VerifyRequest accepts every capture at its own time and rejects a wrong secret") {
  for (auto& f : test::GoldenCaptureFiles()) {
    CAPTURE(f);
    auto c = test::LoadGoldenCapture(f);
    auto good = [](const std::string& ak, std::string* secret) {
      *secret = "testsecret";
      return ak == "testid";
    };
    auto bad = [](const std::string&, std::string* secret) {
      *secret = "wrongsecret";
      return true;
    };
    auto ok = VerifyRequest(c.request, good, c.request_time);
    CHECK_MESSAGE(ok.ok(), ok.status().ToString());
    auto rejected = VerifyRequest(c.request, bad, c.request_time);
    REQUIRE_FALSE(rejected.ok());
    CHECK(rejected.status().sls_code() == "SignatureNotMatch");
    CHECK(rejected.status().http_status() == 401);
    // An hour later the same request is stale.
    auto stale = VerifyRequest(c.request, good, c.request_time + 3600);
    REQUIRE_FALSE(stale.ok());
    CHECK(stale.status().sls_code() == "RequestTimeExpired");
  }
}

TEST_CASE("VerifyRequest: missing pieces get the SLS error codes") {
  SignableRequest req{"GET", "/logstores", {}, {{"Host", "demo.localhost"}}};
  auto any = [](const std::string&, std::string* s) {
    *s = "x";
    return true;
  };
  auto r = VerifyRequest(req, any, 0);
  CHECK(r.status().sls_code() == "Unauthorized");
  req.headers.emplace_back("Authorization", "LOG testid:abc");
  r = VerifyRequest(req, any, 0);
  CHECK(r.status().sls_code() == "MissingDate");
  CHECK(r.status().http_status() == 400);
  req.headers.emplace_back("Date", "yesterday-ish");
  r = VerifyRequest(req, any, 0);
  CHECK(r.status().sls_code() == "InvalidDateFormat");
}

TEST_CASE("sign then verify round-trips for v1 sha1, v1 sha256 and v4, with an STS token") {
  Credentials creds{"ak1", "secret1", "sts-token"};
  for (auto version : {SignatureVersion::kV1, SignatureVersion::kV4}) {
    for (auto method : {HmacMethod::kSha1, HmacMethod::kSha256}) {
      SignableRequest req{
          "POST",
          "/logstores/app/shards/lb",
          {{"key", "a b=c"}, {"empty", ""}},
          {{"Host", "demo.example.com:8080"}, {"Content-Type", "application/x-protobuf"}, {"x-log-bodyrawsize", "3"}}};
      SignOptions opts{version, method, "cn-hangzhou"};
      SignRequest(&req, "abc", creds, opts, 1800000000);
      CHECK(FindHeader(req.headers, "x-acs-security-token") != nullptr);
      auto lookup = [](const std::string& ak, std::string* s) {
        *s = "secret1";
        return ak == "ak1";
      };
      auto v = VerifyRequest(req, lookup, 1800000000);
      CHECK_MESSAGE(v.ok(), v.status().ToString());
      // Tampering with a signed header breaks it.
      for (auto& [k, val] : req.headers)
        if (k == "x-log-bodyrawsize") val = "4";
      CHECK_FALSE(VerifyRequest(req, lookup, 1800000000).ok());
    }
  }
}

TEST_CASE("percent encoding and decoding") {
  CHECK(PercentEncode("MTYw==") == "MTYw%3D%3D");
  CHECK(PercentEncode("a b+c/~") == "a%20b%2Bc%2F~");
  CHECK(PercentDecode("MTYw%3D%3D") == "MTYw==");
  CHECK(PercentDecode("a+b%2") == "a+b%2");
  CHECK(PercentDecode("%zz") == "%zz");
}

TEST_CASE("request times") {
  int64_t t = 0;
  REQUIRE(ParseRequestTime("Tue, 24 Nov 2026 19:59:56 GMT", &t));
  CHECK(HttpDate(t) == "Tue, 24 Nov 2026 19:59:56 GMT");
  CHECK(V4DateTime(t) == "20261124T195956Z");
  int64_t t2 = 0;
  REQUIRE(ParseRequestTime("20261124T195956Z", &t2));
  CHECK(t == t2);
  CHECK_FALSE(ParseRequestTime("2026-11-24", &t2));
}
