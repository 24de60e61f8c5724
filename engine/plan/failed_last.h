// order_failed_last: the work of entities whose last attempt failed goes after a target's other work.
//
// The snapshot store knows which entities of a target failed the last time they were tried
// (SnapshotStore::keys_failed_last). Sent after this run's fresh changes, such entities — a row the
// API refuses every night, a user the tenant does not hold — can never hold back a valid change:
// not by taking the run's time, nor by filling the target's failure window before the fresh changes
// were sent. Their turn still comes in the same run, so one that was mended is applied.
//
// A target whose work is partly streamed (a first run past its first changes, a --full run) has
// its failed entities in both parts: they all go after the fresh entities of both, through two
// temporary spools (engine/plan/work_spool.h), so the memory stays bounded.
//
// Thread-safety: functions of their arguments; one thread per TargetPlan.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "engine/plan/plan.h"

namespace hrsync {

// Moves the items of `work` whose key is in `failed_keys` (sorted) after the others, keeping the
// order within each part. Returns how many were moved.
std::size_t order_failed_last(std::vector<Work>& work, std::span<const std::string> failed_keys);

// Orders `plan`'s work and stream so that entities whose key is in `failed_keys` (sorted) come
// after all the others: the fresh held work, the fresh streamed work, then the failed held work and
// the failed streamed work, each in its order. Without a stream, the same as the function above on
// `plan.work`. Held work moved into the stream is passed to `moved` first (to count its lane with the
// stream's). Sets `plan.failed_last` and `plan.streamed`; returns how many were put last.
Result<std::size_t> order_failed_last(TargetPlan& plan, std::span<const std::string> failed_keys,
                                      const std::function<void(const Work&)>& moved);

}  // namespace hrsync
