// The emulator's request handling: one HTTP request per input (request
// line, headers, blank line, body), dispatched to the service as the
// server would. It must answer every input with some status, never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "emulator/service.h"
#include "emulator/storage.h"

using namespace slsflow::emulator;

namespace {
Service* TheService() {
  static Service* service = [] {
    ServiceOptions o;
    o.default_project = "demo";
    o.logstores = {{"app", 2}};
    auto* s = new Service(o, NewMemoryStorage());
    (void)s->Init();
    return s;
  }();
  return service;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  size_t head_end = text.find("\r\n\r\n");
  std::string head = text.substr(0, head_end);
  EmuRequest req;
  if (head_end != std::string::npos) req.body = text.substr(head_end + 4);
  size_t line_end = head.find("\r\n");
  std::string request_line = head.substr(0, line_end);
  size_t sp1 = request_line.find(' ');
  if (sp1 == std::string::npos) return 0;
  size_t sp2 = request_line.find(' ', sp1 + 1);
  req.method = request_line.substr(0, sp1);
  SetTarget(request_line.substr(sp1 + 1, sp2 == std::string::npos ? std::string::npos : sp2 - sp1 - 1), &req);
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      size_t v = line.find_first_not_of(' ', colon + 1);
      req.headers.emplace_back(line.substr(0, colon), v == std::string::npos ? "" : line.substr(v));
    }
    pos = e + 2;
  }
  EmuResponse res = TheService()->Handle(req);
  if (res.status < 100 || res.status > 599) __builtin_trap();
  return 0;
}
