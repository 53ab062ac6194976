// The one interface to the network. The client speaks to an HttpTransport;
// production uses libcurl with a keep-alive connection pool, tests can use
// anything that answers a request.
#pragma once

#include <memory>
#include <string>

#include "core/base/status.h"
#include "core/sls/auth.h"

namespace slsflow {

struct HttpRequest {
  std::string method = "GET";
  std::string base_url;  // "http://127.0.0.1:8080" (scheme://authority, no path)
  std::string path;      // "/logstores/app/shards/0", already percent-encoded
  QueryList query;       // decoded; the transport encodes
  HeaderList headers;    // including Host
  // A view of the caller's bytes, which must outlive Send: a PutLogs body
  // is hundreds of KB, and copying it per request showed in profiles.
  std::string_view body;
  int timeout_ms = 0;  // 0: the transport default
  // Send on a new connection, closed afterwards. libcurl re-sends a request
  // by itself when a reused keep-alive connection dies before any reply
  // byte, and the server may have handled the first copy; a request on a
  // fresh connection is sent exactly once.
  bool fresh_connection = false;
};

struct HttpResponse {
  int status = 0;
  HeaderList headers;  // names lower-cased
  std::string body;
  const std::string* Header(std::string_view name) const { return FindHeader(headers, name); }
  std::string HeaderOr(std::string_view name, std::string fallback = "") const {
    auto* v = Header(name);
    return v ? *v : fallback;
  }
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // A transport failure (connect, reset, TLS, timeout) is an error Status of
  // kind kNetwork/kTimeout with RetryClass kRetry. Any HTTP status, even
  // 500, is a successful Send.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

struct HttpOptions {
  int connect_timeout_ms = 10000;
  int timeout_ms = 60000;
  std::string ca_file;    // trust this CA bundle instead of the system one
  bool insecure = false;  // skip certificate and host name checks
  // A pooled connection idle longer than this is not reused (libcurl counts
  // whole seconds, so the real limit is up to a second more). Servers close
  // idle keep-alive connections (some load balancers after 15 s); one
  // closing just as we send makes libcurl send the request again unseen.
  int max_idle_reuse_s = 10;
  // Called with a redacted one-line trace of each request and reply
  // (Authorization and security tokens removed). Empty: no tracing.
  std::function<void(const std::string&)> trace;
};

// Thread-safe; keeps a pool of keep-alive connections. Proxies come from
// the usual http_proxy/https_proxy/no_proxy environment variables.
std::shared_ptr<HttpTransport> NewCurlTransport(const HttpOptions& options);

// Builds "path?k=v&..." with RFC 3986 encoding of the query values.
std::string EncodeTarget(const std::string& path, const QueryList& query);

}  // namespace slsflow
