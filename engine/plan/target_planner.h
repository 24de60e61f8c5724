// Target planner: one target's part of a plan while its source is read. Each record is projected
// through the target's connector and its document diffed against the snapshot index; what must be
// sent becomes Work, a record the target's API would refuse becomes an InvalidEntity. Once the
// source is read, each change takes from its last applied document what its record left empty
// and the target would reset (TargetConnector::keep_unset), the entities gone from it are listed and the target's on_missing policy decides
// what becomes of each (freeze, forget, or nothing when an earlier run froze it already), and the
// counts are filled. A leaver the snapshot records (TargetState::leavers) back in the source is
// sent what gives back what on_missing took (RecordProjection::on_return) and listed as returning.
//
// The plan pipeline (engine/plan/plan_pipeline.h) decides which thread offers which batch and
// fetches the last applied documents; this file decides what each record means.
//
// Thread-safety: one TargetState is used by one thread at a time.
#pragma once

#include <cstddef>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "connectors/targets/target_connector.h"
#include "diff/differ.h"
#include "diff/document.h"
#include "diff/record.h"
#include "engine/config/config.h"
#include "engine/plan/duplicate_keys.h"
#include "engine/plan/key_owners.h"
#include "engine/plan/plan.h"
#include "engine/plan/work_spool.h"

namespace hrsync {

// One target while its plan is made.
struct TargetState {
  const TargetConnector* connector = nullptr;
  const TargetConfig* config = nullptr;
  TargetPlan plan;
  Differ differ;
  std::vector<std::size_t> fetch;  // plan.work entries whose last applied document the snapshot holds
  // The work kept while the source is read, before it becomes plan.work (collect_contested): a
  // change's document, line and action, a third of a Work (which holds three documents and an
  // origin of its own), in a vector grown by a quarter rather than doubled. Every record a target
  // reads has the same input, kept once in `staged_from`.
  struct Staged {
    Document desired;
    std::uint64_t line = 0;
    Work::Action action = Work::Action::kUpsert;
  };
  std::vector<Staged> staged;
  Origin staged_from;
  // One batch's documents, the rules each record broke, and the probes of their keys (offer_batch).
  std::vector<std::expected<Document, Invalid>> projected;
  std::vector<std::optional<Invalid>> clashes;
  std::vector<SnapshotIndex::Probe> probes;
  KeyOwners owners;  // who gave each value one entity alone may hold (set up with the connector)
  // The earlier rows of the clashes KeyOwners found, their source keys filled in, once the source
  // is read (collect_contested).
  std::vector<KeyOwners::Contested> contested;
  // New entities past the first `spool_after` of the work go to a spool file (0: never), and are
  // read back when sent: a first run holds counts and its first changes, not every document. A
  // --full run spools every entity past them, the changed and unchanged ones too.
  std::uint64_t spool_after = 0;
  std::unique_ptr<WorkSpool> spool;
  std::uint64_t spooled_known = 0;           // spooled entities the snapshot knows (--full)
  std::uint64_t first_spooled_line = 0;      // the record line of the first spooled entity
  std::vector<std::uint64_t> nothing_lines;  // new entities past spool_after whose document sets nothing
  std::map<std::string, std::uint64_t, std::less<>> spooled_lanes;  // spooled calls per lane
  std::optional<Error> spool_error;          // the spool could not be written
  // What a read of the target found (engine/plan/read_planning.h), or the absent keys the
  // snapshot remembers from the last read:
  std::vector<std::string> absent;                     // keys the target lacks, sorted: never sent
  std::unordered_map<std::string, Document> held;      // what it holds, by key: the diff's last documents
  std::vector<std::string> drifted;                    // keys whose held document is not the snapshot's, sorted
  std::vector<std::string> adopted;                    // keys held that the snapshot lacks, sorted
  std::uint64_t snapshot_known = 0;                    // the snapshot's rows, before a read joined them
  // What on_missing did to entities that left the source (SnapshotStore::leavers): by key, the
  // document the target held before. One back in the source gets it back (on_return).
  std::unordered_map<std::string, Document> leavers;
};

// Projects `records` for target `t`, classifies each document and keeps the ones to send (every
// valid one when `full`). A record giving a key or unique value an earlier record gave is invalid
// (KeyOwners), and so, in finish_target, is the earlier one. An invalid record is named by its `key_column` (the source's key). The
// last applied documents of the changes are left to fetch (TargetState::fetch). Projection and
// diff run as two passes, so that the index lookups (one cache miss each, in a table far larger
// than the caches) follow one another closely enough for the processor to overlap them.
void offer_batch(TargetState& t, std::span<const Record> records, Field key_column, bool full);

// Once every record was offered: lists the rows whose key or unique value a later row gave too,
// naming each by its source key (`source_keys`, the source's set of keys and their first lines),
// lets go of the one-owner tables, and moves the work kept while reading into plan.work.
void collect_contested(TargetState& t, const DuplicateKeys& source_keys);

// The snapshot's document of one key of the target, if it holds one.
using LastDocument = std::function<Result<std::optional<Document>>(const std::string& key)>;

// After collect_contested: takes back the rows whose key or unique value a later row gave
// too (invalid now, their work dropped), fills into each change what its record left empty and the
// target keeps (TargetConnector::keep_unset; a change that then equals the snapshot is unchanged,
// and sent only when `full`), lists the missing entities, freezes, revokes or forgets each as the
// target's policy says, and fills the counts. REQUIRES: the last documents of the changes held are
// fetched; those of the changes spooled (a --full run) are read here, with `last_document`, as the
// spool is read back and written again.
Result<void> finish_target(TargetState& t, const LastDocument& last_document, bool full = false);

}  // namespace hrsync
