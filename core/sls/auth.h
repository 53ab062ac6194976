// SLS request signatures, v1 ("LOG ak:sig", HMAC-SHA1 or HMAC-SHA256) and
// v4 ("SLS4-HMAC-SHA256", region-scoped). The same canonicalisation signs
// our requests and verifies the emulator's, so the two can never disagree.
// See doc/protocol.md §3 (v1) and §4 (v4).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/status.h"

namespace slsflow {

using HeaderList = std::vector<std::pair<std::string, std::string>>;
using QueryList = std::vector<std::pair<std::string, std::string>>;  // decoded values

struct Credentials {
  std::string access_key_id;
  std::string access_key_secret;
  std::string security_token;  // STS; sent as x-acs-security-token
  bool empty() const { return access_key_id.empty(); }
};

enum class SignatureVersion { kV1, kV4 };
enum class HmacMethod { kSha1, kSha256 };

// What a signature covers, as it is (or will be) on the wire.
struct SignableRequest {
  std::string method;
  std::string path;    // as sent, percent-encoded
  QueryList query;     // decoded values, in wire order
  HeaderList headers;  // wire names and values; looked up case-insensitively
};

// Case-insensitive lookup; nullptr when absent.
const std::string* FindHeader(const HeaderList& headers, std::string_view name);

// v1 pieces.
std::string V1StringToSign(const SignableRequest& req);
std::string V1Signature(const SignableRequest& req, const std::string& secret, HmacMethod method);

// v4 pieces. `date_time` is x-log-date (yyyymmddThhmmssZ).
std::string V4CanonicalRequest(const SignableRequest& req);
std::string V4StringToSign(const SignableRequest& req, const std::string& date_time, const std::string& region);
std::string V4Signature(const SignableRequest& req, const std::string& secret, const std::string& date_time,
                        const std::string& region);

// RFC 3986 encoding as v4 uses it (unreserved kept, the rest %XX uppercase).
std::string PercentEncode(std::string_view s);
// Decodes %XX (and nothing else; '+' stays '+', as SLS cursors need).
std::string PercentDecode(std::string_view s);

// RFC 1123 "Tue, 24 Nov 2026 19:59:56 GMT" and v4 "20261124T195956Z".
std::string HttpDate(int64_t unix_seconds);
std::string V4DateTime(int64_t unix_seconds);
// Parses either form; false when it is neither.
bool ParseRequestTime(const std::string& text, int64_t* unix_seconds);

struct SignOptions {
  SignatureVersion version = SignatureVersion::kV1;
  HmacMethod v1_method = HmacMethod::kSha1;
  std::string region;  // v4 only
};

// Client side: adds Date/x-log-date, x-log-signaturemethod (v1),
// x-log-content-sha256 (v4), x-acs-security-token (STS) and Authorization
// to `req`. Content-MD5 and the x-log-* body headers must already be there.
void SignRequest(SignableRequest* req, std::string_view body, const Credentials& creds, const SignOptions& options,
                 int64_t unix_seconds);

// Server side. Looks the key id up with `secret_for` (returns false for an
// unknown key) and checks the Authorization header. Errors carry the SLS
// codes: Unauthorized (also for an unknown key id) / SignatureNotMatch (401) and
// MissingDate / InvalidDateFormat / RequestTimeExpired (400).
struct VerifyResult {
  std::string access_key_id;
  SignatureVersion version = SignatureVersion::kV1;
};
Result<VerifyResult> VerifyRequest(const SignableRequest& req,
                                   const std::function<bool(const std::string& ak, std::string* secret)>& secret_for,
                                   int64_t server_unix_seconds, int64_t max_skew_seconds = 15 * 60);

}  // namespace slsflow
