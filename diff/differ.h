// Differ: sorts one target's desired documents into new, changed and unchanged against the
// snapshot, and names the entities that left the source.
//
// The planner builds one Differ per target from the SnapshotIndex of that target, offers it the
// document of every valid record, reports every record that is invalid for the target, and at
// the end lists the missing keys. The Differ keeps only counts and the index: the planner keeps
// the documents it must send. Duplicate keys are the planner's to refuse before offering.
//
// An invalid record counts as seen: its entity is NOT missing. A row that breaks a rule of one
// target (a name too long, a bad enum) must never make that target freeze or delete the entity;
// it is reported as invalid and its snapshot row stays as it is.
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "diff/document.h"
#include "diff/snapshot_index.h"
#include "diff/target_counts.h"

namespace hrsync {

struct Change {
  // What a desired document means for its target. kNew and kChanged are upserts.
  enum Kind : std::uint8_t {
    kNew,        // the snapshot does not know the key
    kChanged,    // the snapshot holds another hash for the key
    kUnchanged,  // the snapshot holds this very hash: nothing to send
  };
};

inline bool is_upsert(Change::Kind kind) { return kind != Change::kUnchanged; }

class Differ {
 public:
  // An empty snapshot: every offer is new, nothing is missing.
  Differ() = default;
  explicit Differ(SnapshotIndex index) : index_(std::move(index)) { counts_.known = index_.size(); }

  // Classifies `desired` by its key and hash, and marks its key seen.
  Change::Kind offer(const Document& desired) { return offer(desired, index_.probe(desired.key)); }
  // The same, with the probe of desired.key (a batch's, SnapshotIndex::probe).
  Change::Kind offer(const Document& desired, const SnapshotIndex::Probe& key);

  // Records that the entity `key` has a record that is invalid for this target: counted, and
  // marked seen so that it is never reported missing.
  void invalid(std::string_view key);

  // Records that the target lacks the entity `key` (a read found it absent): counted, and marked
  // seen, never reported missing nor sent.
  void absent(std::string_view key);

  // Calls fn(std::string_view key) for every key of the snapshot neither offered nor invalid,
  // in the snapshot's order, and sets counts().missing. REQUIRES: every record was offered.
  template <typename F>
  void for_each_missing(F&& fn);

  // The missing keys, as for_each_missing gives them.
  std::vector<std::string> finish();

  // created, changed and unchanged: the offers of each kind; invalid: the invalid() calls; known:
  // the keys of the index; missing: set by for_each_missing. frozen and settled stay 0 (the
  // planner's to fill).
  const TargetCounts& counts() const { return counts_; }
  const SnapshotIndex& index() const { return index_; }
  // The index, for the one-owner checks to claim keys in (SnapshotIndex::claim, which leaves the
  // seen flags and the counts alone).
  SnapshotIndex& claims() { return index_; }

 private:
  SnapshotIndex index_;
  TargetCounts counts_;
};

template <typename F>
void Differ::for_each_missing(F&& fn) {
  std::uint64_t missing = 0;
  index_.for_each_unseen([&](std::string_view key, std::uint64_t) {
    ++missing;
    fn(key);
  });
  counts_.missing = missing;
}

}  // namespace hrsync
