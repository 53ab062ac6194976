#include "core/consume/poll_pacer.h"

#include <algorithm>

namespace slsflow {

int64_t PollPacer::IdleWaitUs(int64_t fetch_interval_us) const {
  if (idle_polls_per_second_ <= 0) return fetch_interval_us;
  const int64_t spread = int64_t{1000000} * std::max(readers(), 1) / idle_polls_per_second_;
  return std::max(fetch_interval_us, spread);
}

}  // namespace slsflow
