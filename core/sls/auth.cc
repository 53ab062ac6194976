#include "core/sls/auth.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>

#include "core/base/ascii.h"
#include "core/sls/crypto.h"

namespace slsflow {

namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// x-log-date is excluded: the Python SDK adds it after signing. x-log-meta-*
// is never signed by any SDK.
bool IsV1CanonicalHeader(const std::string& lower_name, bool include_x_log_date) {
  if (StartsWith(lower_name, "x-log-meta-")) return false;
  if (lower_name == "x-log-date") return include_x_log_date;
  return StartsWith(lower_name, "x-log-") || StartsWith(lower_name, "x-acs-");
}

bool IsV4SignedHeader(const std::string& lower_name) {
  if (lower_name == "host" || lower_name == "content-type") return true;
  if (StartsWith(lower_name, "x-log-meta-")) return false;
  return StartsWith(lower_name, "x-log-") || StartsWith(lower_name, "x-acs-");
}

std::vector<std::pair<std::string, std::string>> SortedQuery(const QueryList& query) {
  auto sorted = query;
  std::stable_sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.first < b.first; });
  return sorted;
}

std::string V1StringToSignImpl(const SignableRequest& req, bool include_x_log_date) {
  auto value_of = [&](std::string_view name) {
    const std::string* v = FindHeader(req.headers, name);
    return v ? *v : std::string();
  };
  std::string date = value_of("date");
  if (date.empty()) date = value_of("x-log-date");

  std::string s;
  s.reserve(256);
  s += req.method;
  s += '\n';
  s += value_of("content-md5");
  s += '\n';
  s += value_of("content-type");
  s += '\n';
  s += date;
  s += '\n';

  std::vector<std::pair<std::string, std::string>> canon;
  for (auto& [name, value] : req.headers) {
    std::string lower = AsciiLowered(name);
    if (IsV1CanonicalHeader(lower, include_x_log_date)) canon.emplace_back(lower, Trim(value));
  }
  std::sort(canon.begin(), canon.end());
  for (auto& [name, value] : canon) {
    s += name;
    s += ':';
    s += value;
    s += '\n';
  }

  s += PercentDecode(req.path);
  if (!req.query.empty()) {
    s += '?';
    bool first = true;
    for (auto& [k, v] : SortedQuery(req.query)) {
      if (!first) s += '&';
      first = false;
      s += k;
      s += '=';
      s += v;
    }
  }
  return s;
}

std::string V1Sign(const std::string& string_to_sign, const std::string& secret, HmacMethod method) {
  return Base64Encode(method == HmacMethod::kSha256 ? HmacSha256(secret, string_to_sign)
                                                    : HmacSha1(secret, string_to_sign));
}

bool ConstantTimeEqual(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

Status AuthError(int http, const std::string& code, const std::string& message) {
  ErrorKind kind = http == 401 ? ErrorKind::kAuth : ErrorKind::kInvalid;
  return Status::Error(kind, message).set_http_status(http).set_sls_code(code);
}

}  // namespace

const std::string* FindHeader(const HeaderList& headers, std::string_view name) {
  for (auto& [k, v] : headers) {
    if (EqualsIgnoringAsciiCase(k, name)) return &v;
  }
  return nullptr;
}

