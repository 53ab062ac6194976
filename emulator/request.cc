#include "emulator/request.h"

#include <nlohmann/json.hpp>

namespace slsflow::emulator {

EmuResponse ErrorResponse(int status, std::string_view code, std::string_view message) {
  EmuResponse r;
  r.status = status;
  r.content_type = "application/json";
  nlohmann::json j = {{"errorCode", code}, {"errorMessage", message}};
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Status SlsError(int status, std::string_view code, std::string message) {
  ErrorKind kind = status >= 500 ? ErrorKind::kServer : ErrorKind::kInvalid;
  return Status::Error(kind, std::move(message)).set_http_status(status).set_sls_code(std::string(code));
}

EmuResponse StatusResponse(const Status& status) {
  if (!status.sls_code().empty()) {
    int http = status.http_status() ? status.http_status() : 400;
    return ErrorResponse(http, status.sls_code(), status.message());
  }
  return ErrorResponse(500, "InternalServerError", status.message());
}

EmuResponse JsonResponse(std::string body) {
  EmuResponse r;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

namespace {

// As SLS reads a query: '+' is a space (Python's requests and Go's
// url.Values encode spaces so), "%2B" a plus. A client signs the decoded
// text, so verifying needs it decoded the same way (doc/protocol.md §3.3).
std::string QueryDecode(std::string_view s) {
  std::string spaced(s);
  for (char& c : spaced) {
    if (c == '+') c = ' ';
  }
  return PercentDecode(spaced);
}

}  // namespace

QueryList ParseQuery(std::string_view raw) {
  QueryList out;
  size_t pos = 0;
  while (pos <= raw.size() && !raw.empty()) {
    size_t amp = raw.find('&', pos);
    if (amp == std::string_view::npos) amp = raw.size();
    std::string_view part = raw.substr(pos, amp - pos);
    if (!part.empty()) {
      size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(QueryDecode(part), "");
      } else {
        out.emplace_back(QueryDecode(part.substr(0, eq)), QueryDecode(part.substr(eq + 1)));
      }
    }
    pos = amp + 1;
    if (amp == raw.size()) break;
  }
  return out;
}

void SetTarget(std::string_view target, EmuRequest* req) {
  size_t q = target.find('?');
  req->raw_path = std::string(target.substr(0, q));
  req->path = PercentDecode(req->raw_path);
  if (q != std::string_view::npos) req->query = ParseQuery(target.substr(q + 1));
}

}  // namespace slsflow::emulator
