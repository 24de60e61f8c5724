// Read planning: how a read of a target (target_read.h) changes its part of a plan. Before the
// source is offered, the target's index is rebuilt from what it holds (take_read): a key it holds
// takes the held document's hash, a key it lacks leaves the index and is skipped when offered, the
// snapshot's other keys stay (so entities gone from the source are still missing). The diff's last
// documents are then the held ones (held_or_last). After finish_target, settle_read lists the drift
// (the fields whose held value is not what hrsync last applied, with what HR says) and fills the
// read's summary; a failed read drops the target's work: its diff would be wrong.
//
// Without a read, the absent keys the snapshot remembers from the last read are skipped alike
// (remembered_absent).
//
// Thread-safety: one TargetState at a time, on the caller's thread.
#pragma once

#include "base/error.h"
#include "diff/snapshot_index.h"
#include "engine/plan/target_planner.h"
#include "engine/plan/target_read.h"

namespace hrsync {

class SnapshotStore;

// Takes `read` into `t` and `index` (the snapshot's, replaced by one that holds what the target
// holds). A failed read changes nothing but the summary. `store` may be null (no snapshot).
Result<void> take_read(TargetState& t, SnapshotIndex& index, TargetRead read, SnapshotStore* store);

// Without a read: the keys the snapshot remembers the target lacks (SnapshotStore::absent_keys).
Result<void> remembered_absent(TargetState& t, SnapshotStore* store);

// Fills last_applied of work[i] for every i in `which` from the held documents, leaving in `which`
// those it has none for (the snapshot's to fill).
void fill_held(TargetState& t, std::vector<std::size_t>& which);

// After finish_target: the drift and the read's summary; a failed read drops the work.
Result<void> settle_read(TargetState& t, SnapshotStore* store);

}  // namespace hrsync