std::string PercentEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string PercentDecode(std::string_view s) {
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string V1StringToSign(const SignableRequest& req) {
  return V1StringToSignImpl(req, false);
}

std::string V1Signature(const SignableRequest& req, const std::string& secret, HmacMethod method) {
  return V1Sign(V1StringToSign(req), secret, method);
}

std::string V4CanonicalRequest(const SignableRequest& req) {
  std::string s;
  s.reserve(512);
  s += req.method;
  s += '\n';
  s += req.path;
  s += '\n';
  bool first = true;
  for (auto& [k, v] : SortedQuery(req.query)) {
    if (!first) s += '&';
    first = false;
    s += PercentEncode(k);
    if (!v.empty()) {
      s += '=';
      s += PercentEncode(v);
    }
  }
  s += '\n';

  std::vector<std::pair<std::string, std::string>> signed_headers;
  for (auto& [name, value] : req.headers) {
    std::string lower = AsciiLowered(name);
    if (IsV4SignedHeader(lower)) signed_headers.emplace_back(lower, Trim(value));
  }
  std::sort(signed_headers.begin(), signed_headers.end());
  std::string names;
  for (auto& [name, value] : signed_headers) {
    s += name;
    s += ':';
    s += value;
    s += '\n';
    if (!names.empty()) names += ';';
    names += name;
  }
  s += '\n';
  s += names;
  s += '\n';
  const std::string* hash = FindHeader(req.headers, "x-log-content-sha256");
  s += hash ? *hash : HexLower(Sha256(""));
  return s;
}

std::string V4StringToSign(const SignableRequest& req, const std::string& date_time, const std::string& region) {
  std::string day = date_time.substr(0, 8);
  return "SLS4-HMAC-SHA256\n" + date_time + "\n" + day + "/" + region + "/sls/aliyun_v4_request\n" +
         HexLower(Sha256(V4CanonicalRequest(req)));
}

std::string V4Signature(const SignableRequest& req, const std::string& secret, const std::string& date_time,
                        const std::string& region) {
  std::string day = date_time.substr(0, 8);
  std::string k = HmacSha256("aliyun_v4" + secret, day);
  k = HmacSha256(k, region);
  k = HmacSha256(k, "sls");
  k = HmacSha256(k, "aliyun_v4_request");
  return HexLower(HmacSha256(k, V4StringToSign(req, date_time, region)));
}

std::string HttpDate(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm;
  gmtime_r(&t, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string V4DateTime(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

bool ParseRequestTime(const std::string& text, int64_t* unix_seconds) {
  struct tm tm {};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') {
    tm = {};
    end = strptime(text.c_str(), "%Y%m%dT%H%M%SZ", &tm);
    if (end == nullptr || *end != '\0' || text.size() != 16) return false;
  }
  *unix_seconds = static_cast<int64_t>(timegm(&tm));
  return true;
}

void SignRequest(SignableRequest* req, std::string_view body, const Credentials& creds, const SignOptions& options,
                 int64_t unix_seconds) {
  auto set = [&](const std::string& name, const std::string& value) {
    for (auto& [k, v] : req->headers) {
      if (EqualsIgnoringAsciiCase(k, name)) {
        v = value;
        return;
      }
    }
    req->headers.emplace_back(name, value);
  };
  if (!creds.security_token.empty()) set("x-acs-security-token", creds.security_token);
  if (options.version == SignatureVersion::kV1) {
    set("Date", HttpDate(unix_seconds));
    set("x-log-signaturemethod", options.v1_method == HmacMethod::kSha256 ? "hmac-sha256" : "hmac-sha1");
    if (creds.empty()) return;
    std::string sig = V1Signature(*req, creds.access_key_secret, options.v1_method);
    set("Authorization", "LOG " + creds.access_key_id + ":" + sig);
  } else {
    std::string date_time = V4DateTime(unix_seconds);
    set("x-log-date", date_time);
    set("x-log-content-sha256", HexLower(Sha256(body)));
    if (creds.empty()) return;
    std::string sig = V4Signature(*req, creds.access_key_secret, date_time, options.region);
    set("Authorization", "SLS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" + date_time.substr(0, 8) + "/" +
                             options.region + "/sls/aliyun_v4_request,Signature=" + sig);
  }
}

Result<VerifyResult> VerifyRequest(const SignableRequest& req,
                                   const std::function<bool(const std::string&, std::string*)>& secret_for,
                                   int64_t server_unix_seconds, int64_t max_skew_seconds) {
  const std::string* auth = FindHeader(req.headers, "authorization");
  if (auth == nullptr || auth->empty())
    return AuthError(401, "Unauthorized", "the request carries no Authorization header");

  auto check_time = [&](const std::string& text) -> Status {
    int64_t t = 0;
    if (!ParseRequestTime(text, &t))
      return AuthError(400, "InvalidDateFormat",
                       "request time '" + text + "' is neither RFC 1123 nor yyyymmddThhmmssZ");
    int64_t skew = t > server_unix_seconds ? t - server_unix_seconds : server_unix_seconds - t;
    if (skew > max_skew_seconds)
      return AuthError(400, "RequestTimeExpired",
                       "request time " + text + " differs from server time by " + std::to_string(skew) + " s (limit " +
                           std::to_string(max_skew_seconds) + " s)");
    return Status::OK();
  };

  VerifyResult result;
  std::string secret;
  if (StartsWith(*auth, "LOG ")) {
    result.version = SignatureVersion::kV1;
    std::string rest = auth->substr(4);
    auto colon = rest.rfind(':');
    if (colon == std::string::npos) return AuthError(400, "MissAccessKeyId", "Authorization is not 'LOG <ak>:<sig>'");
    result.access_key_id = rest.substr(0, colon);
    std::string got = rest.substr(colon + 1);
    HmacMethod method = HmacMethod::kSha1;
    if (const std::string* m = FindHeader(req.headers, "x-log-signaturemethod")) {
      if (*m == "hmac-sha256")
        method = HmacMethod::kSha256;
      else if (*m != "hmac-sha1")
        return AuthError(400, "InvalidSignatureMethod", "x-log-signaturemethod '" + *m + "' is not supported");
    }
    const std::string* date = FindHeader(req.headers, "date");
    if (date == nullptr || date->empty()) date = FindHeader(req.headers, "x-log-date");
    if (date == nullptr || date->empty()) return AuthError(400, "MissingDate", "the request has no Date header");
    SLSFLOW_RETURN_IF_ERROR(check_time(*date));
    if (!secret_for(result.access_key_id, &secret))
      return AuthError(401, "Unauthorized", "access key id '" + result.access_key_id + "' is not known");
    if (ConstantTimeEqual(V1Sign(V1StringToSignImpl(req, false), secret, method), got)) return result;
    // Some clients sign x-log-date after all; accept that form too.
    if (FindHeader(req.headers, "x-log-date") &&
        ConstantTimeEqual(V1Sign(V1StringToSignImpl(req, true), secret, method), got))
      return result;
    return AuthError(401, "SignatureNotMatch", "signature " + got + " does not match");
  }
  if (StartsWith(*auth, "SLS4-HMAC-SHA256 ")) {
    result.version = SignatureVersion::kV4;
    std::string rest = auth->substr(17);
    auto cred_pos = rest.find("Credential=");
    auto sig_pos = rest.find("Signature=");
    if (cred_pos == std::string::npos || sig_pos == std::string::npos)
      return AuthError(400, "InvalidAuthorization", "v4 Authorization lacks Credential= or Signature=");
    std::string cred = rest.substr(cred_pos + 11);
    cred = cred.substr(0, cred.find(','));
    std::string got = rest.substr(sig_pos + 10);
    got = got.substr(0, got.find(','));
    // ak/yyyymmdd/region/sls/aliyun_v4_request; the ak itself has no '/'.
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
      auto slash = cred.find('/', start);
      parts.push_back(cred.substr(start, slash - start));
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    if (parts.size() != 5 || parts[3] != "sls" || parts[4] != "aliyun_v4_request")
      return AuthError(400, "InvalidAuthorization", "v4 Credential '" + cred + "' is malformed");
    result.access_key_id = parts[0];
    const std::string* date = FindHeader(req.headers, "x-log-date");
    if (date == nullptr || date->empty()) return AuthError(400, "MissingDate", "a v4 request needs x-log-date");
    SLSFLOW_RETURN_IF_ERROR(check_time(*date));
    if (date->substr(0, 8) != parts[1])
      return AuthError(401, "SignatureNotMatch", "credential date " + parts[1] + " does not match x-log-date");
    if (!secret_for(result.access_key_id, &secret))
      return AuthError(401, "Unauthorized", "access key id '" + result.access_key_id + "' is not known");
    if (ConstantTimeEqual(V4Signature(req, secret, *date, parts[2]), got)) return result;
    return AuthError(401, "SignatureNotMatch", "v4 signature does not match");
  }
  return AuthError(401, "Unauthorized", "Authorization scheme is neither 'LOG' nor 'SLS4-HMAC-SHA256'");
}

}  // namespace slsflow
