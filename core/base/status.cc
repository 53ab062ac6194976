#include "core/base/status.h"

namespace slsflow {

const char* ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kOk:
      return "ok";
    case ErrorKind::kUsage:
      return "usage";
    case ErrorKind::kAuth:
      return "auth";
    case ErrorKind::kConfig:
      return "config";
    case ErrorKind::kNotFound:
      return "not found";
    case ErrorKind::kInvalid:
      return "invalid";
    case ErrorKind::kCorruption:
      return "corruption";
    case ErrorKind::kIO:
      return "io";
    case ErrorKind::kNoSpace:
      return "no space";
    case ErrorKind::kNetwork:
      return "network";
    case ErrorKind::kUnreachable:
      return "unreachable";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kQuota:
      return "quota";
    case ErrorKind::kServer:
      return "server";
    case ErrorKind::kConflict:
      return "conflict";
    case ErrorKind::kAborted:
      return "aborted";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out;
  if (!sls_code().empty()) out += sls_code() + ": ";
  out += message();
  if (!request_id().empty() || http_status() != 0) {
    out += " (";
    if (!request_id().empty()) out += "request " + request_id();
    if (!request_id().empty() && http_status() != 0) out += ", ";
    if (http_status() != 0) out += "HTTP " + std::to_string(http_status());
    out += ")";
  }
  return out;
}

int Status::ExitCode() const {
  switch (kind_) {
    case ErrorKind::kOk:
      return 0;
    case ErrorKind::kUsage:
      return 2;
    case ErrorKind::kAuth:
    case ErrorKind::kConfig:
      return 3;
    default:
      return 1;
  }
}

}  // namespace slsflow
