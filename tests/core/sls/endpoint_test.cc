#include "core/sls/endpoint.h"

#include <doctest/doctest.h>

using namespace slsflow;

TEST_CASE("endpoints as users write them") {
  auto e = ParseEndpoint("cn-hangzhou.log.aliyuncs.com");
  REQUIRE(e.ok());
  CHECK(e->scheme == "https");
  CHECK_FALSE(e->connect_direct);
  CHECK(e->BaseUrl("demo") == "https://demo.cn-hangzhou.log.aliyuncs.com");
  CHECK(e->HostHeader("demo") == "demo.cn-hangzhou.log.aliyuncs.com");
  CHECK(e->Region() == "cn-hangzhou");

  e = ParseEndpoint("http://cn-shanghai-intranet.log.aliyuncs.com/");
  REQUIRE(e.ok());
  CHECK(e->scheme == "http");
  CHECK(e->Region() == "cn-shanghai");

  e = ParseEndpoint("http://127.0.0.1:8080");
  REQUIRE(e.ok());
  CHECK(e->connect_direct);
  CHECK(e->BaseUrl("demo") == "http://127.0.0.1:8080");
  CHECK(e->HostHeader("demo") == "demo.127.0.0.1:8080");

  e = ParseEndpoint("localhost:9000");
  REQUIRE(e.ok());
  CHECK(e->scheme == "http");
  CHECK(e->connect_direct);
  CHECK(e->HostHeader("p") == "p.localhost:9000");

  e = ParseEndpoint("https://[::1]:443");
  REQUIRE(e.ok());
  CHECK(e->connect_direct);
  CHECK(e->port == 443);
}

TEST_CASE("nonsense endpoints are usage errors") {
  for (const char* bad : {"", "ftp://x", "http://host:99999", "http://host:abc", "host/path/x", "a b.com"}) {
    CAPTURE(bad);
    auto e = ParseEndpoint(bad);
    REQUIRE_FALSE(e.ok());
    CHECK(e.status().kind() == ErrorKind::kUsage);
  }
}
