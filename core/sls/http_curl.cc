// libcurl transport. Easy handles are pooled, and curl_easy_reset keeps a
// handle's live connections, so every request after the first reuses a
// keep-alive connection.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "core/base/ascii.h"
#include "core/sls/codec.h"
#include "core/sls/http.h"

namespace slsflow {

std::string EncodeTarget(const std::string& path, const QueryList& query) {
  std::string target = path;
  char sep = '?';
  for (auto& [k, v] : query) {
    target += sep;
    sep = '&';
    target += PercentEncode(k);
    target += '=';
    target += PercentEncode(v);
  }
  return target;
}

namespace {

// A hostile or broken server must not make us buffer without bound.
constexpr size_t kMaxResponseBytes = kMaxRawBodySize + (1u << 20);

struct Exchange {
  HttpResponse* response;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t len = size * n;
  if (ex->response->body.size() + len > kMaxResponseBytes) {
    ex->too_large = true;
    return 0;  // aborts the transfer
  }
  ex->response->body.append(data, len);
  return len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t len = size * n;
  std::string_view line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {
    ex->response->headers.clear();  // a new response (after 100-continue or a redirect)
    return len;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string name = AsciiLowered(line.substr(0, colon));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  if (name == "content-length") {
    // One allocation for the body instead of a chain of doublings, each
    // copying what came before (a 1 MB reply took seven).
    const unsigned long long declared = std::strtoull(std::string(value).c_str(), nullptr, 10);
    if (declared <= kMaxResponseBytes) ex->response->body.reserve(static_cast<size_t>(declared));
  }
  ex->response->headers.emplace_back(std::move(name), std::string(value));
  return len;
}

bool IsSecretHeader(const std::string& name) {
  return EqualsIgnoringAsciiCase(name, "authorization") || EqualsIgnoringAsciiCase(name, "x-acs-security-token");
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(HttpOptions options) : options_(std::move(options)) {}
  ~CurlTransport() override {
    for (CURL* h : pool_) curl_easy_cleanup(h);
  }

  Result<HttpResponse> Send(const HttpRequest& request) override {
    CURL* h = Acquire();
    Result<HttpResponse> result = Perform(h, request);
    Release(h);
    return result;
  }

 private:
  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!pool_.empty()) {
        CURL* h = pool_.back();
        pool_.pop_back();
        curl_easy_reset(h);
        return h;
      }
    }
    return curl_easy_init();
  }
  void Release(CURL* h) {
    std::lock_guard<std::mutex> lock(mu_);
    pool_.push_back(h);
  }

  Result<HttpResponse> Perform(CURL* h, const HttpRequest& req) {
    HttpResponse response;
    Exchange ex{&response};
    std::string url = req.base_url + EncodeTarget(req.path, req.query);

    curl_slist* headers = nullptr;
    bool has_content_type = false;
    for (auto& [k, v] : req.headers) {
      std::string line = k + ": " + v;
      if (v.empty()) line = k + ";";  // curl's way to send an empty header
      headers = curl_slist_append(headers, line.c_str());
      if (EqualsIgnoringAsciiCase(k, "content-type")) has_content_type = true;
    }
    // curl would add headers the signature does not cover.
    headers = curl_slist_append(headers, "Expect:");
    if (!has_content_type) headers = curl_slist_append(headers, "Content-Type:");

    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(req.timeout_ms > 0 ? req.timeout_ms : options_.timeout_ms));
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, static_cast<long>(options_.max_idle_reuse_s));
    if (req.fresh_connection) {
      // libcurl re-sends only on a reused connection; the connection is
      // closed after, so that it never becomes a reused one either.
      curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
      curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    }
    // curl copies a POST body through its upload buffer, one send() per
    // fill, and frees the buffer after every transfer. At 256 KB glibc gave
    // those pages back each time and the next PutLogs faulted them in
    // again (7.4k against 4.3k page faults producing 128 MB); at 64 KB the
    // buffer stays in the heap. A 175 KB body then takes three sends, and
    // CPU did not rise (interleaved runs: p550 the same, kv200 lower).
    curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 64L * 1024);
    if (options_.insecure) {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());

    // A null POSTFIELDS would make curl read the body from stdin; an empty
    // view may have a null data().
    const char* body = req.body.empty() ? "" : req.body.data();
    if (req.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (req.method == "POST") {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    } else {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
      if (!req.body.empty() || req.method == "PUT") {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
      }
    }

    if (options_.trace) Trace("> " + req.method + " " + url, req.headers);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) return TransportError(rc, req, ex, h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    if (options_.trace)
      Trace("< HTTP " + std::to_string(status) + " (" + std::to_string(response.body.size()) + " bytes)",
            response.headers);
    return response;
  }

  void Trace(const std::string& first, const HeaderList& headers) {
    std::string line = first;
    for (auto& [k, v] : headers) line += "\n    " + k + ": " + (IsSecretHeader(k) ? "<redacted>" : v);
    options_.trace(line);
  }

  Status TransportError(CURLcode rc, const HttpRequest& req, const Exchange& ex, CURL* h) {
    std::string where = req.method + " " + req.base_url + req.path;
    if (ex.too_large)
      return Status::Error(ErrorKind::kCorruption, "reply to " + where + " is larger than " +
                                                       std::to_string(kMaxResponseBytes) + " bytes; refusing it");
    std::string what = curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        return Status::Error(ErrorKind::kTimeout, where + " timed out: " + what).set_retry(RetryClass::kRetry);
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return Status::Error(ErrorKind::kNetwork,
                             "TLS certificate of " + req.base_url + " was not accepted (" + what +
                                 "); pass --ca-file to trust a private CA, or --insecure to skip the check")
            .set_retry(RetryClass::kNever);
      case CURLE_SSL_CONNECT_ERROR:
        return Status::Error(ErrorKind::kNetwork, "TLS handshake with " + req.base_url + " failed: " + what +
                                                      " (is the endpoint really https?)")
            .set_retry(RetryClass::kRetry);
      // No server heard the request. The message is only what happened:
      // callers add "retrying (k/N)", the final report what to check.
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        return Status::Error(ErrorKind::kUnreachable,
                             "cannot reach " + req.base_url + ": its host name does not resolve")
            .set_retry(RetryClass::kRetry);
      case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;
        curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
        std::string reason = os_errno != 0 ? std::strerror(static_cast<int>(os_errno)) : what;
        if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
        return Status::Error(ErrorKind::kUnreachable, "cannot reach " + req.base_url + ": " + reason)
            .set_retry(RetryClass::kRetry);
      }
      default:
        return Status::Error(ErrorKind::kNetwork, where + " failed: " + what).set_retry(RetryClass::kRetry);
    }
  }

  HttpOptions options_;
  std::mutex mu_;
  std::vector<CURL*> pool_;
};

}  // namespace

std::shared_ptr<HttpTransport> NewCurlTransport(const HttpOptions& options) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_shared<CurlTransport>(options);
}

}  // namespace slsflow
