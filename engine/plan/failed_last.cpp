#include "engine/plan/failed_last.h"

#include <algorithm>

namespace hrsync {

std::size_t order_failed_last(std::vector<Work>& work, std::span<const std::string> failed_keys) {
  if (failed_keys.empty()) return 0;
  auto fresh = [&](const Work& w) { return !std::binary_search(failed_keys.begin(), failed_keys.end(), w.desired.key); };
  auto first_failed = std::stable_partition(work.begin(), work.end(), fresh);
  return static_cast<std::size_t>(work.end() - first_failed);
}

}  // namespace hrsync
