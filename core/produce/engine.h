// `slsflow produce` without the flags: reader → parser → batcher →
// sender → ack tracker, and the accounting that decides the exit code.
// Every log that entered a batch ends up delivered, dead-lettered or
// counted as unconfirmed; nothing is dropped silently.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/base/env.h"
#include "core/base/status.h"
#include "core/produce/batcher.h"
#include "core/produce/parser.h"
#include "core/produce/reader.h"
#include "core/produce/router.h"
#include "core/produce/sender.h"

namespace slsflow {

enum class OnInvalid { kFail, kSkip, kRaw };
Result<OnInvalid> ParseOnInvalid(const std::string& text);

struct ProduceOptions {
  std::string project;  // only to name the default follow state file
  InputReaderOptions reader;
  ParserOptions parser;
  OnInvalid on_invalid = OnInvalid::kFail;
  RouterOptions router;
  BatcherOptions batcher;
  SenderOptions sender;
  size_t buffer_bytes = 32u << 20;
  int64_t flush_timeout_us = 30ll * 1000 * 1000;
  std::string dead_letter;  // "" : count only
  std::string state_file;   // --follow; "" : the default path
  // Abandoned requests still on the wire are waited for this long before
  // they are reported as unconfirmed.
  int64_t abandon_grace_us = 2 * 1000 * 1000;
};

struct ProduceResult {
  Status status;       // first fatal error (bad input, reader, state file)
  uint64_t lines = 0;  // input lines seen
  uint64_t input_bytes = 0;
  uint64_t logs = 0;  // logs parsed: delivered + dead_lettered + unconfirmed
  uint64_t delivered = 0;
  uint64_t dead_lettered = 0;  // not delivered for good (written to --dead-letter if given)
  uint64_t refused = 0;        // of those: over an SLS limit, or refused by the server one by one
  uint64_t unconfirmed = 0;    // still in flight when the flush was abandoned
  uint64_t skipped = 0;        // invalid lines skipped (--on-invalid skip-with-warning)
  uint64_t raw_wrapped = 0;    // invalid lines wrapped (--on-invalid raw)
  uint64_t requests = 0;
  uint64_t retries = 0;
  uint64_t splits = 0;       // refused batches sent again in halves
  uint64_t state_saves = 0;  // --follow: commits of the read position
  uint64_t raw_bytes = 0;
  uint64_t wire_bytes = 0;
  uint64_t batches = 0;
  size_t peak_buffer = 0;
  int64_t duration_us = 0;
  bool interrupted = false;              // a first SIGINT/SIGTERM ended reading
  bool abandoned = false;                // a second one (or the flush timeout) ended the flush
  bool threads_detached = false;         // requests were still on the wire: exit without joining
  bool auth_failed = false;              // a PutLogs got 401: exit 3
  std::string dead_letter_error;         // writing the dead-letter file failed
  std::vector<std::string> send_errors;  // one line per distinct final error
  int ExitCode() const;
  uint64_t undelivered() const { return dead_lettered + unconfirmed; }
};

// `interrupts` counts SIGINT/SIGTERM (the CLI's handler increments it).
ProduceResult RunProduce(const ProduceOptions& options, const PutFn& put, Env* env, const std::atomic<int>* interrupts);

// "logs 100000, raw 55.1 MB, wire 12.0 MB, requests 120, retries 2, 1.20 s"
std::string FormatProduceStats(const ProduceResult& result);
// "delivered 99990, retried 7 requests, dead-lettered 10 (10 refused)":
// the line printed at exit when anything was retried or not delivered.
std::string FormatProduceSummary(const ProduceResult& result);

}  // namespace slsflow
