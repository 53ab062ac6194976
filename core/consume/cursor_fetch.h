// GetCursor for many shards at once. At start-up every shard needs a start
// cursor, and with --to or a readonly shard an end cursor too; one request
// after another is 256 round trips before the first shard is read, about
// 8 s on a 30 ms link (15 s with --to). A few at a time in parallel, as the
// readers' own pulls already are.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/base/status.h"
#include "core/consume/source.h"

namespace slsflow {

struct CursorAsk {
  std::string logstore;
  int shard = 0;
  std::string from;                           // as GetCursor takes it: begin, end or a unix time
  std::optional<Result<std::string>> cursor;  // set by FetchCursors
};

// At most this many requests in flight (threads that live for the call).
constexpr int kParallelCursorFetches = 8;

// Fills every ask's `cursor`, whatever the others' outcome: the caller
// takes the first failure in its own order, as a sequential loop would.
void FetchCursors(ConsumeSource* source, std::vector<CursorAsk>* asks, int parallel = kParallelCursorFetches);

}  // namespace slsflow
