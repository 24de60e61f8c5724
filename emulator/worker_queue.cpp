#include "emulator/worker_queue.h"

#include <algorithm>

namespace hrsync::emulator {

double WorkerQueue::admit(double now) {
  if (free_at_.empty()) return 0;
  auto first_free = std::min_element(free_at_.begin(), free_at_.end());
  const double start = std::max(now, *first_free);
  const double wait = start - now;
  *first_free = start + service_s_;
  ++served_;
  if (wait > 0) {
    ++waited_;
    max_wait_s_ = std::max(max_wait_s_, wait);
  }
  return wait + service_s_;
}

void WorkerQueue::reset() {
  std::fill(free_at_.begin(), free_at_.end(), 0.0);
  max_wait_s_ = 0;
  waited_ = served_ = 0;
}

}  // namespace hrsync::emulator
