// Every bound the emulator puts on a request, in one place, each with a
// flag of `slsflow emulator` (cli/emulator.cc, man/slsflow-emulator.1).
// The SLS figures come from doc/protocol.md §10.4 and §14 (the current ones
// where the notes give two); the rest bound the emulator's own memory and
// threads. Connection-level bounds are read by the server (server.cc),
// the others by the service and its handlers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/base/status.h"

namespace slsflow::emulator {

struct EmulatorLimits {
  // PutLogs (doc/protocol.md §10.3, §10.4, §14).
  size_t max_body_bytes = 10485760;    // request body as sent: 413 PostBodyTooLarge
  size_t max_group_bytes = 5u << 20;   // one LogGroup after decompression: 413 PostBodyTooLarge
  size_t max_logs_per_request = 0;     // 0: no count (the current docs give none; older: 4096)
  size_t max_key_bytes = 128;          // content key: 400 InvalidKey
  size_t max_value_bytes = 1u << 20;   // content value: 400 PostBodyInvalid
  size_t max_topic_bytes = 128;        // topic and source: 400 PostBodyInvalid
  int64_t max_log_age_s = 168 * 3600;  // Log.Time older than now minus this: 400 PostBodyInvalid; 0: unchecked
  int64_t max_log_ahead_s = 15 * 60;   // Log.Time later than now plus this: likewise; 0: unchecked
  bool accept_invalid_utf8 = false;    // store non-UTF-8 instead of 400 InvalidEncoding

  // Every other request with a body carries JSON: size and nesting are
  // checked before it is parsed, so a hostile body costs at most its size.
  size_t max_json_body_bytes = 1u << 20;  // 413 PostBodyTooLarge
  int max_json_depth = 32;                // objects and arrays inside each other: 400 PostBodyInvalid

  // Reads and the model.
  size_t max_pull_bytes = 16u << 20;     // a pull reply stops adding groups past this (raw)
  size_t pull_cache_bytes = 256u << 20;  // compressed pull replies kept for re-reads
  int max_shards = 1024;                 // shards a logstore may have, readonly ones included

  // Connections (server.cc).
  int read_timeout_ms = 5000;       // silence allowed in the middle of a request
  int request_deadline_ms = 60000;  // a whole request (headers and body) must arrive within this
  int keep_alive_idle_ms = 30000;   // an idle keep-alive connection is closed after this
  size_t max_connections = 512;     // connections served at once (one thread each)

  // The most a request may send after its headers: the larger body bound.
  size_t MaxRequestBody() const { return max_body_bytes > max_json_body_bytes ? max_body_bytes : max_json_body_bytes; }
};

// Checks a JSON request body against the size and nesting bounds without
// parsing it (a byte scan that skips strings). 413 PostBodyTooLarge or 400
// PostBodyInvalid. Whether the body is valid JSON is the parser's business.
Status CheckJsonBody(std::string_view body, const EmulatorLimits& limits);

}  // namespace slsflow::emulator
