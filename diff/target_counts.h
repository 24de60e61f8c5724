// TargetCounts: what a plan found for one target, entity by entity: the counts of the plan stage.
//
// The Differ (diff/differ.h) counts what it sees while the records are offered; the planner adds
// what the target's on_missing policy made of the missing entities (frozen, settled), and the
// plan (engine/plan/plan.h), its report and the safety gates read them.
//
// Thread-safety: a plain value type.
#pragma once

#include <cstdint>

namespace hrsync {

struct TargetCounts {
  std::uint64_t created = 0;    // upserts of entities the snapshot does not know
  std::uint64_t changed = 0;    // upserts of entities whose document changed
  std::uint64_t unchanged = 0;  // documents the snapshot holds as they are
  std::uint64_t missing = 0;    // in the snapshot, gone from the source
  std::uint64_t frozen = 0;     // missing entities the on_missing policy freezes (part of missing)
  std::uint64_t settled = 0;    // missing entities an earlier run already froze (part of missing)
  std::uint64_t invalid = 0;    // records that break a rule of the target's API
  std::uint64_t known = 0;      // rows in the snapshot before the run
  std::uint64_t absent = 0;     // records of entities the target lacks (a read found them absent)
};

}  // namespace hrsync
