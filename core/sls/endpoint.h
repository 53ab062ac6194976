// Endpoints as users write them: "cn-hangzhou.log.aliyuncs.com",
// "https://cn-hangzhou.log.aliyuncs.com", "http://127.0.0.1:PORT",
// "localhost:8080". The project always travels in the Host header as
// "<project>.<host>"; for an IP or localhost endpoint we connect to the
// address itself and still send that Host.
#pragma once

#include <string>
#include <string_view>

#include "core/base/status.h"

namespace slsflow {

struct Endpoint {
  std::string scheme = "https";  // "http" or "https"
  std::string host;              // no port, no project
  int port = 0;                  // 0: the scheme's default
  bool connect_direct = false;   // IP or localhost: connect to host, project only in Host

  // Where to connect, e.g. "http://127.0.0.1:8080" or "https://demo.cn-hangzhou.log.aliyuncs.com".
  std::string BaseUrl(const std::string& project) const;
  // The Host header value: "demo.127.0.0.1:8080" or "demo.cn-hangzhou.log.aliyuncs.com".
  std::string HostHeader(const std::string& project) const;
  // What to show a person: "http://127.0.0.1:8080".
  std::string ToString() const;
  // Region for signature v4: the first label without -intranet/-share/-vpc.
  std::string Region() const;
};

// Defaults to https for names, http for IP/localhost without a scheme
// (a local emulator is almost always plain HTTP). kUsage on nonsense.
Result<Endpoint> ParseEndpoint(std::string_view text);

}  // namespace slsflow
