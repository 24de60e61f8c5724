// order_failed_last: the work of entities whose last attempt failed goes after a target's other work.
//
// The snapshot store knows which entities of a target failed the last time they were tried
// (SnapshotStore::keys_failed_last). Sent after this run's fresh changes, such entities — a row the
// API refuses every night, a user the tenant does not hold — can never hold back a valid change:
// not by taking the run's time, nor by filling the target's failure window before the fresh changes
// were sent. Their turn still comes in the same run, so one that was mended is applied.
//
// Thread-safety: a pure function of its arguments.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "engine/plan/plan.h"

namespace hrsync {

// Moves the items of `work` whose key is in `failed_keys` (sorted) after the others, keeping the
// order within each part. Returns how many were moved.
std::size_t order_failed_last(std::vector<Work>& work, std::span<const std::string> failed_keys);

}  // namespace hrsync
