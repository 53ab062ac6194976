// Helpers for emulator tests: a raw HTTP/1.1 client (so tests control every
// byte, including Host, chunked framing and hostile input), request
// builders for driving Service without HTTP, and LogGroup construction.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/sls/auth.h"
#include "emulator/request.h"
#include "emulator/service.h"
#include "sls.pb.h"

namespace slsflow::emulator::test {

struct RawResponse {
  int status = 0;  // 0: no reply (connection closed or timed out)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string Header(const std::string& name) const {
    for (auto& [k, v] : headers) {
      if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(),
                                                [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return v;
      }
    }
    return "";
  }
};

inline int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads one response (Content-Length framed, as the emulator always is)
// from `read_some(timeout_ms)`, which returns the next bytes, or "" at EOF
// or timeout. Status 0 when no whole response came. Plain sockets and TLS
// clients share it.
template <typename ReadSome>
RawResponse ReadResponseFrom(ReadSome read_some, int timeout_ms) {
  RawResponse r;
  std::string buf;
  size_t header_end;
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    std::string more = read_some(timeout_ms);
    if (more.empty()) return RawResponse{};
    buf += more;
  }
  std::string head = buf.substr(0, header_end);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  r.status = std::atoi(status_line.substr(status_line.find(' ') + 1).c_str());
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    size_t colon = line.find(':');
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    while (!value.empty() && value[0] == ' ') value.erase(0, 1);
    r.headers.emplace_back(line.substr(0, colon), value);
    pos = e + 2;
  }
  const size_t need = header_end + 4 + static_cast<size_t>(std::atoll(r.Header("Content-Length").c_str()));
  while (buf.size() < need) {
    std::string more = read_some(timeout_ms);
    if (more.empty()) return RawResponse{};
    buf += more;
  }
  r.body = buf.substr(header_end + 4, need - header_end - 4);
  return r;
}

inline RawResponse ReadResponse(int fd, int timeout_ms = 10000) {
  return ReadResponseFrom(
      [fd](int ms) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, ms) <= 0) return std::string();
        char tmp[65536];
        ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
        return n > 0 ? std::string(tmp, static_cast<size_t>(n)) : std::string();
      },
      timeout_ms);
}

// One request on a fresh connection.
inline RawResponse RawRequest(int port, const std::string& bytes, int timeout_ms = 10000) {
  int fd = Connect(port);
  if (fd < 0) return RawResponse{};
  RawResponse r;
  if (SendAll(fd, bytes)) r = ReadResponse(fd, timeout_ms);
  ::close(fd);
  return r;
}

// A whole request with Content-Length framing.
inline std::string BuildRequest(const std::string& method, const std::string& target, const HeaderList& headers,
                                const std::string& body = "") {
  std::string s = method + " " + target + " HTTP/1.1\r\n";
  bool has_length = false;
  for (auto& [k, v] : headers) {
    s += k + ": " + v + "\r\n";
    if (k == "Content-Length") has_length = true;
  }
  if (!has_length && (!body.empty() || method == "POST" || method == "PUT")) {
    s += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  s += "\r\n";
  return s + body;
}

inline std::string NowHttpDate(Service& svc) {
  return HttpDate(svc.NowMicros() / 1000000);
}

// An EmuRequest for Service::Handle: Host demo.local, a fresh Date.
inline EmuRequest MakeReq(Service& svc, const std::string& method, const std::string& target,
                          const std::string& body = "", HeaderList extra = {}) {
  EmuRequest r;
  r.method = method;
  size_t q = target.find('?');
  r.raw_path = target.substr(0, q);
  r.path = PercentDecode(r.raw_path);
  if (q != std::string::npos) r.query = ParseQuery(target.substr(q + 1));
  r.headers = {{"Host", "demo.127.0.0.1"}, {"Date", NowHttpDate(svc)}};
  for (auto& h : extra) r.headers.push_back(h);
  r.body = body;
  return r;
}

inline std::string MakeLogGroup(int logs, const std::string& topic = "t", size_t value_size = 16,
                                uint32_t time = 1700000000) {
  sls::LogGroup g;
  for (int i = 0; i < logs; ++i) {
    auto* log = g.add_logs();
    log->set_time(time + static_cast<uint32_t>(i));
    auto* c = log->add_contents();
    c->set_key("msg");
    c->set_value(std::string(value_size, static_cast<char>('a' + i % 26)));
  }
  g.set_topic(topic);
  g.set_source("127.0.0.1");
  auto* tag = g.add_logtags();
  tag->set_key("env");
  tag->set_value("test");
  return g.SerializeAsString();
}

// The fixtures (MakeLogGroup, the golden captures) carry fixed 2023 log
// times, outside SLS's write window of any clock a test uses: fixtures
// accept any log time. log_rules_test.cc and handlers_put_test.cc test the
// window itself.
inline void AcceptAnyLogTime(EmulatorLimits* limits) {
  limits->max_log_age_s = 0;
  limits->max_log_ahead_s = 0;
}

// Service with one project "demo" and logstore "app" of `shards` shards,
// clock driven by *now_us.
inline std::unique_ptr<Service> MakeService(int shards, int64_t* now_us, std::unique_ptr<Storage> storage = nullptr) {
  ServiceOptions o;
  AcceptAnyLogTime(&o.limits);
  o.logstores = {{"app", shards}};
  o.clock_us = [now_us] { return *now_us; };
  auto svc = std::make_unique<Service>(o, storage ? std::move(storage) : NewMemoryStorage());
  Status st = svc->Init();
  if (!st.ok()) return nullptr;
  return svc;
}

}  // namespace slsflow::emulator::test
