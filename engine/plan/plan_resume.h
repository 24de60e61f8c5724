// Plan resume: what is left of a plan file to apply, and whether it may still be applied.
//
// Before any call of `hrsync apply FILE` the file is read through once (scan_plan_file()): its
// checksum must match (not altered), the config must be the one it was made from
// (check_plan_config(): SHA-256 of its bytes), and the snapshot must be where the plan left it, or
// have moved only by runs that applied this very file (check_plan_snapshot()). Calls whose key the
// snapshot now holds with the planned document, committed by such a run, were confirmed: they are
// not sent again; keys to forget that the snapshot no longer holds were forgotten. resumed_plan()
// then gives the executor a plan whose calls left are streamed from the file, with the values to
// remove by hand and the keys still to forget.
//
// `runs` are the runs that applied the file before (SnapshotStore::plan_runs of its checksum).
//
// Thread-safety: one thread; the store and the reader are the caller's.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "engine/plan/plan.h"
#include "engine/plan/plan_file.h"
#include "store/snapshot_store.h"

namespace hrsync {

// One target's calls in the file: where they start, how many, how many are still to send.
struct PlanFileSection {
  std::string target;
  std::uint64_t offset = 0;   // byte offset of its first call line
  std::uint64_t first = 0;    // number of its first call
  std::uint64_t calls = 0;
  std::uint64_t pending = 0;
};

// One target's notes: what a person must remove by hand, the keys still to forget.
struct PlanFileNotes {
  std::vector<ByHand> by_hand;
  std::vector<std::string> forget;
};

// What a reading of the whole file found.
struct PlanResume {
  std::vector<PlanFileSection> sections;
  std::map<std::string, PlanFileNotes> notes;  // by target
  std::uint64_t forgets = 0;                   // keys the file says to forget
  std::uint64_t forgotten = 0;                 // of those, the ones an earlier apply of the file forgot
  std::shared_ptr<std::vector<bool>> done = std::make_shared<std::vector<bool>>();  // by call number
  std::uint64_t calls = 0;
  std::uint64_t confirmed = 0;                 // calls an earlier apply of the file got confirmed
  std::string checksum;                        // the file's, checked

  // True iff an earlier apply of the file did all it says: every call confirmed, every key forgotten.
  bool applied_already() const {
    return calls + forgets > 0 && confirmed == calls && forgotten == forgets;
  }
};

// Reads the file through from after its header: its notes, its sections, which calls were
// confirmed, and its checksum. kInput when the file was altered.
Result<PlanResume> scan_plan_file(PlanFileReader& reader, SnapshotStore& store, const std::vector<std::int64_t>& runs);

// Ok when the snapshot is where the plan left it, or moved only by applies of this file; kInput
// saying what moved otherwise.
Result<void> check_plan_snapshot(SnapshotStore& store, const PlanFileHeader& header, const std::vector<std::int64_t>& runs);

// Ok when the config at `path` is byte for byte the one the plan was made from; kInput otherwise.
Result<void> check_plan_config(const std::string& path, const PlanFileHeader& header);

// The plan the executor runs: per target, the header's counts, the notes left, and a stream of
// its calls left read from `file`. REQUIRES: `connectors` outlive the plan.
Result<Plan> resumed_plan(const std::string& file, const PlanFileHeader& header, const PlanResume& resume,
                          const std::vector<std::unique_ptr<TargetConnector>>& connectors);

}  // namespace hrsync
