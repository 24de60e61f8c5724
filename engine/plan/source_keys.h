// Source keys: the keys a read asks its target for, gathered in a pass over the sources before the
// plan reads them again to diff. Only the targets' key columns are kept, sorted and unique; a row the
// plan will refuse (a duplicate, a broken rule) costs at most one key asked for in vain.
//
// Thread-safety: runs on the caller's thread.
#pragma once

#include <vector>

#include "base/error.h"
#include "engine/plan/planner.h"
#include "engine/plan/target_read.h"

namespace hrsync {

// Fills asks[i].keys with the key column (asks[i].connector->key_column()) of every record of the
// source its target reads (asks[i].config->source), reading each of `sources` once to its end. A
// source that fails to read is its error (a kSourceRead error stays one).
Result<void> collect_read_keys(std::vector<PlanSource>& sources, std::vector<ReadAsk>& asks);

}  // namespace hrsync
