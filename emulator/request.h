// The emulator's view of one HTTP exchange, independent of cpp-httplib so
// handlers can be driven directly in tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/sls/auth.h"

namespace slsflow::emulator {

struct EmuRequest {
  std::string method;
  std::string raw_path;  // as sent (percent-encoded)
  std::string path;      // percent-decoded
  QueryList query;       // decoded keys and values ('+' is a space), wire order
  HeaderList headers;
  std::string body;
  std::string project;  // resolved from Host by the service

  const std::string* Header(std::string_view name) const { return FindHeader(headers, name); }
  const std::string* Query(std::string_view name) const {
    for (auto& [k, v] : query) {
      if (k == name) return &v;
    }
    return nullptr;
  }
  std::string QueryOr(std::string_view name, std::string fallback = "") const {
    const std::string* v = Query(name);
    return v ? *v : fallback;
  }
};

struct EmuResponse {
  int status = 200;
  std::string content_type;  // empty: no body type
  HeaderList headers;
  std::string body;
  // Fault injection: drop the connection instead of answering.
  bool reset_connection = false;
  // Fault injection / quota: delay before the reply is written.
  int64_t delay_ms = 0;
};

// {"errorCode":..., "errorMessage":...} with the given status.
EmuResponse ErrorResponse(int status, std::string_view code, std::string_view message);
// An error Status carrying an SLS code and HTTP status.
Status SlsError(int status, std::string_view code, std::string message);
// Turns a Status from SlsError (or any other Status: 500) into a reply.
EmuResponse StatusResponse(const Status& status);
EmuResponse JsonResponse(std::string body);

// Splits "a=1&b=%3D&c=x+y" into decoded pairs ("c" is "x y"; "%2B" is '+').
QueryList ParseQuery(std::string_view raw_query);
// Fills raw_path, path and query from a request target ("/p%20x?a=1").
void SetTarget(std::string_view target, EmuRequest* req);

}  // namespace slsflow::emulator
