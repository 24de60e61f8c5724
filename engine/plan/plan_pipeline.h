// Plan pipeline: how a plan's work is spread over threads and fed in batches, and the snapshot
// reads done around the reading of the sources (the indexes before, the last applied documents
// after). What happens to a record is the plan logic's (engine/plan/target_planner.h); this file
// moves records and documents, and decides nothing about them.
//
// A plan uses the caller's thread and up to three helper threads (one per further core). Each
// helper that reads the snapshot opens its own connection to it (a SnapshotStore serves one
// thread). Records go by batches of kBatchRecords: the caller reads the next batch while the
// helpers hand the current one to the targets, a whole batch per target at a time, so a target
// sees its records in source order and needs no lock.
//
// Thread-safety: every function runs on the caller's thread and returns once its helpers are done;
// the callbacks it is given run on any of its threads, never two at once for one index or consumer.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "connectors/sources/record_source.h"
#include "diff/document.h"
#include "diff/snapshot_index.h"
#include "engine/plan/plan.h"

namespace hrsync {

class SnapshotStore;

// Records handed to the targets at a time: large enough that handing over costs nothing, small
// enough that two batches of records stay in the caches' reach (about 2 MB each).
inline constexpr std::size_t kBatchRecords = 1024;

// Runs task(i, store) for every i < count, on the caller's thread and on helper threads; `store`
// is the caller's snapshot connection or a helper's own one (null when there is no snapshot).
// A helper that cannot open its own connection leaves its share to the caller. Returns the error
// of the lowest i that failed; exceptions reach the caller.
using IndexedTask = std::function<Result<void>(std::size_t i, SnapshotStore* store)>;
Result<void> for_each_parallel(std::size_t count, SnapshotStore* store, const IndexedTask& task);

// The snapshot's index (key -> hash) of `target`, keeping its keys' claimants when `owners` says
// so; empty when there is no snapshot. Keys are added a batch at a time so that their cache misses
// overlap, and the index grows in doublings.
Result<SnapshotIndex> load_index(SnapshotStore* store, std::string_view target,
                                 SnapshotIndex::Owners owners = SnapshotIndex::Owners::kNone);

// The snapshot's document of `key` on `target`, sealed; none when the snapshot does not hold it
// or there is no snapshot.
Result<std::optional<Document>> last_document(SnapshotStore* store, std::string_view target, const std::string& key);

// Fills last_applied of work[i] for every i in `which`, reading in key order (the snapshot's, so
// the reads go forward through its pages). The entries must all be of `target`.
Result<void> fetch_last_documents(SnapshotStore* store, std::string_view target, std::vector<Work>& work,
                                  std::vector<std::size_t> which);

// Reads `source` to its end in batches. After a batch is read, keep(batch) runs on the caller's
// thread: it moves the records to pass on to the front of the batch and returns how many they are.
// Then offer(c, records) runs for every consumer c < consumers, in parallel across consumers,
// while the caller reads on; one consumer gets the batches in order, one at a time. Returns the
// number of records passed on, or the source's fatal error. Rethrows what a callback threw.
struct BatchFeed {
  std::size_t consumers = 0;
  std::function<std::size_t(std::span<Record> batch)> keep;
  std::function<void(std::size_t consumer, std::span<const Record> records)> offer;
};
Result<std::uint64_t> read_in_batches(RecordSource& source, const BatchFeed& feed);

}  // namespace hrsync
