#include "core/sls/endpoint.h"

#include <arpa/inet.h>

#include <cctype>

namespace slsflow {

namespace {

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1) return true;
  if (!host.empty() && host.front() == '[') return true;
  return inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

Result<Endpoint> ParseEndpoint(std::string_view text) {
  Endpoint ep;
  std::string s(text);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  bool explicit_scheme = false;
  if (s.rfind("http://", 0) == 0) {
    ep.scheme = "http";
    s = s.substr(7);
    explicit_scheme = true;
  } else if (s.rfind("https://", 0) == 0) {
    ep.scheme = "https";
    s = s.substr(8);
    explicit_scheme = true;
  } else if (s.find("://") != std::string::npos) {
    return Status::Usage("endpoint '" + std::string(text) + "' has a scheme other than http:// or https://");
  }
  if (auto slash = s.find('/'); slash != std::string::npos) {
    if (s.find_first_not_of('/', slash) != std::string::npos)
      return Status::Usage("endpoint '" + std::string(text) + "' must not contain a path");
    s = s.substr(0, slash);
  }
  if (s.empty()) return Status::Usage("endpoint is empty; give e.g. cn-hangzhou.log.aliyuncs.com");

  // host[:port], with [v6]:port
  std::string host = s;
  std::string port;
  if (s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string::npos) return Status::Usage("endpoint '" + s + "' has an unclosed '['");
    host = s.substr(0, close + 1);
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') return Status::Usage("endpoint '" + s + "' is malformed");
      port = s.substr(close + 2);
    }
  } else if (auto colon = s.rfind(':'); colon != std::string::npos) {
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (!port.empty()) {
    for (char c : port)
      if (!std::isdigit(static_cast<unsigned char>(c)))
        return Status::Usage("endpoint port '" + port + "' is not a number");
    ep.port = std::stoi(port);
    if (ep.port <= 0 || ep.port > 65535) return Status::Usage("endpoint port " + port + " is out of range");
  }
  for (char c : host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '[' || c == ']' ||
          c == ':'))
      return Status::Usage("endpoint host '" + host + "' contains '" + std::string(1, c) + "'");
  }
  ep.host = host;
  ep.connect_direct = IsIpLiteral(host) || host == "localhost";
  if (!explicit_scheme) ep.scheme = ep.connect_direct ? "http" : "https";
  return ep;
}

std::string Endpoint::BaseUrl(const std::string& project) const {
  std::string authority = (connect_direct || project.empty()) ? host : project + "." + host;
  if (port != 0) authority += ":" + std::to_string(port);
  return scheme + "://" + authority;
}

std::string Endpoint::HostHeader(const std::string& project) const {
  std::string h = project.empty() ? host : project + "." + host;
  if (port != 0) h += ":" + std::to_string(port);
  return h;
}

std::string Endpoint::ToString() const {
  std::string s = scheme + "://" + host;
  if (port != 0) s += ":" + std::to_string(port);
  return s;
}

std::string Endpoint::Region() const {
  if (connect_direct) return "";
  std::string label = host.substr(0, host.find('.'));
  for (const char* suffix : {"-intranet", "-share", "-vpc"}) {
    std::string sfx(suffix);
    if (label.size() > sfx.size() && label.compare(label.size() - sfx.size(), sfx.size(), sfx) == 0)
      return label.substr(0, label.size() - sfx.size());
  }
  return label;
}

}  // namespace slsflow
