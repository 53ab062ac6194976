#include "emulator/limits.h"

#include <string>

#include "emulator/request.h"

namespace slsflow::emulator {

Status CheckJsonBody(std::string_view body, const EmulatorLimits& limits) {
  if (body.size() > limits.max_json_body_bytes) {
    return SlsError(
        413, "PostBodyTooLarge",
        "body size must be less than " + std::to_string(limits.max_json_body_bytes) + " bytes for this API");
  }
  // A parser builds one node per nesting level before it can see the
  // body's end, so depth is what makes a few megabytes cost gigabytes.
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limits.max_json_depth) {
        return SlsError(400, "PostBodyInvalid",
                        "JSON body nests deeper than " + std::to_string(limits.max_json_depth) + " levels");
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return Status::OK();
}

}  // namespace slsflow::emulator
