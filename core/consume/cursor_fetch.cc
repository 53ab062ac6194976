#include "core/consume/cursor_fetch.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace slsflow {

void FetchCursors(ConsumeSource* source, std::vector<CursorAsk>* asks, int parallel) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < asks->size(); i = next++) {
      CursorAsk& ask = (*asks)[i];
      ask.cursor = source->GetCursor(ask.logstore, ask.shard, ask.from);
    }
  };
  const size_t threads = std::min(asks->size(), static_cast<size_t>(std::max(parallel, 1)));
  if (threads <= 1) {
    work();  // one request, or one at a time asked for: no thread to start
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

}  // namespace slsflow
